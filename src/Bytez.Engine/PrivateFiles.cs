namespace Bytez.Engine;

/// <summary>
/// Creates files and folders of the data directory readable by the server's user only (0600 files, 0700 folders on
/// Unix; Windows keeps its inherited access lists): API key hashes, the state database, cluster settings and models
/// are nobody else's business on a shared machine.
/// </summary>
public static class PrivateFiles
{
    /// <summary>Owner read and write: 0600.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Owner read, write and search: 0700.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates a folder and its missing parents, each as 0700 (folders that exist keep their mode).</summary>
    public static DirectoryInfo CreateDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
        {
            return Directory.CreateDirectory(full);
        }

        // Directory.CreateDirectory(path, mode) gives the mode to the last folder only: create the missing ones one by one.
        var missing = new Stack<string>();
        for (var folder = full; !string.IsNullOrEmpty(folder) && !Directory.Exists(folder); folder = Path.GetDirectoryName(folder))
        {
            missing.Push(folder);
        }

        while (missing.TryPop(out var folder))
        {
            Directory.CreateDirectory(folder, DirectoryMode);
        }

        return new DirectoryInfo(full);
    }

    /// <summary>Creates (or truncates) a file for writing, as 0600 when it is new.</summary>
    public static FileStream Create(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var options = new FileStreamOptions { Mode = System.IO.FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        return new FileStream(path, options);
    }

    /// <summary>Writes a whole file as 0600 (when new) and returns after the bytes reached the disk.</summary>
    public static void WriteAllText(string path, string contents)
    {
        using var stream = Create(path);
        stream.Write(System.Text.Encoding.UTF8.GetBytes(contents));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Creates an empty 0600 file if none exists (for files a library creates later, such as a SQLite database, which keeps the mode).</summary>
    public static void EnsureFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            return;
        }

        var options = new FileStreamOptions { Mode = System.IO.FileMode.OpenOrCreate, Access = FileAccess.Write, Share = FileShare.ReadWrite };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        using var _ = new FileStream(path, options);
    }
}
