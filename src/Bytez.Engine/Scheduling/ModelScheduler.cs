using System.Diagnostics;
using System.Diagnostics.Metrics;
using Bytez.Engine.Metrics;
using Bytez.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bytez.Engine.Scheduling;

/// <summary>
/// Owns every loaded model instance. Per model a cluster (the hosted service's word) holds its settings (idle
/// timeout, capacity) and instances. Requests lease an instance slot: up to
/// <see cref="SchedulerOptions.ConcurrencyPerInstance"/> at once per instance, then they wait in a bounded queue
/// (beyond it: 429), and the cluster grows to <c>capacity.max</c> instances when the memory budget allows. A load
/// that does not fit the budget evicts idle instances, least recently used first; if that is not enough it is refused
/// at once (503). Idle instances above <c>capacity.min</c> unload after the cluster's timeout.
/// </summary>
public sealed partial class ModelScheduler : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Cluster> _clusters = new(StringComparer.OrdinalIgnoreCase);
    private readonly IReadOnlyList<IModelRuntime> _runtimes;
    private readonly SemaphoreSlim _loadGate = new(1, 1);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sweeper;
    private readonly Func<long> _residentBytes;
    private readonly MemoryReclaimer _reclaimer = new();
    private readonly IClusterStore? _store;
    private readonly Lock _saveGate = new();
    private readonly List<ClusterSettings> _unrestored = [];
    private long _reservedBytes;
    private bool _disposed;

    /// <summary>Creates the scheduler.</summary>
    /// <param name="runtimes">The runtimes that load instances.</param>
    /// <param name="memory">Where measured memory is kept.</param>
    /// <param name="options">The scheduler's settings.</param>
    /// <param name="metrics">The engine's instruments.</param>
    /// <param name="timeProvider">The clock of idle timeouts; the system clock by default.</param>
    /// <param name="logger">The log.</param>
    /// <param name="totalMemoryBytes">The machine's memory, the base of the default budget; what the GC reports by default.</param>
    /// <param name="residentBytes">Reads the process's resident memory, measured around each load; the working set by default.</param>
    /// <param name="store">Keeps the clusters users configured across restarts (see <see cref="RestoreClusters"/>); none by default.</param>
    public ModelScheduler(
        IEnumerable<IModelRuntime> runtimes,
        ModelMemoryRecords memory,
        SchedulerOptions options,
        EngineMetrics metrics,
        TimeProvider? timeProvider = null,
        ILogger<ModelScheduler>? logger = null,
        long? totalMemoryBytes = null,
        Func<long>? residentBytes = null,
        IClusterStore? store = null)
    {
        _store = store;
        ArgumentNullException.ThrowIfNull(runtimes);
        Memory = memory ?? throw new ArgumentNullException(nameof(memory));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        Metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        options.Validate();
        _runtimes = runtimes.ToList();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _residentBytes = residentBytes ?? ProcessResidentBytes;
        BudgetBytes = options.EffectiveBudget(totalMemoryBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        if (options.ReclaimMemoryAfterUnload)
        {
            MemoryReclaimer.FixMmapThreshold();
        }

        metrics.Meter.CreateObservableGauge("bytez.queue.depth", ObserveQueueDepth, "{request}", "Requests waiting for an instance.");
        metrics.Meter.CreateObservableGauge("bytez.instance.memory", ObserveInstanceMemory, "By", "Resident memory of the loaded instances.");
        metrics.Meter.CreateObservableGauge("bytez.instances", ObserveInstances, "{instance}", "Loaded instances.");
        _sweeper = options.IdleSweepInterval > TimeSpan.Zero ? SweepLoopAsync() : Task.CompletedTask;
    }

    /// <summary>Resident memory measured per model at load (the source of <c>ramRequired</c>).</summary>
    public ModelMemoryRecords Memory { get; }

    /// <summary>The scheduler's settings.</summary>
    public SchedulerOptions Options { get; }

    /// <summary>The engine's instruments.</summary>
    public EngineMetrics Metrics { get; }

    /// <summary>The memory all instances may take.</summary>
    public long BudgetBytes { get; }

    /// <summary>The memory the loaded instances take now, plus loads in progress.</summary>
    public long UsedBytes
    {
        get
        {
            lock (_gate)
            {
                return UsedLocked();
            }
        }
    }

    /// <summary>The bytes an instance of the model needs: measured if one was loaded on this server, else estimated.</summary>
    public long RequiredBytes(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Memory.Get(model.Id) ?? model.EstimatedRamBytes;
    }

    /// <summary>
    /// Leases a slot on an instance of the model, creating the cluster with defaults (a cold start) and loading an
    /// instance if needed. Dispose the lease when the request is done.
    /// </summary>
    /// <exception cref="EngineException">The queue is full (Overloaded), memory does not allow an instance or the cluster is off (Unavailable), or loading failed.</exception>
    public async ValueTask<InstanceLease> AcquireAsync(ModelDescriptor model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var started = Stopwatch.GetTimestamp();
        Waiter waiter;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var cluster = GetOrCreateLocked(model, request: null);
            if (cluster.Off)
            {
                throw new EngineException(EngineErrorKind.Unavailable, $"{model.Id} is turned off; turn it on with PATCH {{\"status\": \"on\"}} to run it.");
            }

            if (FreeSlotLocked(cluster) is { } free)
            {
                free.Active++;
                Metrics.Queued(model.Id, TimeSpan.Zero);
                return new InstanceLease(this, cluster, free);
            }

            if (cluster.Waiters.Count >= Options.QueueLimit)
            {
                Metrics.Refused(model.Id, "queue_full");
                throw EngineException.Overloaded(
                    $"Rate limit exceeded: {model.Id} has {cluster.Waiters.Count} requests waiting, the most this server queues per model; retry later.",
                    Options.RetryAfter);
            }

            // Grow only when the waiting requests exceed what the instances already loading will serve.
            if (cluster.Instances.Count + cluster.Loading < Math.Max(1, cluster.Capacity.Max)
                && cluster.Waiters.Count >= cluster.Loading * Options.ConcurrencyPerInstance)
            {
                if (cluster.Instances.Count + cluster.Loading == 0)
                {
                    // Nothing can serve the request: refuse at once when no eviction would make room.
                    EnsureCouldFitLocked(model);
                }

                if (cluster.Instances.Count == 0 || CouldFitLocked(model))
                {
                    StartLoadLocked(cluster);
                }
            }

            waiter = new Waiter();
            waiter.Node = cluster.Waiters.AddLast(waiter);
        }

        InstanceLease lease;
        await using (cancellationToken.Register(() => CancelWaiter(waiter)).ConfigureAwait(false))
        {
            lease = await waiter.Completion.Task.ConfigureAwait(false);
        }

        Metrics.Queued(model.Id, Stopwatch.GetElapsedTime(started));
        return lease;
    }

    /// <summary>Creates the model's cluster and starts loading its desired instances (PUT).</summary>
    /// <exception cref="EngineException">The cluster exists and is not stopped (Conflict), or the settings are out of range.</exception>
    public ClusterInfo Create(ModelDescriptor model, ClusterRequest? request)
    {
        ArgumentNullException.ThrowIfNull(model);
        ClusterInfo info;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_clusters.TryGetValue(model.Id, out var existing) && (existing.Instances.Count > 0 || existing.Loading > 0 || existing.Off))
            {
                throw new EngineException(EngineErrorKind.Conflict, "Cluster already exists");
            }

            if (existing is not null)
            {
                Apply(existing, request);
            }

            var cluster = existing ?? GetOrCreateLocked(model, request);
            cluster.Failure = null;
            EnsureCouldFitLocked(model);
            for (var i = cluster.Instances.Count + cluster.Loading; i < Math.Max(1, cluster.Capacity.Desired); i++)
            {
                StartLoadLocked(cluster);
            }

            cluster.Configured = true;
            info = InfoLocked(cluster);
        }

        SaveClusters();
        return info;
    }

    /// <summary>Changes a cluster's settings, or turns it off or on (PATCH).</summary>
    /// <exception cref="EngineException">There is no cluster, or a setting is out of range.</exception>
    public ClusterInfo Update(ModelDescriptor model, ClusterRequest request)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(request);
        List<IModelInstance> unload = [];
        ClusterInfo info;
        lock (_gate)
        {
            var cluster = FindLocked(model);
            Apply(cluster, request);
            switch (request.Status)
            {
                case null:
                    break;
                case "off":
                    cluster.Off = true;
                    unload.AddRange(RetireAllLocked(cluster, "off"));
                    FailWaitersLocked(cluster, new EngineException(EngineErrorKind.Unavailable, $"{model.Id} was turned off."));
                    break;
                case "on":
                    cluster.Off = false;
                    for (var i = cluster.Instances.Count + cluster.Loading; i < cluster.Capacity.Min; i++)
                    {
                        StartLoadLocked(cluster);
                    }

                    break;
                default:
                    throw EngineException.BadInput($"'status' must be \"on\" or \"off\"; got \"{request.Status}\".");
            }

            cluster.Modified = _time.GetUtcNow();
            cluster.Configured = true;
            WarmMinimumLocked(cluster);
            info = InfoLocked(cluster);
        }

        DisposeAll(unload);
        SaveClusters();
        return info;
    }

    /// <summary>Shuts a cluster down: unloads its instances (running requests finish first) and forgets it (DELETE).</summary>
    /// <exception cref="EngineException">There is no cluster.</exception>
    public void Delete(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        List<IModelInstance> unload;
        lock (_gate)
        {
            var cluster = FindLocked(model);
            unload = RetireAllLocked(cluster, "shutdown");
            FailWaitersLocked(cluster, new EngineException(EngineErrorKind.Unavailable, $"{model.Id} was shut down."));
            _clusters.Remove(model.Id);
            _unrestored.RemoveAll(c => string.Equals(c.ModelId, model.Id, StringComparison.OrdinalIgnoreCase));
        }

        DisposeAll(unload);
        SaveClusters();
    }

    /// <summary>
    /// Brings back the clusters users configured before a restart (from the store): their settings, turned off if they
    /// were, and their warm minimum loading again. Clusters of models the catalog no longer has are kept in the store
    /// for when the model returns. Returns how many were restored.
    /// </summary>
    /// <param name="findModel">Looks a model id up in the catalog.</param>
    /// <exception cref="InvalidDataException">The stored clusters cannot be read.</exception>
    public int RestoreClusters(Func<string, ModelDescriptor?> findModel)
    {
        ArgumentNullException.ThrowIfNull(findModel);
        if (_store is null)
        {
            return 0;
        }

        var restored = 0;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (var settings in _store.Load())
            {
                if (findModel(settings.ModelId) is not { } model)
                {
                    _unrestored.Add(settings);
                    LogClusterNotRestored(settings.ModelId);
                    continue;
                }

                if (_clusters.ContainsKey(model.Id))
                {
                    continue;
                }

                var cluster = new Cluster(model)
                {
                    TimeoutMinutes = settings.Timeout is >= 1 and <= 1440 ? settings.Timeout : Options.DefaultTimeoutMinutes,
                    Capacity = ValidCapacity(settings.Capacity),
                    Config = settings.Config,
                    Off = settings.Off,
                    Configured = true,
                    Created = settings.Created,
                    Modified = settings.Modified,
                };
                _clusters[model.Id] = cluster;
                WarmMinimumLocked(cluster);
                restored++;
            }
        }

        return restored;
    }

    private ClusterCapacity ValidCapacity(ClusterCapacity? stored) =>
        stored is { Min: >= 0, Max: >= 1 } c && c.Max <= Options.MaxInstancesPerModel && c.Desired >= c.Min && c.Desired <= c.Max
            ? new ClusterCapacity { Min = c.Min, Desired = c.Desired, Max = c.Max }
            : new ClusterCapacity { Min = 0, Desired = 1, Max = 1 };

    /// <summary>Writes the configured clusters to the store (after every change; the last writer has the latest set).</summary>
    private void SaveClusters()
    {
        if (_store is null)
        {
            return;
        }

        lock (_saveGate)
        {
            List<ClusterSettings> settings;
            lock (_gate)
            {
                settings = _clusters.Values.Where(c => c.Configured).Select(c => new ClusterSettings
                {
                    ModelId = c.Model.Id,
                    Timeout = c.TimeoutMinutes,
                    Capacity = new ClusterCapacity { Min = c.Capacity.Min, Desired = c.Capacity.Desired, Max = c.Capacity.Max },
                    Config = c.Config,
                    Off = c.Off,
                    Created = c.Created,
                    Modified = c.Modified,
                }).Concat(_unrestored).OrderBy(c => c.ModelId, StringComparer.Ordinal).ToList();
            }

            try
            {
                _store.Save(settings);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The change is live; only its survival across a restart is lost. Say so loudly.
                LogClustersNotSaved(e);
            }
        }
    }

    /// <summary>
    /// Forgets a model that left the catalog: its instances unload once their running requests finish, requests still
    /// queued for it fail (NotFound), and its cluster is gone. Returns whether it had one.
    /// </summary>
    public bool Forget(string modelId)
    {
        List<IModelInstance> unload;
        lock (_gate)
        {
            if (_disposed || !_clusters.Remove(modelId, out var cluster))
            {
                return false;
            }

            unload = RetireAllLocked(cluster, "removed");
            FailWaitersLocked(cluster, EngineException.NotFound($"{cluster.Model.Id} was removed from the models directory."));
        }

        DisposeAll(unload);
        return true;
    }

    /// <summary>The model's cluster, or <see langword="null"/> when it has none.</summary>
    public ClusterInfo? Get(string modelId)
    {
        lock (_gate)
        {
            return _clusters.TryGetValue(modelId, out var cluster) ? InfoLocked(cluster) : null;
        }
    }

    /// <summary>Every cluster, ordered by model id.</summary>
    public IReadOnlyList<ClusterInfo> List()
    {
        lock (_gate)
        {
            return _clusters.Values.OrderBy(c => c.Model.Id, StringComparer.Ordinal).Select(InfoLocked).ToList();
        }
    }

    /// <summary>The loading phase of the model's cluster, for the legacy v1 status, or <see langword="null"/> when not loading.</summary>
    public LoadPhase? Phase(string modelId)
    {
        lock (_gate)
        {
            return _clusters.TryGetValue(modelId, out var cluster) && cluster.Loading > 0 ? cluster.Phase : null;
        }
    }

    /// <summary>
    /// Unloads instances idle longer than their cluster's timeout, keeping <c>capacity.min</c>; reloads clusters below
    /// their minimum. Runs on a timer; tests call it after moving their clock.
    /// </summary>
    public int SweepIdle()
    {
        var now = _time.GetUtcNow();
        List<IModelInstance> unload = [];
        lock (_gate)
        {
            foreach (var cluster in _clusters.Values)
            {
                var idle = cluster.Instances
                    .Where(s => s.Active == 0 && !s.Retiring && now - s.LastUsed >= TimeSpan.FromMinutes(cluster.TimeoutMinutes))
                    .OrderBy(s => s.LastUsed)
                    .ToList();
                foreach (var slot in idle)
                {
                    if (cluster.Instances.Count <= cluster.Capacity.Min)
                    {
                        break;
                    }

                    unload.Add(RemoveLocked(cluster, slot, "idle"));
                }

                WarmMinimumLocked(cluster);
            }
        }

        DisposeAll(unload);
        return unload.Count;
    }

    /// <summary>Unloads everything.</summary>
    public void Dispose()
    {
        List<IModelInstance> unload = [];
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var cluster in _clusters.Values)
            {
                unload.AddRange(RetireAllLocked(cluster, "shutdown"));
                FailWaitersLocked(cluster, new EngineException(EngineErrorKind.Unavailable, "The server is shutting down."));
            }
        }

        _stopping.Cancel();
        DisposeAll(unload);
        try
        {
            _sweeper.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stopping.Dispose();
    }

    internal void Release(Cluster cluster, Slot slot)
    {
        IModelInstance? unload = null;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            cluster.Inferences++;
            cluster.LastInference = now;
            slot.LastUsed = now;
            if (!slot.Retiring && cluster.Waiters.First?.Value is { } next)
            {
                // Hand the slot straight to the next waiter: first come, first served.
                cluster.Waiters.RemoveFirst();
                next.Node = null;
                if (next.Completion.TrySetResult(new InstanceLease(this, cluster, slot)))
                {
                    return;
                }
            }

            slot.Active--;
            if (slot.Retiring && slot.Active == 0)
            {
                unload = slot.Instance;
            }
        }

        if (unload is not null)
        {
            DisposeAll([unload]);
        }
    }

    private void CancelWaiter(Waiter waiter)
    {
        lock (_gate)
        {
            if (waiter.Node is { } node)
            {
                node.List!.Remove(node);
                waiter.Node = null;
                waiter.Completion.TrySetCanceled();
            }
        }
    }

    private Cluster GetOrCreateLocked(ModelDescriptor model, ClusterRequest? request)
    {
        if (!_clusters.TryGetValue(model.Id, out var cluster))
        {
            var now = _time.GetUtcNow();
            cluster = new Cluster(model)
            {
                TimeoutMinutes = Options.DefaultTimeoutMinutes,
                Capacity = new ClusterCapacity { Min = 0, Desired = 1, Max = 1 },
                Created = now,
                Modified = now,
            };
            Apply(cluster, request);
            _clusters[model.Id] = cluster;
        }

        return cluster;
    }

    // Whether the cluster is still the model's (not deleted or forgotten, and not replaced by a newer one).
    private bool IsCurrentLocked(Cluster cluster) =>
        _clusters.TryGetValue(cluster.Model.Id, out var current) && ReferenceEquals(current, cluster);

    private Cluster FindLocked(ModelDescriptor model) =>
        _clusters.TryGetValue(model.Id, out var cluster)
            ? cluster
            : throw EngineException.NotFound($"{model.Id} has no cluster: create one with PUT /models/v2/{model.Id}, or run the model (which creates one).");

    private void Apply(Cluster cluster, ClusterRequest? request)
    {
        if (request is null)
        {
            return;
        }

        if (request.Timeout is { } timeout)
        {
            cluster.TimeoutMinutes = timeout is >= 1 and <= 1440
                ? timeout
                : throw EngineException.BadInput($"'timeout' must be from 1 to 1440 minutes; got {timeout}.");
        }

        if (request.Capacity is { } capacity)
        {
            if (capacity.Min < 0 || capacity.Max < 1 || capacity.Max > Options.MaxInstancesPerModel
                || capacity.Desired < capacity.Min || capacity.Desired > capacity.Max)
            {
                throw EngineException.BadInput(
                    $"'capacity' must satisfy 0 <= min <= desired <= max, 1 <= max <= {Options.MaxInstancesPerModel}; got min {capacity.Min}, desired {capacity.Desired}, max {capacity.Max}.");
            }

            cluster.Capacity = new ClusterCapacity { Min = capacity.Min, Desired = capacity.Desired, Max = capacity.Max };
        }

        if (request.Config is { } config)
        {
            cluster.Config = config.Clone();
        }

        cluster.Modified = _time.GetUtcNow();
    }

    private Slot? FreeSlotLocked(Cluster cluster)
    {
        Slot? best = null;
        foreach (var slot in cluster.Instances)
        {
            if (!slot.Retiring && slot.Active < Options.ConcurrencyPerInstance && (best is null || slot.Active < best.Active))
            {
                best = slot;
            }
        }

        return best;
    }

    private long UsedLocked() => _reservedBytes + _clusters.Values.Sum(c => c.Instances.Sum(s => s.Bytes));

    private long EvictableLocked(Cluster? except) =>
        EvictionCandidatesLocked(except).Sum(c => c.Slot.Bytes);

    /// <summary>Idle instances that may be unloaded for memory (above their cluster's minimum), least recently used first.</summary>
    private List<(Cluster Cluster, Slot Slot)> EvictionCandidatesLocked(Cluster? except)
    {
        var candidates = new List<(Cluster Cluster, Slot Slot)>();
        foreach (var cluster in _clusters.Values)
        {
            if (cluster == except)
            {
                continue;
            }

            var spare = cluster.Instances.Count - cluster.Capacity.Min;
            foreach (var slot in cluster.Instances.Where(s => s.Active == 0 && !s.Retiring).OrderBy(s => s.LastUsed).Take(Math.Max(0, spare)))
            {
                candidates.Add((cluster, slot));
            }
        }

        candidates.Sort((x, y) => x.Slot.LastUsed.CompareTo(y.Slot.LastUsed));
        return candidates;
    }

    private bool CouldFitLocked(ModelDescriptor model) =>
        UsedLocked() - EvictableLocked(null) + RequiredBytes(model) <= BudgetBytes;

    private void EnsureCouldFitLocked(ModelDescriptor model)
    {
        if (!CouldFitLocked(model))
        {
            Metrics.Refused(model.Id, "memory");
            throw new EngineException(EngineErrorKind.Unavailable, MemoryMessage(model));
        }
    }

    private string MemoryMessage(ModelDescriptor model) =>
        $"Not enough memory for {model.Id}: an instance needs {Gb(RequiredBytes(model))} GB and {Gb(Math.Max(0, BudgetBytes - UsedLocked() + EvictableLocked(null)))} GB of the {Gb(BudgetBytes)} GB model budget can be made free (busy or warm instances hold the rest). Shut down another model or raise Bytez:Scheduler:MemoryBudgetBytes.";

    private static string Gb(long bytes) => (bytes / 1e9).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    private void StartLoadLocked(Cluster cluster)
    {
        cluster.Loading++;
        cluster.Phase = LoadPhase.Starting;
        cluster.Failure = null;
        _ = Task.Run(() => LoadAsync(cluster));
    }

    private void WarmMinimumLocked(Cluster cluster)
    {
        if (cluster.Off)
        {
            return;
        }

        for (var i = cluster.Instances.Count + cluster.Loading; i < cluster.Capacity.Min; i++)
        {
            if (!CouldFitLocked(cluster.Model))
            {
                break;
            }

            StartLoadLocked(cluster);
        }
    }

    private async Task LoadAsync(Cluster cluster)
    {
        var model = cluster.Model;
        var required = RequiredBytes(model);
        var reserved = false;
        List<IModelInstance> evicted = [];
        try
        {
            await _loadGate.WaitAsync(_stopping.Token).ConfigureAwait(false);
            try
            {
                lock (_gate)
                {
                    if (_disposed || !IsCurrentLocked(cluster) || cluster.Off)
                    {
                        throw new EngineException(EngineErrorKind.Unavailable, $"{model.Id} was shut down while loading.");
                    }

                    foreach (var (victim, slot) in EvictionCandidatesLocked(cluster))
                    {
                        if (UsedLocked() + required <= BudgetBytes)
                        {
                            break;
                        }

                        evicted.Add(RemoveLocked(victim, slot, "memory"));
                    }

                    if (UsedLocked() + required > BudgetBytes)
                    {
                        Metrics.Refused(model.Id, "memory");
                        throw new EngineException(EngineErrorKind.Unavailable, MemoryMessage(model));
                    }

                    _reservedBytes += required;
                    reserved = true;
                    cluster.Phase = LoadPhase.Instantiating;
                }

                if (evicted.Count > 0)
                {
                    DisposeAll(evicted);
                    evicted.Clear();
                    if (Options.ReclaimMemoryAfterUnload)
                    {
                        // Before measuring this load: what the evicted instances held must be gone from resident memory.
                        _reclaimer.ReclaimNow();
                    }
                }

                var runtime = _runtimes.FirstOrDefault(r => r.CanLoad(model))
                    ?? throw EngineException.NotSupported($"No runtime on this server can load {model.Id} (task '{model.Task}').");
                var before = _residentBytes();
                var clock = Stopwatch.StartNew();
                var instance = await runtime.LoadAsync(model, _stopping.Token).ConfigureAwait(false);
                // Other threads allocate and free while a load runs, so the growth of resident memory can read low;
                // an instance never takes less than its weights.
                var measured = Math.Max(Math.Max(0, _residentBytes() - before), model.WeightBytes);
                if (instance is IBatchingInstance batching)
                {
                    batching.BatchObserver = size => Metrics.Batch(model.Id, size);
                }

                if (instance is IPrefixCachingInstance caching)
                {
                    // The prefix cache fills after the load: its budget is part of what the instance takes.
                    measured += Math.Max(0, caching.PrefixCacheBudgetBytes);
                    var label = caching.PrefixCacheRuntime;
                    caching.PrefixReuseObserver = tokens => Metrics.PrefixReused(model.Id, tokens, label);
                }

                Memory.Set(model.Id, measured);
                Metrics.Loaded(model.Id);
                LogLoaded(model.Id, runtime.Name, clock.Elapsed.TotalMilliseconds, measured / (1024.0 * 1024.0));

                lock (_gate)
                {
                    cluster.Phase = LoadPhase.Deploying;
                    _reservedBytes -= required;
                    reserved = false;
                    cluster.Loading--;
                    if (_disposed || cluster.Off || !IsCurrentLocked(cluster))
                    {
                        instance.Dispose();
                        return;
                    }

                    var slot = new Slot(instance) { Bytes = measured > 0 ? measured : required, LastUsed = _time.GetUtcNow() };
                    cluster.Instances.Add(slot);
                    cluster.Modified = _time.GetUtcNow();
                    while (slot.Active < Options.ConcurrencyPerInstance && cluster.Waiters.First?.Value is { } next)
                    {
                        cluster.Waiters.RemoveFirst();
                        next.Node = null;
                        slot.Active++;
                        if (!next.Completion.TrySetResult(new InstanceLease(this, cluster, slot)))
                        {
                            slot.Active--;
                        }
                    }
                }
            }
            finally
            {
                _loadGate.Release();
            }
        }
        catch (Exception e)
        {
            var failure = e is EngineException engine ? engine : new EngineException(EngineErrorKind.Internal, $"Loading {model.Id} failed: {e.Message}", e);
            if (failure.Kind != EngineErrorKind.Unavailable)
            {
                LogLoadFailed(model.Id, e);
            }

            lock (_gate)
            {
                if (reserved)
                {
                    _reservedBytes -= required;
                }

                cluster.Loading--;
                if (cluster.Instances.Count == 0 && cluster.Loading == 0)
                {
                    cluster.Failure = failure.Message;
                    cluster.Modified = _time.GetUtcNow();
                    FailWaitersLocked(cluster, failure);
                }
            }

            DisposeAll(evicted);
        }
    }

    private IModelInstance RemoveLocked(Cluster cluster, Slot slot, string reason)
    {
        cluster.Instances.Remove(slot);
        cluster.Modified = _time.GetUtcNow();
        Metrics.Evicted(cluster.Model.Id, reason);
        LogUnloaded(cluster.Model.Id, reason);
        return slot.Instance;
    }

    private List<IModelInstance> RetireAllLocked(Cluster cluster, string reason)
    {
        var idle = new List<IModelInstance>();
        foreach (var slot in cluster.Instances.ToList())
        {
            if (slot.Active == 0)
            {
                idle.Add(RemoveLocked(cluster, slot, reason));
            }
            else
            {
                // Busy: it finishes its requests, then unloads on the last release.
                slot.Retiring = true;
                cluster.Instances.Remove(slot);
                Metrics.Evicted(cluster.Model.Id, reason);
            }
        }

        return idle;
    }

    private static void FailWaitersLocked(Cluster cluster, Exception error)
    {
        while (cluster.Waiters.First is { } waiter)
        {
            cluster.Waiters.RemoveFirst();
            waiter.Value.Node = null;
            waiter.Value.Completion.TrySetException(error);
        }
    }

    private ClusterInfo InfoLocked(Cluster cluster) => new()
    {
        ModelId = cluster.Model.Id,
        Status = cluster.Off ? ClusterStatuses.Off
            : cluster.Instances.Count > 0 ? ClusterStatuses.Running
            : cluster.Loading > 0 ? ClusterStatuses.Loading
            : cluster.Failure is not null ? ClusterStatuses.Failed
            : ClusterStatuses.Stopped,
        Created = cluster.Created,
        Modified = cluster.Modified,
        Timeout = cluster.TimeoutMinutes,
        Capacity = new ClusterCapacity { Min = cluster.Capacity.Min, Desired = cluster.Capacity.Desired, Max = cluster.Capacity.Max },
        Instances = cluster.Instances.Count,
        Inferences = cluster.Inferences,
        LastInference = cluster.LastInference,
        Failure = cluster.Instances.Count == 0 && cluster.Loading == 0 ? cluster.Failure : null,
    };

    private IEnumerable<Measurement<int>> ObserveQueueDepth()
    {
        lock (_gate)
        {
            return _clusters.Values.Select(c => new Measurement<int>(c.Waiters.Count, new KeyValuePair<string, object?>("model", c.Model.Id))).ToList();
        }
    }

    private IEnumerable<Measurement<long>> ObserveInstanceMemory()
    {
        lock (_gate)
        {
            return _clusters.Values.Select(c => new Measurement<long>(c.Instances.Sum(s => s.Bytes), new KeyValuePair<string, object?>("model", c.Model.Id))).ToList();
        }
    }

    private IEnumerable<Measurement<int>> ObserveInstances()
    {
        lock (_gate)
        {
            return _clusters.Values.Select(c => new Measurement<int>(c.Instances.Count, new KeyValuePair<string, object?>("model", c.Model.Id))).ToList();
        }
    }

    private async Task SweepLoopAsync()
    {
        using var timer = new PeriodicTimer(Options.IdleSweepInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                SweepIdle();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Disposes unloaded instances, then has their memory given back to the system soon, outside any load.</summary>
    private void DisposeAll(List<IModelInstance> instances)
    {
        foreach (var instance in instances)
        {
            instance.Dispose();
        }

        if (instances.Count > 0 && Options.ReclaimMemoryAfterUnload)
        {
            _reclaimer.ReclaimSoon(async reclaim =>
            {
                // Never during a load: its memory is measured as the growth of the process's resident memory.
                await _loadGate.WaitAsync().ConfigureAwait(false);
                try
                {
                    reclaim();
                }
                finally
                {
                    _loadGate.Release();
                }
            });
        }
    }

    /// <summary>How many times unloaded memory was given back to the system (see <see cref="MemoryReclaimer"/>).</summary>
    public int MemoryReclaims => _reclaimer.Count;

    private static long ProcessResidentBytes()
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {ModelId} with {Runtime} in {Milliseconds:F0} ms, {MiB:F1} MiB resident")]
    private partial void LogLoaded(string modelId, string runtime, double milliseconds, double miB);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unloaded an instance of {ModelId} ({Reason})")]
    private partial void LogUnloaded(string modelId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Loading {ModelId} failed")]
    private partial void LogLoadFailed(string modelId, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster of {ModelId} was not restored: the model is not in the catalog (its settings are kept)")]
    private partial void LogClusterNotRestored(string modelId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not save the cluster settings; changes will not survive a restart")]
    private partial void LogClustersNotSaved(Exception error);

    internal sealed class Cluster(ModelDescriptor model)
    {
        public ModelDescriptor Model { get; } = model;

        public int TimeoutMinutes { get; set; }

        /// <summary>Whether a user set this cluster up with PUT or PATCH (kept across restarts), rather than a run creating it.</summary>
        public bool Configured { get; set; }

        public required ClusterCapacity Capacity { get; set; }

        public System.Text.Json.JsonElement? Config { get; set; }

        public bool Off { get; set; }

        public string? Failure { get; set; }

        public DateTimeOffset Created { get; init; }

        public DateTimeOffset Modified { get; set; }

        public long Inferences { get; set; }

        public DateTimeOffset? LastInference { get; set; }

        public List<Slot> Instances { get; } = [];

        public int Loading { get; set; }

        public LoadPhase Phase { get; set; }

        public LinkedList<Waiter> Waiters { get; } = new();
    }

    internal sealed class Slot(IModelInstance instance)
    {
        public IModelInstance Instance { get; } = instance;

        public long Bytes { get; init; }

        public int Active { get; set; }

        public DateTimeOffset LastUsed { get; set; }

        public bool Retiring { get; set; }
    }

    internal sealed class Waiter
    {
        public TaskCompletionSource<InstanceLease> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }
    }
}

/// <summary>Where a loading instance is, for the legacy v1 status (STARTING, INSTANTIATING, DEPLOYING).</summary>
public enum LoadPhase
{
    /// <summary>Waiting its turn to load (loads run one at a time).</summary>
    Starting,

    /// <summary>The runtime is loading the weights.</summary>
    Instantiating,

    /// <summary>Loaded; being registered to serve.</summary>
    Deploying,
}

/// <summary>A request's hold on one instance; dispose it when the request is done.</summary>
public sealed class InstanceLease : IDisposable
{
    private readonly ModelScheduler _scheduler;
    private readonly ModelScheduler.Cluster _cluster;
    private readonly ModelScheduler.Slot _slot;
    private int _released;

    internal InstanceLease(ModelScheduler scheduler, ModelScheduler.Cluster cluster, ModelScheduler.Slot slot)
    {
        _scheduler = scheduler;
        _cluster = cluster;
        _slot = slot;
    }

    /// <summary>The instance to run the request on.</summary>
    public IModelInstance Instance => _slot.Instance;

    /// <summary>Gives the slot back (to the next waiting request, if any).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _scheduler.Release(_cluster, _slot);
        }
    }
}
