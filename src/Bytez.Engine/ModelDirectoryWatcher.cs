using Bytez.Engine.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bytez.Engine;

/// <summary>The models a <see cref="ModelDirectoryWatcher.Refresh"/> added, replaced and removed, by id.</summary>
/// <param name="Added">Models new in the catalog.</param>
/// <param name="Updated">Models whose files changed; their loaded instances are unloaded once idle.</param>
/// <param name="Removed">Models whose folder is gone; they left the catalog.</param>
public sealed record ModelDirectoryChanges(IReadOnlyList<string> Added, IReadOnlyList<string> Updated, IReadOnlyList<string> Removed);

/// <summary>
/// Keeps the catalog in step with the models directory while the server runs: file-system events (debounced, since a
/// copy raises many) and a periodic rescan (watchers miss events on some file systems) both lead to
/// <see cref="Refresh"/>, which reads the directory through <see cref="ModelStore.Scan"/> and applies the difference.
/// A folder that cannot be read yet (half copied) is not registered and is read again at the next change or rescan;
/// a model whose folder is gone leaves the catalog, and its instances unload once their running requests finish.
/// </summary>
public sealed partial class ModelDirectoryWatcher : IDisposable
{
    private readonly ModelStore _store;
    private readonly ModelCatalog _catalog;
    private readonly ModelScheduler _scheduler;
    private readonly ModelWatchOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _refreshGate = new();
    private readonly Lock _stateGate = new();
    private HashSet<string> _unreadable = new(StringComparer.OrdinalIgnoreCase);
    private FileSystemWatcher? _watcher;
    private ITimer? _debounce;
    private ITimer? _rescan;
    private bool _disposed;

    /// <summary>Creates the watcher; <see cref="Start"/> begins watching.</summary>
    public ModelDirectoryWatcher(
        ModelStore store,
        ModelCatalog catalog,
        ModelScheduler scheduler,
        ModelWatchOptions options,
        TimeProvider? timeProvider = null,
        ILogger<ModelDirectoryWatcher>? logger = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Reads the directory once (so that folders unreadable at start are not reported twice), then watches it for
    /// file-system events (when <see cref="ModelWatchOptions.Events"/>) and rescans it every
    /// <see cref="ModelWatchOptions.RescanInterval"/>.
    /// </summary>
    public void Start()
    {
        lock (_stateGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_debounce is not null)
            {
                return;
            }

            RefreshSafely(quiet: true);
            _debounce = _time.CreateTimer(_ => RefreshSafely(quiet: false), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (_options.Events)
            {
                _watcher = TryWatch();
            }

            if (_options.RescanInterval > TimeSpan.Zero)
            {
                _rescan = _time.CreateTimer(_ => RefreshSafely(quiet: false), null, _options.RescanInterval, _options.RescanInterval);
            }
        }
    }

    /// <summary>
    /// Reads the models directory and brings the catalog in line with it: new folders are added, changed ones
    /// replaced, and models whose folder is gone removed. Unreadable folders keep what the catalog had.
    /// </summary>
    public ModelDirectoryChanges Refresh() => Apply(quiet: false);

    /// <summary>Stops watching.</summary>
    public void Dispose()
    {
        lock (_stateGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _watcher?.Dispose();
            _debounce?.Dispose();
            _rescan?.Dispose();
        }
    }

    private ModelDirectoryChanges Apply(bool quiet)
    {
        lock (_refreshGate)
        {
            var failures = new List<ModelFailure>();
            var found = _store.Scan(failures.Add);
            var unreadable = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var failure in failures)
            {
                unreadable[failure.ModelId] = failure.Error;
            }
            List<string> added = [], updated = [], removed = [];
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var model in found)
            {
                seen.Add(model.Id);
                var existing = _catalog.Find(model.Id);
                if (existing == model)
                {
                    continue;
                }

                _catalog.Add(model);
                if (existing is null)
                {
                    added.Add(model.Id);
                    LogAdded(model.Id, model.Task);
                }
                else
                {
                    // Its instances were loaded from the old files: they finish their requests and unload.
                    _scheduler.Forget(existing.Id);
                    updated.Add(model.Id);
                    LogUpdated(model.Id);
                }
            }

            foreach (var model in _catalog.List())
            {
                if (!seen.Contains(model.Id) && !unreadable.ContainsKey(model.Id) && !Directory.Exists(FolderOf(model.Id)) && _catalog.Remove(model.Id))
                {
                    _scheduler.Forget(model.Id);
                    removed.Add(model.Id);
                    LogRemoved(model.Id);
                }
            }

            foreach (var (id, why) in unreadable)
            {
                if (!quiet && !_unreadable.Contains(id))
                {
                    LogUnreadable(id, why);
                }
            }

            _unreadable = [.. unreadable.Keys];
            _catalog.SetFailures(failures);
            return new ModelDirectoryChanges(added, updated, removed);
        }
    }

    private void RefreshSafely(bool quiet)
    {
        try
        {
            Apply(quiet);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            LogRefreshFailed(_store.Root, e);
        }
    }

    private FileSystemWatcher? TryWatch()
    {
        try
        {
            Directory.CreateDirectory(_store.Root);
            var watcher = new FileSystemWatcher(_store.Root)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.DirectoryName | NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            watcher.Created += (_, _) => Changed();
            watcher.Changed += (_, _) => Changed();
            watcher.Deleted += (_, _) => Changed();
            watcher.Renamed += (_, _) => Changed();
            watcher.Error += (_, e) =>
            {
                // The event buffer overflowed or the watch broke: read everything again.
                LogWatchError(_store.Root, e.GetException());
                Changed();
            };
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException)
        {
            LogCannotWatch(_store.Root, _options.RescanInterval, e);
            return null;
        }
    }

    // Every event restarts the quiet period; the refresh runs once the copy has stopped writing.
    private void Changed()
    {
        lock (_stateGate)
        {
            if (!_disposed)
            {
                _debounce?.Change(_options.Debounce, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private string FolderOf(string modelId) => Path.Combine(_store.Root, modelId.Replace('/', Path.DirectorySeparatorChar));

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {ModelId} ({Task}) appeared in the models directory and is served now")]
    private partial void LogAdded(string modelId, string task);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {ModelId} changed in the models directory; loaded instances unload once idle")]
    private partial void LogUpdated(string modelId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {ModelId} was removed from the models directory; it left the catalog and its instances unload once idle")]
    private partial void LogRemoved(string modelId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped the model folder {ModelId} for now (read again at the next change): {Reason}")]
    private partial void LogUnreadable(string modelId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the models directory {Root}")]
    private partial void LogRefreshFailed(string root, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching the models directory {Root} failed; it is read again at the next rescan")]
    private partial void LogWatchError(string root, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot watch the models directory {Root}; new models are found by the rescan every {Interval} (0: only at start)")]
    private partial void LogCannotWatch(string root, TimeSpan interval, Exception exception);
}
