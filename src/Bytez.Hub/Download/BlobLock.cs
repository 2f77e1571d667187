namespace Bytez.Hub.Download;

/// <summary>
/// Keeps one writer per blob: a keyed semaphore inside the process, then a lock file next to the cache
/// (<c>.locks/models--org--name/&lt;blob&gt;.lock</c>, the file huggingface_hub locks) across processes.
/// </summary>
internal sealed class BlobLock : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly Dictionary<string, Gate> Gates = new(StringComparer.Ordinal);

    private readonly string _key;
    private readonly Gate _gate;
    private readonly string _lockPath;
    private FileStream? _file;

    private BlobLock(string key, Gate gate, string lockPath)
    {
        _key = key;
        _gate = gate;
        _lockPath = lockPath;
    }

    /// <summary>Waits until this caller is the only writer of the blob, in this process and on the machine.</summary>
    public static async Task<BlobLock> AcquireAsync(string blobPath, string lockPath, CancellationToken cancellationToken)
    {
        Gate gate;
        lock (Gates)
        {
            if (!Gates.TryGetValue(blobPath, out gate!))
            {
                gate = new Gate();
                Gates.Add(blobPath, gate);
            }

            gate.Users++;
        }

        var blobLock = new BlobLock(blobPath, gate, lockPath);
        try
        {
            await gate.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            blobLock.Leave();
            throw;
        }

        try
        {
            blobLock._file = await LockFileAsync(lockPath, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            gate.Semaphore.Release();
            blobLock.Leave();
            throw;
        }

        return blobLock;
    }

    /// <summary>Deletes the lock file, then lets the next writer in.</summary>
    public ValueTask DisposeAsync()
    {
        if (_file is not null)
        {
            try
            {
                File.Delete(_lockPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another process may hold it open (Windows); it is only a lock file.
            }

            _file.Dispose();
            _file = null;
            _gate.Semaphore.Release();
            Leave();
        }

        return ValueTask.CompletedTask;
    }

    private static async Task<FileStream> LockFileAsync(string lockPath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var file = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                if (File.Exists(lockPath))
                {
                    return file;
                }

                // The holder deleted the file between our open and our lock: lock the new one.
                file.Dispose();
                continue;
            }
            catch (IOException e) when (IsHeld(e))
            {
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsHeld(IOException e) =>
        (e.HResult & 0xFFFF) is 32 or 33 // Windows: sharing or lock violation
        || e.HResult is 11 or 35; // Unix: EWOULDBLOCK from flock (Linux, macOS)

    private void Leave()
    {
        lock (Gates)
        {
            if (--_gate.Users == 0)
            {
                Gates.Remove(_key);
                _gate.Semaphore.Dispose();
            }
        }
    }

    private sealed class Gate
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }
}
