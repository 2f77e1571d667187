using System.Collections.Concurrent;
using System.Threading.Channels;
using Bytez.Protocol;
using Microsoft.Extensions.Logging;

namespace Bytez.Hub.Jobs;

/// <summary>What <see cref="ModelRequestQueue.RequestAsync"/> did with a request.</summary>
public enum ModelRequestOutcome
{
    /// <summary>A new job was queued (or a finished one queued again).</summary>
    Queued,

    /// <summary>An unfinished job for the model exists; the request joined it.</summary>
    AlreadyQueued,

    /// <summary>The catalog already serves the model.</summary>
    Available,
}

/// <summary>
/// The durable queue of model requests: each job reads the repository's metadata, plans the files, downloads and
/// verifies them into the hub cache, then has the host load, measure and smoke-test the model and add it to the
/// catalog. Jobs live in an <see cref="IModelRequestStore"/>; on start, unfinished jobs are resumed from the bytes
/// already on disk. At most <see cref="HubOptions.MaxConcurrentJobs"/> jobs run at once; one job per model id.
/// </summary>
public sealed partial class ModelRequestQueue : IAsyncDisposable
{
    /// <summary>The error of a job cancelled through <see cref="CancelAsync"/>.</summary>
    public const string CancelledMessage = "Cancelled";

    private static readonly TimeSpan ProgressSaveInterval = TimeSpan.FromSeconds(1);

    private readonly IModelRequestStore _store;
    private readonly HubClient _hub;
    private readonly ModelDownloader _downloader;
    private readonly IModelInstaller _installer;
    private readonly WebhookNotifier _webhooks;
    private readonly HubOptions _options;
    private readonly TimeProvider _time;
    private readonly HubMetrics? _metrics;
    private readonly ILogger _logger;
    private readonly Channel<string> _pending = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, ActiveJob> _active = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _workers = [];
    private readonly List<Task> _notifications = [];

    /// <summary>Creates the queue; call <see cref="StartAsync"/> to resume stored jobs and start the workers.</summary>
    public ModelRequestQueue(
        IModelRequestStore store,
        HubClient hub,
        ModelDownloader downloader,
        IModelInstaller installer,
        WebhookNotifier webhooks,
        HubOptions options,
        TimeProvider time,
        ILogger<ModelRequestQueue> logger,
        HubMetrics? metrics = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _hub = hub ?? throw new ArgumentNullException(nameof(hub));
        _downloader = downloader ?? throw new ArgumentNullException(nameof(downloader));
        _installer = installer ?? throw new ArgumentNullException(nameof(installer));
        _webhooks = webhooks ?? throw new ArgumentNullException(nameof(webhooks));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _metrics = metrics;
    }

    /// <summary>Starts the workers and queues every unfinished stored job again (they resume from the bytes on disk).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var job in await _store.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!job.IsFinished)
            {
                // It waits for a slot like any new job (a crash left it in the state it was running in).
                LogResuming(_logger, job.ModelId, job.State, job.BytesDone, job.BytesTotal);
                Schedule(job with { State = ModelRequestStates.Queued });
            }
        }

        for (var i = 0; i < _options.MaxConcurrentJobs; i++)
        {
            _workers.Add(Task.Run(() => WorkAsync(_stopping.Token), CancellationToken.None));
        }
    }

    /// <summary>
    /// Requests a model: checks the id, revision and webhook, answers <see cref="ModelRequestOutcome.Available"/> for a
    /// model the catalog serves, joins an unfinished job, or queues a new one (durably, before returning).
    /// </summary>
    /// <exception cref="HubException">The id, revision or webhook is not acceptable (kind <see cref="HubErrorKind.Invalid"/>).</exception>
    public async Task<ModelRequestOutcome> RequestAsync(string modelId, ModelRequestOptions? options, CancellationToken cancellationToken)
    {
        if (!ModelIds.IsValid(modelId))
        {
            throw new HubException(HubErrorKind.Invalid, $"'{modelId}' is not a valid model id: use {ModelIds.Rule}.");
        }

        var revision = string.IsNullOrWhiteSpace(options?.Revision) ? _options.DefaultRevision : options.Revision.Trim();
        if (revision.Length > 256 || revision.Contains("..", StringComparison.Ordinal) || revision.Any(char.IsControl))
        {
            throw new HubException(HubErrorKind.Invalid, $"'{revision}' is not a valid revision: use a branch, tag or commit of the repository.");
        }

        if (options?.Webhook is { Length: > 0 } webhook)
        {
            _webhooks.Validate(webhook);
        }

        if (_installer.IsAvailable(modelId))
        {
            return ModelRequestOutcome.Available;
        }

        var (job, created) = await _store.EnqueueAsync(modelId, revision, options?.Webhook, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (created)
        {
            LogQueued(_logger, job.ModelId, revision);
        }

        Schedule(job);
        return created ? ModelRequestOutcome.Queued : ModelRequestOutcome.AlreadyQueued;
    }

    /// <summary>The job of a model, with live download progress, or <see langword="null"/>.</summary>
    public async Task<ModelRequestStatus?> GetAsync(string modelId, CancellationToken cancellationToken)
    {
        if (_active.TryGetValue(modelId, out var active))
        {
            return active.Current.ToStatus();
        }

        return ModelIds.IsValid(modelId) && await _store.FindAsync(modelId, cancellationToken).ConfigureAwait(false) is { } job ? job.ToStatus() : null;
    }

    /// <summary>Every job, newest first, with live progress.</summary>
    public async Task<IReadOnlyList<ModelRequestStatus>> ListAsync(CancellationToken cancellationToken)
    {
        var jobs = await _store.ListAsync(cancellationToken).ConfigureAwait(false);
        return jobs.Select(j => _active.TryGetValue(j.ModelId, out var active) ? active.Current.ToStatus() : j.ToStatus()).ToList();
    }

    /// <summary>
    /// Cancels an unfinished job: it fails with <see cref="CancelledMessage"/>; bytes already downloaded stay on disk
    /// for a later request. Returns the job, or <see langword="null"/> when the model has none.
    /// </summary>
    public async Task<ModelRequestStatus?> CancelAsync(string modelId, CancellationToken cancellationToken)
    {
        if (_active.TryGetValue(modelId, out var active))
        {
            active.CancelRequested = true;
            if (active.TryStart())
            {
                // Still waiting for a worker: end it here rather than behind the jobs that run.
                try
                {
                    await UpdateAsync(active, j => j with { State = ModelRequestStates.Failed, Error = CancelledMessage, EndedAt = _time.GetUtcNow() })
                        .ConfigureAwait(false);
                    Notify(active.Current);
                }
                finally
                {
                    Release(active);
                }
            }
            else
            {
                await active.CancelAsync().ConfigureAwait(false);
                await active.Finished.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return ModelIds.IsValid(modelId) && await _store.FindAsync(modelId, cancellationToken).ConfigureAwait(false) is { } job ? job.ToStatus() : null;
    }

    /// <summary>
    /// Forgets the finished job of a model whose files were removed, so it leaves <see cref="ListAsync"/>; an
    /// unfinished job is kept (cancel it first) and gives <see langword="false"/>, as does a model without a job.
    /// </summary>
    public async Task<bool> ForgetAsync(string modelId, CancellationToken cancellationToken)
    {
        if (!ModelIds.IsValid(modelId) || _active.ContainsKey(modelId))
        {
            return false;
        }

        return await _store.DeleteAsync(modelId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the workers; running jobs stay unfinished in the store and resume at the next start.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _pending.Writer.TryComplete();
        foreach (var active in _active.Values)
        {
            await active.CancelAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_workers).ConfigureAwait(false);
        Task[] notifications;
        lock (_notifications)
        {
            notifications = [.. _notifications];
        }

        await Task.WhenAll(notifications).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private void Schedule(ModelRequestJob job)
    {
        var active = new ActiveJob(job, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
        if (_active.TryAdd(job.ModelId, active))
        {
            _pending.Writer.TryWrite(job.ModelId);
        }
        else
        {
            active.Cancellation.Dispose();
        }
    }

    private async Task WorkAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var modelId in _pending.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                if (_active.TryGetValue(modelId, out var active) && active.TryStart())
                {
                    try
                    {
                        await RunAsync(active).ConfigureAwait(false);
                    }
                    finally
                    {
                        Release(active);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private void Release(ActiveJob active)
    {
        _active.TryRemove(new KeyValuePair<string, ActiveJob>(active.Current.ModelId, active));
        active.Cancellation.Dispose();
        active.Finished.TrySetResult();
    }

    private async Task RunAsync(ActiveJob active)
    {
        var token = active.Cancellation.Token;
        try
        {
            token.ThrowIfCancellationRequested();
            await UpdateAsync(active, j => j with
            {
                State = ModelRequestStates.Resolving,
                Source = null,
                Note = null,
                StartedAt = _time.GetUtcNow(),
                EndedAt = null,
                Error = null,
                Attempts = j.Attempts + 1,
                Retries = 0,
                NextAttemptAt = null,
                RetryReason = null,
            }).ConfigureAwait(false);

            var job = active.Current;
            var retries = new JobRetries(this, active);
            var repository = await _hub.GetRepositoryAsync(job.ModelId, job.Revision, retries, token).ConfigureAwait(false);
            var (plan, note) = await ConversionFinder.ResolveAsync(_hub, repository, _options, _installer.Supported, retries, token).ConfigureAwait(false);
            await UpdateAsync(active, j => j with
            {
                State = ModelRequestStates.Downloading,
                NextAttemptAt = null,
                Source = plan.ModelId,
                Note = note,
                Commit = plan.Commit,
                Task = plan.Task,
                Format = plan.Format,
                ModelPath = plan.ModelPath,
                Files = plan.Files.Select(f => new ModelRequestFile { Path = f.Path, Size = f.Size, Sha256 = f.Sha256 }).ToList(),
                BytesTotal = plan.TotalBytes,
            }).ConfigureAwait(false);
            if (note is not null)
            {
                LogConversion(_logger, job.ModelId, note);
            }

            LogPlanned(_logger, job.ModelId, plan.Commit, plan.Format, plan.Files.Count, plan.TotalBytes);

            var progress = new JobProgress(this, active);
            var snapshot = await _downloader.DownloadAsync(plan, job.Revision, progress, retries, token).ConfigureAwait(false);
            await progress.FlushAsync().ConfigureAwait(false);

            await UpdateAsync(active, j => j with { State = ModelRequestStates.Measuring, BytesDone = plan.TotalBytes }).ConfigureAwait(false);
            var modelPath = plan.ModelPath.Length == 0 ? snapshot : Path.Combine(snapshot, plan.ModelPath.Replace('/', Path.DirectorySeparatorChar));
            var installed = await _installer.InstallAsync(job.ModelId, plan, modelPath, token).ConfigureAwait(false);

            await UpdateAsync(active, j => j with
            {
                State = ModelRequestStates.Ready,
                Task = installed.Task,
                RamBytes = installed.RamBytes,
                ParameterCount = installed.ParameterCount,
                EndedAt = _time.GetUtcNow(),
            }).ConfigureAwait(false);
            LogReady(_logger, job.ModelId, installed.Task, installed.RamBytes);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !active.CancelRequested)
        {
            // Shutting down: the job stays unfinished in the store and resumes at the next start.
            LogInterrupted(_logger, active.Current.ModelId, active.Current.BytesDone, active.Current.BytesTotal);
            await SaveQuietlyAsync(active.Current).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var reason = e switch
            {
                OperationCanceledException when active.CancelRequested => CancelledMessage,
                HubException hub => hub.Message,
                _ when active.Current.State == ModelRequestStates.Measuring => $"The model was downloaded but could not be loaded or run: {e.Message}",
                _ => $"The job failed unexpectedly: {e.Message}",
            };
            if (e is not (HubException or OperationCanceledException) && active.Current.State != ModelRequestStates.Measuring)
            {
                LogUnexpected(_logger, e, active.Current.ModelId);
            }

            LogFailed(_logger, active.Current.ModelId, reason);
            await UpdateAsync(active, j => j with { State = ModelRequestStates.Failed, Error = reason, NextAttemptAt = null, EndedAt = _time.GetUtcNow() }, quietly: true)
                .ConfigureAwait(false);
        }

        Notify(active.Current);
    }

    /// <summary>Records the job's end in the metrics and calls its webhook, if it has one, in the background (awaited at shutdown).</summary>
    private void Notify(ModelRequestJob job)
    {
        var outcome = job.State == ModelRequestStates.Ready ? "ready" : job.Error == CancelledMessage ? "cancelled" : "failed";
        _metrics?.JobEnded(job.ModelId, outcome, (job.EndedAt ?? job.UpdatedAt) - (job.StartedAt ?? job.CreatedAt));

        if (job.Webhook is not { Length: > 0 } webhook)
        {
            return;
        }

        var notification = _webhooks.NotifyAsync(webhook, job.ToStatus(), _stopping.Token);
        lock (_notifications)
        {
            _notifications.RemoveAll(t => t.IsCompleted);
            _notifications.Add(notification.ContinueWith(static _ => { }, TaskScheduler.Default));
        }
    }

    private async Task UpdateAsync(ActiveJob active, Func<ModelRequestJob, ModelRequestJob> change, bool quietly = false)
    {
        ModelRequestJob job;
        lock (active)
        {
            job = change(active.Current) with { UpdatedAt = _time.GetUtcNow() };
            active.Current = job;
        }

        if (quietly)
        {
            await SaveQuietlyAsync(job).ConfigureAwait(false);
        }
        else
        {
            // Not cancellable: a state change that happened is always recorded.
            await _store.SaveAsync(job, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task SaveQuietlyAsync(ModelRequestJob job)
    {
        try
        {
            await _store.SaveAsync(job, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogSaveFailed(_logger, e, job.ModelId);
        }
    }

    /// <summary>One job the queue holds: its latest state, its cancellation, and a signal when it is done.</summary>
    private sealed class ActiveJob(ModelRequestJob job, CancellationTokenSource cancellation)
    {
        public ModelRequestJob Current { get; set; } = job;

        public CancellationTokenSource Cancellation { get; } = cancellation;

        private int _started;

        public volatile bool CancelRequested;

        /// <summary>Cancels the run; a job that just ended (its cancellation already disposed) needs none.</summary>
        public async Task CancelAsync()
        {
            try
            {
                await Cancellation.CancelAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        /// <summary>Claims the job: true for the one caller that may run (or end) it.</summary>
        public bool TryStart() => Interlocked.Exchange(ref _started, 1) == 0;

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Download progress into the job: live in memory, saved at most once a second.</summary>
    private sealed class JobProgress(ModelRequestQueue queue, ActiveJob active) : IProgress<DownloadProgress>
    {
        private long _lastSave = queue._time.GetTimestamp();
        private Task _saving = Task.CompletedTask;

        public void Report(DownloadProgress value)
        {
            var state = value.Verifying ? ModelRequestStates.Verifying : ModelRequestStates.Downloading;
            ModelRequestJob job;
            lock (active)
            {
                job = active.Current with { State = state, BytesDone = value.BytesDone, BytesTotal = value.BytesTotal, UpdatedAt = queue._time.GetUtcNow() };
                if (job.NextAttemptAt is { } next && next <= job.UpdatedAt && value.BytesDone > active.Current.BytesDone)
                {
                    // Bytes arrive again: the retry is over.
                    job = job with { NextAttemptAt = null };
                }

                active.Current = job;
                if (queue._time.GetElapsedTime(_lastSave) < ProgressSaveInterval || !_saving.IsCompleted)
                {
                    return;
                }

                _lastSave = queue._time.GetTimestamp();
                _saving = queue.SaveQuietlyAsync(job);
            }
        }

        public Task FlushAsync()
        {
            lock (active)
            {
                return _saving;
            }
        }
    }

    /// <summary>Retries of the job's hub calls into the job: the count, when the next attempt is due, and why (live, not stored).</summary>
    private sealed class JobRetries(ModelRequestQueue queue, ActiveJob active) : IProgress<HubRetry>
    {
        public void Report(HubRetry value)
        {
            lock (active)
            {
                var now = queue._time.GetUtcNow();
                active.Current = active.Current with { Retries = active.Current.Retries + 1, NextAttemptAt = now + value.Delay, RetryReason = value.Reason, UpdatedAt = now };
            }

            LogRetrying(queue._logger, active.Current.ModelId, value.Retry, value.Delay.TotalSeconds, value.Reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model request {ModelId} queued (revision {Revision})")]
    private static partial void LogQueued(ILogger logger, string modelId, string revision);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming model request {ModelId} ({State}, {BytesDone} of {BytesTotal} bytes)")]
    private static partial void LogResuming(ILogger logger, string modelId, string state, long bytesDone, long bytesTotal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model request {ModelId}: commit {Commit}, {Format}, {Files} files, {Bytes} bytes")]
    private static partial void LogPlanned(ILogger logger, string modelId, string commit, string format, int files, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model request {ModelId}: {Note}")]
    private static partial void LogConversion(ILogger logger, string modelId, string note);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model request {ModelId} ready: {Task}, {RamBytes} bytes resident")]
    private static partial void LogReady(ILogger logger, string modelId, string task, long ramBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model request {ModelId} interrupted by shutdown at {BytesDone} of {BytesTotal} bytes; it resumes at the next start")]
    private static partial void LogInterrupted(ILogger logger, string modelId, long bytesDone, long bytesTotal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model request {ModelId}: retry {Retry} in {Seconds:0.#} s after: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string modelId, int retry, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model request {ModelId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string modelId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model request {ModelId} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string modelId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not save the state of model request {ModelId}")]
    private static partial void LogSaveFailed(ILogger logger, Exception exception, string modelId);
}
