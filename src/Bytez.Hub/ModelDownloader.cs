using System.Buffers;
using System.Net;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Bytez.Hub.Download;
using Bytez.Hub.Planning;

namespace Bytez.Hub;

/// <summary>
/// Downloads a plan's files into the hub cache: resumes each file from the bytes already on disk
/// (<c>blobs/&lt;hash&gt;.incomplete</c>) with HTTP Range, retries transient failures with backoff, verifies each file
/// (SHA-256 for LFS files, the git blob hash for others) before it becomes a blob, and links it into the snapshot.
/// Files already in the cache (downloaded by this server or by Python tools) are verified and reused.
/// </summary>
public sealed class ModelDownloader
{
    private const int BufferSize = 1 << 17;

    /// <summary>Received chunks that may wait for the hashing-and-writing side.</summary>
    private const int PipelineDepth = 8;

    private readonly HttpClient _http;
    private readonly HubCache _cache;
    private readonly HubOptions _options;
    private readonly HubMetrics? _metrics;

    /// <summary>
    /// Creates the downloader over the hub client's <see cref="HttpClient"/> (owned by the caller), the cache and the
    /// options; <paramref name="metrics"/>, when given, counts the bytes fetched.
    /// </summary>
    public ModelDownloader(HttpClient http, HubCache cache, HubOptions options, HubMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _cache = cache;
        _options = options;
        _metrics = metrics;
    }

    /// <summary>
    /// Fetches every file of the plan and returns the snapshot folder; checks free disk space first. Progress is
    /// reported as bytes on disk (at most a few times a second).
    /// </summary>
    /// <exception cref="HubException">Too large for the disk, a hash mismatch (after one fresh retry), unauthorized, not found, or the hub kept failing.</exception>
    public Task<string> DownloadAsync(DownloadPlan plan, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken) =>
        DownloadAsync(plan, null, progress, cancellationToken);

    /// <summary>
    /// Fetches every file of the plan, then records <paramref name="revision"/> (a branch or tag) as pointing at the
    /// plan's commit in <c>refs/</c>, and returns the snapshot folder.
    /// </summary>
    /// <param name="plan">The files to fetch.</param>
    /// <param name="revision">The revision the plan was made for, or <see langword="null"/> to write no ref.</param>
    /// <param name="progress">Receives bytes on disk, at most a few times a second, and a final report.</param>
    /// <param name="cancellationToken">Stops the download; partial files stay for a later resume.</param>
    /// <exception cref="HubException">Too large for the disk, a hash mismatch (after one fresh retry), unauthorized, not found, or the hub kept failing.</exception>
    public Task<string> DownloadAsync(
        DownloadPlan plan, string? revision, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken) =>
        DownloadAsync(plan, revision, progress, null, cancellationToken);

    /// <summary>
    /// Fetches every file of the plan as <see cref="DownloadAsync(DownloadPlan, string?, IProgress{DownloadProgress}?, CancellationToken)"/>
    /// does, reporting each retry after a transient failure to <paramref name="retries"/> before its wait.
    /// </summary>
    /// <param name="plan">The files to fetch.</param>
    /// <param name="revision">The revision the plan was made for, or <see langword="null"/> to write no ref.</param>
    /// <param name="progress">Receives bytes on disk, at most a few times a second, and a final report.</param>
    /// <param name="retries">Receives each retry, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the download; partial files stay for a later resume.</param>
    /// <exception cref="HubException">Too large for the disk, a hash mismatch (after one fresh retry), unauthorized, not found, or the hub kept failing.</exception>
    public async Task<string> DownloadAsync(
        DownloadPlan plan, string? revision, IProgress<DownloadProgress>? progress, IProgress<HubRetry>? retries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var snapshot = _cache.SnapshotPath(plan.ModelId, plan.Commit);
        var entries = plan.Files.Select(file => new Entry(
            file,
            _cache.BlobPath(plan.ModelId, RequireBlobName(file)),
            _cache.IncompletePath(plan.ModelId, RequireBlobName(file)),
            _cache.LockPath(plan.ModelId, RequireBlobName(file)),
            _cache.SnapshotFilePath(plan.ModelId, plan.Commit, file.Path))).ToList();

        foreach (var entry in entries)
        {
            entry.Counted = BytesOnDisk(entry);
        }

        CheckDiskSpace(plan, entries);
        var tracker = new ProgressTracker(progress, plan.TotalBytes) { Retries = retries };
        tracker.Add(entries.Sum(e => e.Counted));
        foreach (var entry in entries)
        {
            tracker.CurrentFile = entry.File.Path;
            await FetchAsync(plan, entry, tracker, cancellationToken).ConfigureAwait(false);
        }

        if (revision is not null)
        {
            _cache.WriteRef(plan.ModelId, revision, plan.Commit);
        }

        Directory.CreateDirectory(snapshot);
        tracker.Complete();
        return snapshot;
    }

    private static string RequireBlobName(HubFile file)
    {
        if (file.Size < 0)
        {
            throw new HubException(HubErrorKind.Invalid, $"The hub published a negative size for '{file.Path}'.");
        }

        return file.BlobName ?? throw new HubException(HubErrorKind.Invalid, $"The hub published no hash for '{file.Path}'; it cannot be verified.");
    }

    private static long BytesOnDisk(Entry entry)
    {
        if (File.Exists(entry.Blob) || IsMovedSnapshotFile(entry))
        {
            return entry.File.Size;
        }

        var incomplete = new FileInfo(entry.Incomplete);
        return incomplete.Exists && incomplete.Length <= entry.File.Size ? incomplete.Length : 0;
    }

    /// <summary>A snapshot entry that is the file itself (the blob was moved there where links are impossible).</summary>
    private static bool IsMovedSnapshotFile(Entry entry)
    {
        var info = new FileInfo(entry.SnapshotFile);
        return info.Exists && info.LinkTarget is null && info.Length == entry.File.Size;
    }

    private void CheckDiskSpace(DownloadPlan plan, List<Entry> entries)
    {
        var needed = entries.GroupBy(e => e.Blob, StringComparer.Ordinal).Sum(g => g.First().File.Size - g.First().Counted);
        _cache.CreateModelFolder(plan.ModelId);
        long free;
        try
        {
            free = new DriveInfo(_cache.Root).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return; // The platform cannot tell; the write fails with its own error if the disk fills.
        }

        if (free < needed + _options.MinFreeDiskBytes)
        {
            throw new HubException(HubErrorKind.TooLarge,
                $"{plan.ModelId} needs {PlanText.Size(needed)} more, {PlanText.Size(free)} free on {_cache.Root} " +
                $"(Bytez:Hub:MinFreeDiskBytes keeps {PlanText.Size(_options.MinFreeDiskBytes)} free).");
        }
    }

    private async Task FetchAsync(DownloadPlan plan, Entry entry, ProgressTracker tracker, CancellationToken cancellationToken)
    {
        var blobLock = await BlobLock.AcquireAsync(entry.Blob, entry.Lock, cancellationToken).ConfigureAwait(false);
        await using (blobLock.ConfigureAwait(false))
        {
            void SetDone(long bytes)
            {
                tracker.Add(bytes - entry.Counted);
                entry.Counted = bytes;
            }

            if (!File.Exists(entry.Blob) && IsMovedSnapshotFile(entry))
            {
                if (await VerifyAsync(tracker, entry.File, entry.SnapshotFile, cancellationToken).ConfigureAwait(false))
                {
                    SetDone(entry.File.Size);
                    return;
                }

                File.Delete(entry.SnapshotFile);
            }

            if (File.Exists(entry.Blob))
            {
                if (await VerifyAsync(tracker, entry.File, entry.Blob, cancellationToken).ConfigureAwait(false))
                {
                    _cache.Link(plan.ModelId, plan.Commit, entry.File);
                    SetDone(entry.File.Size);
                    return;
                }

                File.Delete(entry.Blob);
                SetDone(0);
            }

            await DownloadBlobAsync(plan, entry, tracker, SetDone, cancellationToken).ConfigureAwait(false);
            _cache.Link(plan.ModelId, plan.Commit, entry.File);
        }
    }

    /// <summary>Hashes a whole file already on disk, reporting the verifying phase meanwhile.</summary>
    private static async Task<bool> VerifyAsync(ProgressTracker tracker, HubFile file, string path, CancellationToken cancellationToken)
    {
        tracker.Verifying = true;
        try
        {
            return await BlobHasher.VerifyAsync(file, path, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            tracker.Verifying = false;
        }
    }

    private async Task DownloadBlobAsync(DownloadPlan plan, Entry entry, ProgressTracker tracker, Action<long> setDone, CancellationToken cancellationToken)
    {
        var target = new HubTarget(_options.Endpoint, plan.ModelId, plan.Commit, entry.File.Path);
        var freshRetried = false;
        var failures = 0;
        while (true)
        {
            var result = await AttemptAsync(plan, entry, target, tracker, setDone, cancellationToken).ConfigureAwait(false);
            switch (result.Outcome)
            {
                case Outcome.Completed:
                    return;
                case Outcome.Mismatch when !freshRetried:
                    freshRetried = true;
                    failures = 0;
                    setDone(0);
                    continue;
                case Outcome.Mismatch:
                    setDone(0);
                    throw new HubException(HubErrorKind.Integrity,
                        $"{result.Algorithm} of {entry.File.Path} is {result.Actual}, the hub published {result.Expected}; the file was deleted.");
                default:
                    failures = result.Progressed ? 1 : failures + 1;
                    if (failures >= _options.MaxAttempts)
                    {
                        throw new HubException(HubErrorKind.Unavailable,
                            $"Downloading {entry.File.Path} of {plan.ModelId} from {_options.Endpoint} kept failing after {failures} attempts: " +
                            $"{result.Cause?.Message}", result.Cause);
                    }

                    var delay = HubHttp.Backoff(_options, failures, result.RetryAfter);
                    tracker.Retries?.Report(new HubRetry(failures, delay, result.Cause?.Message ?? "the transfer failed"));
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    private async Task<Attempt> AttemptAsync(
        DownloadPlan plan, Entry entry, HubTarget target, ProgressTracker tracker, Action<long> setDone, CancellationToken cancellationToken)
    {
        var size = entry.File.Size;
        Directory.CreateDirectory(Path.GetDirectoryName(entry.Incomplete)!);
        using var hasher = new BlobHasher(entry.File);
        var streamOptions = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
        {
            streamOptions.UnixCreateMode = HubCache.PrivateFileMode;
        }

        var stream = new FileStream(entry.Incomplete, streamOptions);
        bool verified;
        await using (stream.ConfigureAwait(false))
        {
            var length = stream.Length;
            if (length > size)
            {
                stream.SetLength(0);
                length = 0;
            }

            setDone(length);
            if (length < size)
            {
                // The bytes a previous attempt or process left are hashed while the rest is already being received.
                var fetched = await FetchRangeAsync(plan, entry, target, stream, hasher, length, tracker, setDone, cancellationToken).ConfigureAwait(false);
                if (fetched is { } failure)
                {
                    return failure;
                }
            }
            else
            {
                tracker.Verifying = true;
                try
                {
                    await hasher.AppendAsync(stream, length, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    tracker.Verifying = false;
                }
            }

            stream.Flush(flushToDisk: true);
            verified = stream.Length == size;
        }

        var actual = hasher.Finish();
        if (verified && string.Equals(actual, hasher.Expected, StringComparison.Ordinal))
        {
            File.Move(entry.Incomplete, entry.Blob, overwrite: true);
            return new Attempt(Outcome.Completed);
        }

        File.Delete(entry.Incomplete);
        return new Attempt(Outcome.Mismatch) { Algorithm = hasher.Algorithm, Actual = actual, Expected = hasher.Expected };
    }

    /// <summary>
    /// Appends the rest of the file from the hub; <see langword="null"/> when the stream holds every byte (or the hub
    /// said 416). Receiving and hashing-and-writing run as a pipeline on two threads, with a few buffers between them,
    /// so that SHA-256 (about 2 GB/s on one core) does not stall the socket; the bytes already on disk are hashed first
    /// by the writing side while the first ones arrive.
    /// </summary>
    private async Task<Attempt?> FetchRangeAsync(
        DownloadPlan plan, Entry entry, HubTarget target, FileStream stream, BlobHasher hasher, long start, ProgressTracker tracker,
        Action<long> setDone, CancellationToken cancellationToken)
    {
        var size = entry.File.Size;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ReadTimeout);
        var address = HubHttp.ResolveAddress(_options, plan.ModelId, plan.Commit, entry.File.Path);
        HttpResponseMessage response;
        try
        {
            response = await HubHttp.GetAsync(_http, _options, address, start, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            return Transient(new TimeoutException($"The hub sent nothing for {_options.ReadTimeout.TotalSeconds:0.#} s.", e), false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return Transient(e, false);
        }

        using (response)
        {
            switch (response.StatusCode)
            {
                case HttpStatusCode.PartialContent when response.Content.Headers.ContentRange?.From is { } from && from != start:
                    stream.SetLength(0);
                    setDone(0);
                    return Transient(new IOException($"The hub answered a range from byte {from} when asked for byte {start}."), false);
                case HttpStatusCode.PartialContent:
                    break;
                case HttpStatusCode.OK:
                    if (start > 0)
                    {
                        stream.SetLength(0);
                        start = 0;
                        setDone(0);
                    }

                    break;
                case HttpStatusCode.RequestedRangeNotSatisfiable:
                    return null;
                default:
                    var error = await HubHttp.ToExceptionAsync(response, target, timeout.Token).ConfigureAwait(false);
                    if (!HubHttp.IsTransient(response.StatusCode))
                    {
                        throw error;
                    }

                    return Transient(error, false, HubHttp.RetryAfter(response));
            }

            stream.Position = start;
            var chunks = Channel.CreateBounded<(byte[] Buffer, int Count)>(
                new BoundedChannelOptions(PipelineDepth) { SingleReader = true, SingleWriter = true });
            var writer = Task.Run(() => HashAndWriteAsync(plan, stream, hasher, start, chunks, tracker, setDone, cancellationToken), CancellationToken.None);
            Exception? cause = null;
            ExceptionDispatchInfo? fatal = null;
            var received = start;
            var tooLong = false;
            try
            {
                var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    while (true)
                    {
                        timeout.CancelAfter(_options.ReadTimeout);
                        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                        var queued = false;
                        try
                        {
                            var read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), timeout.Token).ConfigureAwait(false);
                            if (read == 0)
                            {
                                break;
                            }

                            if (received + read > size)
                            {
                                tooLong = true;
                                break;
                            }

                            received += read;
                            await chunks.Writer.WriteAsync((buffer, read), cancellationToken).ConfigureAwait(false);
                            queued = true;
                        }
                        finally
                        {
                            if (!queued)
                            {
                                ArrayPool<byte>.Shared.Return(buffer);
                            }
                        }
                    }
                }
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                cause = new TimeoutException($"The hub sent nothing for {_options.ReadTimeout.TotalSeconds:0.#} s.", e);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                cause = e;
            }
            catch (ChannelClosedException)
            {
                // The writing side failed; awaiting it below throws its error.
            }
            catch (Exception e)
            {
                fatal = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                chunks.Writer.TryComplete();
            }

            // Every byte received is on disk and hashed before the attempt ends (so a retry resumes exactly there), and
            // the writing side never outlives the file it writes.
            long position;
            try
            {
                position = await writer.ConfigureAwait(false);
            }
            catch (Exception) when (fatal is not null)
            {
                position = 0;
            }

            fatal?.Throw();
            if (tooLong)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                File.Delete(entry.Incomplete);
                setDone(0);
                throw new HubException(HubErrorKind.Integrity,
                    $"The hub sent more than the {size} bytes it published for {entry.File.Path} of {plan.ModelId}; the file was deleted.");
            }

            return position < size
                ? Transient(cause ?? new IOException($"The hub ended the body of {entry.File.Path} after {position} of {size} bytes."), position > start)
                : null;
        }
    }

    /// <summary>
    /// The writing side of the pipeline: hashes the first <paramref name="start"/> bytes already on disk, then hashes and
    /// appends each received chunk, returning the buffers to the pool. Returns the bytes on disk. A failure completes
    /// the channel so that the receiving side stops.
    /// </summary>
    private async Task<long> HashAndWriteAsync(
        DownloadPlan plan, FileStream stream, BlobHasher hasher, long start, Channel<(byte[] Buffer, int Count)> chunks,
        ProgressTracker tracker, Action<long> setDone, CancellationToken cancellationToken)
    {
        try
        {
            if (start > 0)
            {
                tracker.Verifying = true;
                try
                {
                    await hasher.AppendAsync(stream.SafeFileHandle, start, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    tracker.Verifying = false;
                }
            }

            var position = start;
            await foreach (var (buffer, count) in chunks.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                try
                {
                    hasher.Append(buffer.AsSpan(0, count));
                    await stream.WriteAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                position += count;
                _metrics?.Downloaded(plan.ModelId, count);
                setDone(position);
            }

            return position;
        }
        catch (Exception e)
        {
            // Stop the receiving side (its next write into the channel fails) and give back the buffers still queued.
            chunks.Writer.TryComplete(e);
            while (chunks.Reader.TryRead(out var left))
            {
                ArrayPool<byte>.Shared.Return(left.Buffer);
            }

            throw;
        }
    }

    private static Attempt Transient(Exception cause, bool progressed, TimeSpan? retryAfter = null) =>
        new(Outcome.Transient) { Cause = cause, Progressed = progressed, RetryAfter = retryAfter };

    private enum Outcome
    {
        Completed,
        Mismatch,
        Transient,
    }

    private sealed record Attempt(Outcome Outcome)
    {
        public Exception? Cause { get; init; }

        public bool Progressed { get; init; }

        public TimeSpan? RetryAfter { get; init; }

        public string? Algorithm { get; init; }

        public string? Actual { get; init; }

        public string? Expected { get; init; }
    }

    private sealed class Entry(HubFile file, string blob, string incomplete, string lockPath, string snapshotFile)
    {
        public HubFile File { get; } = file;

        public string Blob { get; } = blob;

        public string Incomplete { get; } = incomplete;

        public string Lock { get; } = lockPath;

        public string SnapshotFile { get; } = snapshotFile;

        /// <summary>This file's bytes on disk as last counted into the progress.</summary>
        public long Counted { get; set; }
    }
}
