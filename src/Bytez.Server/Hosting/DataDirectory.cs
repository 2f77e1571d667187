namespace Bytez.Server.Hosting;

/// <summary>The data directory's one start-up check: that the server can create it and write in it.</summary>
public static class DataDirectory
{
    /// <summary>Creates the directory if needed and writes and deletes a probe file in it.</summary>
    /// <exception cref="StartupException">The directory cannot be created or written.</exception>
    public static void EnsureWritable(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var probe = Path.Combine(path, $".write-test-{Environment.ProcessId}");
        try
        {
            Bytez.Engine.PrivateFiles.CreateDirectory(path); // owner-only, as everything under it
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException(
                $"The data directory {path} is not writable ({e.Message.TrimEnd('.')}). Set BYTEZ_HOME or --Bytez:Home to a directory this user can write, or fix its permissions.",
                e);
        }
    }
}
