using Bytez.Engine.Metrics;
using Bytez.Engine.Scheduling;
using Bytez.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Bytez.Engine.Tests.Scheduling;

/// <summary>
/// The scheduler's accounting: memory budget, eviction order, refusals, queues, idle unloading and warm minimums.
/// The runtime is a collaborator made for these tests (instances that "take" the bytes their descriptor declares, as
/// the resident-memory probe reports), so the numbers are exact; the server tests run the real runtimes.
/// </summary>
public sealed class ModelSchedulerTests : IDisposable
{
    private const long Mb = 1_000_000;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeRuntime _runtime = new();
    private readonly EngineMetrics _metrics = new();
    private ModelScheduler? _scheduler;

    private ModelScheduler Create(long budget, int concurrency = 1, int queue = 4)
    {
        _scheduler = new ModelScheduler(
            [_runtime],
            new ModelMemoryRecords(null),
            new SchedulerOptions { MemoryBudgetBytes = budget, ConcurrencyPerInstance = concurrency, QueueLimit = queue, IdleSweepInterval = TimeSpan.Zero },
            _metrics,
            _time,
            totalMemoryBytes: null,
            residentBytes: () => _runtime.Resident);
        return _scheduler;
    }

    private static ModelDescriptor Model(string name, long bytes) =>
        new() { Id = "test/" + name, Task = "fake", Path = "/nowhere", EstimatedRamBytes = bytes };

    [Fact]
    public async Task Acquire_LoadsOnceAndMeasuresTheInstance()
    {
        var scheduler = Create(budget: 1000 * Mb);
        var a = Model("a", 300 * Mb);

        using (var lease = await scheduler.AcquireAsync(a, TestContext.Current.CancellationToken))
        {
            Assert.Equal(a, lease.Instance.Model);
        }

        using (await scheduler.AcquireAsync(a, TestContext.Current.CancellationToken))
        {
        }

        Assert.Equal(1, _runtime.Loads);
        Assert.Equal(300 * Mb, scheduler.Memory.Get(a.Id));
        Assert.Equal(300 * Mb, scheduler.UsedBytes);
        var cluster = scheduler.Get(a.Id)!;
        Assert.Equal(ClusterStatuses.Running, cluster.Status);
        Assert.Equal(2, cluster.Inferences);
        Assert.Equal(1, cluster.Instances);
    }

    [Fact]
    public async Task Acquire_OverBudget_EvictsIdleInstancesLeastRecentlyUsedFirst()
    {
        var scheduler = Create(budget: 1000 * Mb);
        var a = Model("a", 400 * Mb);
        var b = Model("b", 400 * Mb);
        var c = Model("c", 400 * Mb);
        foreach (var model in new[] { a, b })
        {
            using var lease = await scheduler.AcquireAsync(model, TestContext.Current.CancellationToken);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // a was used last: b is older... use a again so that b is the least recently used.
        using (await scheduler.AcquireAsync(a, TestContext.Current.CancellationToken))
        {
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        using (await scheduler.AcquireAsync(c, TestContext.Current.CancellationToken))
        {
        }

        Assert.Equal(ClusterStatuses.Stopped, scheduler.Get(b.Id)!.Status);
        Assert.Equal(ClusterStatuses.Running, scheduler.Get(a.Id)!.Status);
        Assert.Equal(ClusterStatuses.Running, scheduler.Get(c.Id)!.Status);
        Assert.Equal([b.Id], _runtime.Disposed);
        Assert.True(scheduler.UsedBytes <= scheduler.BudgetBytes);
    }

    [Fact]
    public async Task Acquire_NothingEvictable_RefusedAtOnceNamingTheMemory()
    {
        var scheduler = Create(budget: 1000 * Mb);
        var a = Model("a", 700 * Mb);
        var big = Model("big", 600 * Mb);
        using var busy = await scheduler.AcquireAsync(a, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<EngineException>(async () => await scheduler.AcquireAsync(big, TestContext.Current.CancellationToken));

        Assert.Equal(EngineErrorKind.Unavailable, error.Kind);
        Assert.Contains("0.6 GB", error.Message, StringComparison.Ordinal);
        Assert.Contains("0.3 GB", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _runtime.Loads);
    }

    [Fact]
    public async Task Acquire_LargerThanTheWholeBudget_RefusedEvenWhenEmpty()
    {
        var scheduler = Create(budget: 100 * Mb);

        var error = await Assert.ThrowsAsync<EngineException>(async () => await scheduler.AcquireAsync(Model("huge", 200 * Mb), TestContext.Current.CancellationToken));

        Assert.Equal(EngineErrorKind.Unavailable, error.Kind);
        Assert.Equal(0, _runtime.Loads);
    }

    [Fact]
    public async Task Acquire_BusyInstance_QueuesFirstComeFirstServedThenRefusesBeyondTheQueue()
    {
        var scheduler = Create(budget: 1000 * Mb, concurrency: 1, queue: 2);
        var a = Model("a", 100 * Mb);
        var first = await scheduler.AcquireAsync(a, TestContext.Current.CancellationToken);
        var second = scheduler.AcquireAsync(a, TestContext.Current.CancellationToken).AsTask();
        var third = scheduler.AcquireAsync(a, TestContext.Current.CancellationToken).AsTask();

        var refused = await Assert.ThrowsAsync<EngineException>(async () => await scheduler.AcquireAsync(a, TestContext.Current.CancellationToken));
        Assert.Equal(EngineErrorKind.Overloaded, refused.Kind);
        Assert.NotNull(refused.RetryAfter);
        Assert.False(second.IsCompleted);

        first.Dispose();
        using (await second)
        {
            Assert.False(third.IsCompleted);
        }

        using (await third)
        {
        }
    }

    [Fact]
    public async Task Acquire_CancelledWhileQueued_LeavesTheQueue()
    {
        var scheduler = Create(budget: 1000 * Mb, concurrency: 1, queue: 1);
        var a = Model("a", 100 * Mb);
        var first = await scheduler.AcquireAsync(a, TestContext.Current.CancellationToken);
        using var cancel = new CancellationTokenSource();
        var waiting = scheduler.AcquireAsync(a, cancel.Token).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        // Its place in the queue is free again.
        var next = scheduler.AcquireAsync(a, TestContext.Current.CancellationToken).AsTask();
        first.Dispose();
        using (await next)
        {
        }
    }

    [Fact]
    public async Task SweepIdle_AfterTheTimeout_UnloadsDownToTheWarmMinimum()
    {
        var scheduler = Create(budget: 1000 * Mb, concurrency: 1);
        var a = Model("a", 100 * Mb);
        var b = Model("b", 100 * Mb);
        scheduler.Create(a, new ClusterRequest { Timeout = 5, Capacity = new ClusterCapacity { Min = 1, Desired = 2, Max = 2 } });
        scheduler.Create(b, new ClusterRequest { Timeout = 5 });
        await WaitUntil(() => scheduler.Get(a.Id)!.Instances == 2 && scheduler.Get(b.Id)!.Instances == 1);

        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, scheduler.SweepIdle());

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(2, scheduler.SweepIdle());
        Assert.Equal(1, scheduler.Get(a.Id)!.Instances);
        Assert.Equal(ClusterStatuses.Running, scheduler.Get(a.Id)!.Status);
        Assert.Equal(ClusterStatuses.Stopped, scheduler.Get(b.Id)!.Status);

        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, scheduler.SweepIdle());
        Assert.Equal(1, scheduler.Get(a.Id)!.Instances);
    }

    [Fact]
    public async Task SweepIdle_UseResetsTheTimer()
    {
        var scheduler = Create(budget: 1000 * Mb);
        var a = Model("a", 100 * Mb);
        scheduler.Create(a, new ClusterRequest { Timeout = 5 });
        await WaitUntil(() => scheduler.Get(a.Id)!.Instances == 1);

        _time.Advance(TimeSpan.FromMinutes(4));
        using (await scheduler.AcquireAsync(a, TestContext.Current.CancellationToken))
        {
        }

        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, scheduler.SweepIdle());
    }

    [Fact]
    public async Task Acquire_UnderLoad_GrowsToCapacityMax()
    {
        var scheduler = Create(budget: 1000 * Mb, concurrency: 1, queue: 8);
        var a = Model("a", 100 * Mb);
        scheduler.Create(a, new ClusterRequest { Capacity = new ClusterCapacity { Min = 0, Desired = 1, Max = 3 } });
        await WaitUntil(() => scheduler.Get(a.Id)!.Instances == 1);

        var leases = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => scheduler.AcquireAsync(a, TestContext.Current.CancellationToken).AsTask()));

        Assert.Equal(3, scheduler.Get(a.Id)!.Instances);
        Assert.Equal(3, leases.Select(l => l.Instance).Distinct().Count());
        foreach (var lease in leases)
        {
            lease.Dispose();
        }
    }

    [Fact]
    public async Task Update_Off_UnloadsAndRefusesUntilOn()
    {
        var scheduler = Create(budget: 1000 * Mb);
        var a = Model("a", 100 * Mb);
        using (await scheduler.AcquireAsync(a, TestContext.Current.CancellationToken))
        {
        }

        var off = scheduler.Update(a, new ClusterRequest { Status = "off" });

        Assert.Equal(ClusterStatuses.Off, off.Status);
        Assert.Equal(0, off.Instances);
        var refused = await Assert.ThrowsAsync<EngineException>(async () => await scheduler.AcquireAsync(a, TestContext.Current.CancellationToken));
        Assert.Equal(EngineErrorKind.Unavailable, refused.Kind);
        scheduler.Update(a, new ClusterRequest { Status = "on" });
        using (await scheduler.AcquireAsync(a, TestContext.Current.CancellationToken))
        {
        }
    }

    [Fact]
    public async Task Delete_BusyInstance_UnloadsWhenTheRequestEnds()
    {
        var scheduler = Create(budget: 1000 * Mb);
        var a = Model("a", 100 * Mb);
        var lease = await scheduler.AcquireAsync(a, TestContext.Current.CancellationToken);

        scheduler.Delete(a);

        Assert.Null(scheduler.Get(a.Id));
        Assert.Empty(_runtime.Disposed);
        lease.Dispose();
        Assert.Equal([a.Id], _runtime.Disposed);
    }

    [Fact]
    public async Task Delete_WhileLoading_ThenCreatedAgain_TheOldLoadIsUnloaded()
    {
        var scheduler = Create(budget: 1000 * Mb);
        var a = Model("a", 100 * Mb);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _runtime.Gate = gate.Task;

        scheduler.Create(a, new ClusterRequest { Capacity = new ClusterCapacity { Min = 1, Desired = 1, Max = 1 } });
        await _runtime.LoadsStarted.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        scheduler.Delete(a);
        scheduler.Create(a, new ClusterRequest { Capacity = new ClusterCapacity { Min = 1, Desired = 1, Max = 1 } });
        gate.SetResult();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while ((_runtime.Loads < 2 || scheduler.Get(a.Id)!.Instances < 1) && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        // The load of the deleted cluster ended after a new cluster of the same model was made: it must be unloaded,
        // not kept by the old cluster where nothing sees or unloads it.
        Assert.Equal([a.Id], _runtime.Disposed);
        Assert.Equal(1, scheduler.Get(a.Id)!.Instances);
        Assert.Equal(100 * Mb, _runtime.Resident);
    }

    [Fact]
    public async Task Delete_Unloads_ThenGivesTheMemoryBackToTheSystem()
    {
        var scheduler = Create(budget: 1000 * Mb);
        var a = Model("a", 100 * Mb);
        using (await scheduler.AcquireAsync(a, TestContext.Current.CancellationToken))
        {
        }

        var weights = _runtime.LastWeights!;
        scheduler.Delete(a);

        // An idle server runs no collection by itself: the scheduler has one run (and the C heap trimmed) after an unload.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while ((scheduler.MemoryReclaims == 0 || weights.IsAlive) && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, scheduler.MemoryReclaims);
        Assert.False(weights.IsAlive);
    }

    [Fact]
    public async Task Forget_BusyInstance_RequestFinishesThenUnloadsAndQueuedRequestsGetNotFound()
    {
        var scheduler = Create(budget: 1000 * Mb, concurrency: 1);
        var a = Model("a", 100 * Mb);
        var lease = await scheduler.AcquireAsync(a, TestContext.Current.CancellationToken);
        var queued = scheduler.AcquireAsync(a, TestContext.Current.CancellationToken).AsTask();

        Assert.True(scheduler.Forget(a.Id));

        Assert.Null(scheduler.Get(a.Id));
        var refused = await Assert.ThrowsAsync<EngineException>(() => queued);
        Assert.Equal(EngineErrorKind.NotFound, refused.Kind);
        Assert.Empty(_runtime.Disposed);
        lease.Dispose();
        Assert.Equal([a.Id], _runtime.Disposed);
        Assert.False(scheduler.Forget(a.Id));
    }

    [Fact]
    public async Task ClusterChanges_UnderLoad_EveryLoadedInstanceIsUnloadedInTheEnd()
    {
        // What the soak benchmark does to a cluster, at random from several threads: create, resize, off, on, delete,
        // while requests run. Whatever the interleaving, no instance may be left loaded where nothing can unload it.
        var scheduler = Create(budget: 1000 * Mb, concurrency: 2, queue: 64);
        var a = Model("a", 10 * Mb);
        _runtime.LoadTime = TimeSpan.FromMilliseconds(15); // a real load takes a while: changes land while it runs
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var changer = Task.Run(async () =>
        {
            var random = new Random(7);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    switch (random.Next(5))
                    {
                        case 0:
                            scheduler.Create(a, new ClusterRequest { Capacity = new ClusterCapacity { Min = 1, Desired = 1, Max = 1 } });
                            break;
                        case 1:
                            scheduler.Update(a, new ClusterRequest { Capacity = new ClusterCapacity { Min = 1, Desired = 1, Max = 2 } });
                            break;
                        case 2:
                            scheduler.Update(a, new ClusterRequest { Status = "off" });
                            break;
                        case 3:
                            scheduler.Update(a, new ClusterRequest { Status = "on" });
                            break;
                        default:
                            scheduler.Delete(a);
                            break;
                    }
                }
                catch (EngineException)
                {
                }

                await Task.Delay(random.Next(3), CancellationToken.None);
            }
        }, TestContext.Current.CancellationToken);
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var lease = await scheduler.AcquireAsync(a, CancellationToken.None);
                    await Task.Yield();
                }
                catch (EngineException)
                {
                    await Task.Delay(1, CancellationToken.None);
                }
            }
        }, TestContext.Current.CancellationToken)).ToArray();
        await Task.WhenAll([changer, .. clients]);

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                scheduler.Delete(a);
            }
            catch (EngineException)
            {
            }

            lock (_runtime.Disposed)
            {
                if (scheduler.Get(a.Id) is null && _runtime.Loads == _runtime.Disposed.Count)
                {
                    break;
                }
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.True(_runtime.Loads > 10, $"only {_runtime.Loads} loads: the test did not exercise the scheduler");
        Assert.Equal(_runtime.Loads, _runtime.Disposed.Count);
        Assert.Equal(0, _runtime.Resident);
    }

    [Fact]
    public void Create_Twice_Conflicts()
    {
        var scheduler = Create(budget: 1000 * Mb);
        var a = Model("a", 100 * Mb);
        scheduler.Create(a, null);

        var error = Assert.Throws<EngineException>(() => scheduler.Create(a, null));

        Assert.Equal(EngineErrorKind.Conflict, error.Kind);
        Assert.Equal("Cluster already exists", error.Message);
    }

    [Theory]
    [InlineData(0, 0, 1, 1)]
    [InlineData(1441, 0, 1, 1)]
    [InlineData(5, 2, 1, 1)]
    [InlineData(5, 0, 3, 2)]
    [InlineData(5, 0, 1, 11)]
    public void Create_BadSettings_SaysTheValidRange(int timeout, int min, int desired, int max)
    {
        var scheduler = Create(budget: 1000 * Mb);

        var error = Assert.Throws<EngineException>(() => scheduler.Create(
            Model("a", 1), new ClusterRequest { Timeout = timeout, Capacity = new ClusterCapacity { Min = min, Desired = desired, Max = max } }));

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
    }

    [Fact]
    public async Task Acquire_LoadFails_FailsTheWaitersAndReportsTheReason()
    {
        var scheduler = Create(budget: 1000 * Mb);
        var broken = Model("broken", 100 * Mb);
        _runtime.FailFor = broken.Id;

        var error = await Assert.ThrowsAsync<EngineException>(async () => await scheduler.AcquireAsync(broken, TestContext.Current.CancellationToken));

        Assert.Contains("weights are corrupt", error.Message, StringComparison.Ordinal);
        var cluster = scheduler.Get(broken.Id)!;
        Assert.Equal(ClusterStatuses.Failed, cluster.Status);
        Assert.Contains("weights are corrupt", cluster.Failure, StringComparison.Ordinal);
        Assert.Equal(0, scheduler.UsedBytes);
    }

    [Fact]
    public async Task Stress_MoreModelsThanFit_NeverExceedsTheBudget()
    {
        var scheduler = Create(budget: 1000 * Mb, concurrency: 2, queue: 64);
        var models = Enumerable.Range(0, 12).Select(i => Model("m" + i, (150 + (i % 4) * 100) * Mb)).ToList();
        var peak = 0L;
        var refused = 0;
        var served = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 300), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.Current.CancellationToken }, async (i, ct) =>
        {
            try
            {
                using var lease = await scheduler.AcquireAsync(models[(i * 7) % models.Count], ct);
                Interlocked.Increment(ref served);
                var used = scheduler.UsedBytes;
                long seen;
                while ((seen = Interlocked.Read(ref peak)) < used && Interlocked.CompareExchange(ref peak, used, seen) != seen)
                {
                }

                await Task.Yield();
            }
            catch (EngineException e) when (e.Kind is EngineErrorKind.Unavailable or EngineErrorKind.Overloaded)
            {
                Interlocked.Increment(ref refused);
            }
        });

        Assert.True(peak <= scheduler.BudgetBytes, $"peak {peak} over budget {scheduler.BudgetBytes}");
        Assert.True(served > 0);
        Assert.Equal(300, served + refused);
        Assert.Equal(_runtime.Loads - _runtime.Disposed.Count, scheduler.List().Sum(c => c.Instances));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(condition());
    }

    public void Dispose()
    {
        _scheduler?.Dispose();
        _metrics.Dispose();
    }

    private sealed class FakeRuntime : IModelRuntime
    {
        private long _resident;

        public int Loads;

        public string? FailFor { get; set; }

        /// <summary>The weights of the last instance loaded, held only by that instance.</summary>
        public WeakReference? LastWeights { get; private set; }

        /// <summary>Released once each time a load reaches the runtime.</summary>
        public SemaphoreSlim LoadsStarted { get; } = new(0);

        /// <summary>How long each load takes.</summary>
        public TimeSpan LoadTime { get; set; }

        /// <summary>When set, every load waits for it.</summary>
        public Task? Gate { get; set; }

        public List<string> Disposed { get; } = [];

        public long Resident => Interlocked.Read(ref _resident);

        public string Name => "fake";

        public bool CanLoad(ModelDescriptor model) => true;

        public async ValueTask<IModelInstance> LoadAsync(ModelDescriptor model, CancellationToken cancellationToken)
        {
            await Task.Yield();
            LoadsStarted.Release();
            if (LoadTime > TimeSpan.Zero)
            {
                await Task.Delay(LoadTime, cancellationToken);
            }

            if (Gate is { } gate)
            {
                await gate.WaitAsync(cancellationToken);
            }

            if (model.Id == FailFor)
            {
                throw new InvalidDataException("the weights are corrupt");
            }

            Interlocked.Increment(ref Loads);
            Interlocked.Add(ref _resident, model.EstimatedRamBytes);
            var instance = new Instance(this, model);
            LastWeights = new WeakReference(instance.Weights);
            return instance;
        }

        private sealed class Instance(FakeRuntime runtime, ModelDescriptor model) : IModelInstance
        {
            public ModelDescriptor Model { get; } = model;

            public byte[]? Weights { get; private set; } = GC.AllocateUninitializedArray<byte>(1 << 20, pinned: true);

            public void Dispose()
            {
                Weights = null;
                lock (runtime.Disposed)
                {
                    runtime.Disposed.Add(Model.Id);
                }

                Interlocked.Add(ref runtime._resident, -Model.EstimatedRamBytes);
            }
        }
    }
}
