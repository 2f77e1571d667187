namespace Bytez.Engine;

/// <summary>
/// Settings of <see cref="ModelDirectoryWatcher"/>: how the running server notices model folders added to or removed
/// from the models directory (section <c>Bytez:ModelWatch</c>).
/// </summary>
public sealed class ModelWatchOptions
{
    /// <summary>Whether file-system events trigger a new read of the models directory. Default <c>true</c>.</summary>
    public bool Events { get; set; } = true;

    /// <summary>Quiet time after the last file-system event before the directory is read again (a copy raises many). Default 0.5 s.</summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How often the directory is read again regardless of events, since watchers miss events on some file systems
    /// (network shares, some container mounts); <see cref="TimeSpan.Zero"/> turns it off. Default 30 s.
    /// </summary>
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        if (Debounce < TimeSpan.Zero || Debounce > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(Debounce), Debounce, "Bytez:ModelWatch:Debounce must be from 00:00:00 to 00:01:00.");
        }

        if (RescanInterval < TimeSpan.Zero || (RescanInterval > TimeSpan.Zero && RescanInterval < TimeSpan.FromMilliseconds(100)))
        {
            throw new ArgumentOutOfRangeException(nameof(RescanInterval), RescanInterval, "Bytez:ModelWatch:RescanInterval must be 0 (off) or at least 00:00:00.100.");
        }
    }
}
