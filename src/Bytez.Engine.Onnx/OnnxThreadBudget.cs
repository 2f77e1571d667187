namespace Bytez.Engine.Onnx;

/// <summary>
/// The gate an encoder-decoder instance's runs pass through so that, together, they never use more intra-op threads
/// than its <see cref="OnnxThreadPlan"/> allows. A run of a lone request takes the whole budget (and runs on the wide
/// session); any other run takes one shared session's share. Runs that do not fit wait, first come first served, and
/// give up when their token is cancelled. Thread-safe.
/// </summary>
public sealed class OnnxThreadBudget
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _waiting = new();
    private int _free;
    private int _threadsInUse;

    /// <summary>A budget of <paramref name="plan"/>'s threads, all free.</summary>
    public OnnxThreadBudget(OnnxThreadPlan plan)
    {
        Plan = plan ?? throw new ArgumentNullException(nameof(plan));
        _free = plan.MaxConcurrentRuns;
    }

    /// <summary>The sizing rule this budget enforces.</summary>
    public OnnxThreadPlan Plan { get; }

    /// <summary>Intra-op threads the runs holding a grant may use now (at most <see cref="OnnxThreadPlan.Threads"/>).</summary>
    public int ThreadsInUse => Volatile.Read(ref _threadsInUse);

    /// <summary>Runs waiting for a grant.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>
    /// Waits for room for one run and returns its grant (dispose it when the run ends). <paramref name="lone"/>: the run
    /// belongs to the only request the instance serves, and gets the whole budget (<see cref="OnnxThreadGrant.Lone"/>)
    /// when the plan has wide sessions; else it gets one shared session's threads.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled while waiting.</exception>
    public ValueTask<OnnxThreadGrant> AcquireAsync(bool lone, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var wide = lone && Plan.HasLoneSessions;
        var units = wide ? Plan.MaxConcurrentRuns : 1;
        Waiter waiter;
        lock (_gate)
        {
            if (_waiting.Count == 0 && _free >= units)
            {
                return ValueTask.FromResult(Take(units, wide));
            }

            waiter = new Waiter(units, wide);
            waiter.Node = _waiting.AddLast(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.Register(static state =>
            {
                var (budget, w, token) = ((OnnxThreadBudget, Waiter, CancellationToken))state!;
                budget.Cancel(w, token);
            }, (this, waiter, cancellationToken));
        }

        return new ValueTask<OnnxThreadGrant>(waiter.Completion.Task);
    }

    private void Cancel(Waiter waiter, CancellationToken cancellationToken)
    {
        List<Waiter> granted;
        lock (_gate)
        {
            if (waiter.Node?.List is null)
            {
                return; // granted already
            }

            _waiting.Remove(waiter.Node);
            granted = GrantWaiting();
        }

        waiter.Completion.TrySetCanceled(cancellationToken);
        Complete(granted);
    }

    /// <summary>Gives the threads of a finished run back and lets the waiting runs that now fit in.</summary>
    internal void Release(int units, int threads)
    {
        List<Waiter> granted;
        lock (_gate)
        {
            _free += units;
            _threadsInUse -= threads;
            granted = GrantWaiting();
        }

        Complete(granted);
    }

    private List<Waiter> GrantWaiting()
    {
        var granted = new List<Waiter>();
        while (_waiting.First is { } first && _free >= first.Value.Units)
        {
            _waiting.RemoveFirst();
            first.Value.Grant = Take(first.Value.Units, first.Value.Wide);
            granted.Add(first.Value);
        }

        return granted;
    }

    /// <summary>Takes room for one run; the caller holds the lock (or has just checked there is room under it).</summary>
    private OnnxThreadGrant Take(int units, bool wide)
    {
        var threads = wide ? Plan.LoneThreads : Plan.SharedThreads;
        _free -= units;
        _threadsInUse += threads;
        return new OnnxThreadGrant(this, units, threads, wide);
    }

    private static void Complete(List<Waiter> granted)
    {
        foreach (var waiter in granted)
        {
            waiter.Registration.Dispose();
            if (!waiter.Completion.TrySetResult(waiter.Grant!))
            {
                waiter.Grant!.Dispose();
            }
        }
    }

    private sealed class Waiter(int units, bool wide)
    {
        public int Units { get; } = units;

        public bool Wide { get; } = wide;

        public TaskCompletionSource<OnnxThreadGrant> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public OnnxThreadGrant? Grant { get; set; }

        public CancellationTokenRegistration Registration { get; set; }
    }
}

/// <summary>Room for one run in an <see cref="OnnxThreadBudget"/>; disposing it gives the threads back (once).</summary>
public sealed class OnnxThreadGrant : IDisposable
{
    private readonly int _units;
    private readonly int _threads;
    private OnnxThreadBudget? _budget;

    internal OnnxThreadGrant(OnnxThreadBudget budget, int units, int threads, bool lone)
    {
        _budget = budget;
        _units = units;
        _threads = threads;
        Lone = lone;
    }

    /// <summary>Whether the run has the whole budget and runs on the wide (lone-request) session.</summary>
    public bool Lone { get; }

    /// <inheritdoc />
    public void Dispose() => Interlocked.Exchange(ref _budget, null)?.Release(_units, _threads);
}
