using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Bytez.Engine.Onnx.Batching;

/// <summary>
/// Merges the rows (tokenized texts) of concurrent calls into batches of similar token counts and runs them on a fixed
/// set of workers (one thread per session); <typeparamref name="TResult"/> is what a run gives each row (an embedding,
/// an encoder's named outputs, ...). A free worker takes a batch as soon as <c>maxBatch</c> texts are queued, or
/// once the oldest queued call has waited <c>maxWait</c>; while another worker is busy (the instance is under load) it
/// also waits up to a tenth of a batch's run time for as many texts as its last batch answered, so that those callers
/// can send their next text before it runs a batch of one. When several workers are free, the queue is split evenly among
/// them so no session idles while work is queued.
/// </summary>
/// <remarks>
/// The queue is kept sorted by token count, so a batch of similar lengths is a contiguous window of it
/// (<see cref="BatchWindow"/>): the window with the most texts whose padding stays within <see cref="PaddingLimit"/>,
/// from any calls. A call whose texts were passed over by <see cref="MaxSkips"/> batches in a row is due: the next
/// batch is formed around its shortest queued text (due calls in turn, round robin), so neither a text of unusual
/// length nor the one-text calls behind a call of thousands of texts wait without bound. Each call's results come
/// back in its input order.
/// </remarks>
/// <typeparam name="TRow">A row's input, as the run function reads it.</typeparam>
/// <typeparam name="TResult">What a run gives each row.</typeparam>
internal sealed class DynamicBatcher<TRow, TResult> : IDisposable
{
    private static readonly Comparison<BatchItem<TRow, TResult>> ByLength = static (a, b) =>
        a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.Sequence.CompareTo(b.Sequence);

    private static readonly IComparer<BatchItem<TRow, TResult>> LengthComparer = Comparer<BatchItem<TRow, TResult>>.Create(ByLength);

    private readonly object _gate = new();
    private readonly List<BatchItem<TRow, TResult>> _queue = [];                 // sorted by (length, sequence)
    private readonly LinkedList<BatchRequest<TRow, TResult>> _requests = new(); // calls with queued texts, in turn order
    private readonly Queue<List<BatchItem<TRow, TResult>>> _ready = new();        // batches formed for free workers not yet awake
    private readonly Thread[] _workers;
    private readonly Action<int, ReadOnlySpan<BatchItem<TRow, TResult>>, CancellationToken> _run;
    private readonly CancellationTokenSource _disposing = new();
    private readonly int _maxBatch;
    private readonly string _name;
    private readonly long _maxWaitTicks;
    private readonly bool _equalLengthsOnly;

    /// <summary>
    /// A batch stops growing when its padded size (rows × longest row) would pass this multiple of its real tokens:
    /// past that, padding costs more than batching saves (measured: ungrouped batches run slower than no batching).
    /// </summary>
    internal const double PaddingLimit = 1.2;

    /// <summary>Batches that may pass over a call's queued texts before the next batch is formed around one of them.</summary>
    internal const int MaxSkips = 2;

    /// <summary>Under load, the share of a batch's mean run time a free worker waits for its batch to fill.</summary>
    private const double FillWaitShare = 0.1;

    private long _sequence;
    private long _meanRunTicks; // moving average of a batch's run time; read and written without the lock (a hint)
    private int _idle;
    private bool _disposed;

    /// <param name="workers">Workers (sessions) running batches in parallel.</param>
    /// <param name="maxBatch">The most texts in one batch.</param>
    /// <param name="maxWait">The longest a queued text waits for a fuller batch while a worker is free.</param>
    /// <param name="run">Runs one batch on the given worker's session, setting each item's result.</param>
    /// <param name="name">Names the worker threads.</param>
    /// <param name="equalLengthsOnly">
    /// Batch only rows of exactly equal length (for rows that cannot be padded, such as images and audio, whose
    /// length is their element count); otherwise rows of nearby lengths share a batch padded to the longest.
    /// </param>
    public DynamicBatcher(
        int workers, int maxBatch, TimeSpan maxWait, Action<int, ReadOnlySpan<BatchItem<TRow, TResult>>, CancellationToken> run, string name,
        bool equalLengthsOnly = false)
    {
        _maxBatch = maxBatch;
        _equalLengthsOnly = equalLengthsOnly;
        _maxWaitTicks = (long)(maxWait.TotalSeconds * Stopwatch.Frequency);
        _run = run;
        _name = name;
        _workers = new Thread[workers];
        for (var w = 0; w < workers; w++)
        {
            var index = w;
            _workers[w] = new Thread(() => WorkerLoop(index))
            {
                IsBackground = true,
                Name = $"{name} batcher #{w}",
            };
            _workers[w].Start();
        }
    }

    /// <summary>Called with the size of each batch just before it runs.</summary>
    public Action<int>? Observer { get; set; }

    /// <summary>Queues the rows of one call and returns their results in input order.</summary>
    /// <param name="request">The call, created for these items.</param>
    /// <param name="items">The call's texts (each with its index in the call and <paramref name="request"/>); any order.</param>
    /// <param name="cancellationToken">Drops the call's texts still queued; a running batch completes unobserved.</param>
    public Task<TResult[]> RunAsync(BatchRequest<TRow, TResult> request, BatchItem<TRow, TResult>[] items, CancellationToken cancellationToken)
    {
        var sorted = items;
        Array.Sort(sorted, static (a, b) => a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.Index.CompareTo(b.Index));
        request.Items = sorted;
        request.Arrival = Stopwatch.GetTimestamp();
        request.CancellationToken = cancellationToken;
        lock (_gate)
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(_name);
            }

            foreach (var item in sorted)
            {
                item.Sequence = _sequence++;
                item.Queued = true;
            }

            request.QueuedCount = sorted.Length;
            if (sorted.Length > 16 && sorted.Length * 4 > _queue.Count)
            {
                _queue.AddRange(sorted);
                _queue.Sort(ByLength);
            }
            else
            {
                foreach (var item in sorted)
                {
                    var at = _queue.BinarySearch(item, LengthComparer);
                    _queue.Insert(~at, item);
                }
            }

            _requests.AddLast(request);
            Monitor.PulseAll(_gate);
        }

        if (cancellationToken.CanBeCanceled)
        {
            request.Registration = cancellationToken.UnsafeRegister(
                static (state, token) => ((DynamicBatcher<TRow, TResult>)((object[])state!)[0]).Cancel((BatchRequest<TRow, TResult>)((object[])state!)[1], token),
                new object[] { this, request });
            if (request.IsDone)
            {
                request.Registration.Unregister(); // completed before the registration was stored
            }
        }

        return request.Task;
    }

    /// <summary>Stops the workers (a running batch is terminated), fails every queued call with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        List<BatchRequest<TRow, TResult>> orphans;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            orphans = [.. _requests];
            foreach (var batch in _ready)
            {
                orphans.AddRange(batch.Select(i => i.Request!));
            }

            _requests.Clear();
            _queue.Clear();
            _ready.Clear();
            Monitor.PulseAll(_gate);
        }

        _disposing.Cancel();
        var disposed = new ObjectDisposedException(_name);
        foreach (var request in orphans)
        {
            request.Fail(disposed);
        }

        foreach (var worker in _workers)
        {
            if (worker != Thread.CurrentThread)
            {
                worker.Join();
            }
        }

        _disposing.Dispose();
    }

    private void Cancel(BatchRequest<TRow, TResult> request, CancellationToken token)
    {
        lock (_gate)
        {
            RemoveQueued(request);
        }

        request.Cancel(token);
    }

    /// <summary>Takes a call's still-queued texts out of the queue. Holds the lock.</summary>
    private void RemoveQueued(BatchRequest<TRow, TResult> request)
    {
        if (request.QueuedCount == 0)
        {
            return;
        }

        foreach (var item in request.Items)
        {
            if (item.Queued)
            {
                var at = _queue.BinarySearch(item, LengthComparer);
                _queue.RemoveAt(at);
                item.Queued = false;
            }
        }

        request.QueuedCount = 0;
        _requests.Remove(request);
    }

    private void WorkerLoop(int worker)
    {
        var batch = new List<BatchItem<TRow, TResult>>(_maxBatch);
        var answered = 0;
        while (true)
        {
            List<BatchItem<TRow, TResult>> taken;
            lock (_gate)
            {
                _idle++;
                try
                {
                    if (!TryTake(batch, Math.Min(_maxBatch, _queue.Count + answered), out taken))
                    {
                        return; // disposed
                    }
                }
                finally
                {
                    _idle--;
                }
            }

            answered = taken.Count;
            Run(worker, taken);
            batch.Clear();
        }
    }

    /// <summary>Waits (holding the lock between waits) until this worker has a batch to run; false once disposed.</summary>
    /// <param name="own">The worker's own batch list.</param>
    /// <param name="fill">
    /// What the worker waits for under load: the texts queued when it came back plus as many as its last batch
    /// answered (their callers, if they send more, are about to).
    /// </param>
    /// <param name="taken">The batch to run.</param>
    private bool TryTake(List<BatchItem<TRow, TResult>> own, int fill, out List<BatchItem<TRow, TResult>> taken)
    {
        while (true)
        {
            if (_disposed)
            {
                taken = own;
                return false;
            }

            if (_ready.TryDequeue(out var handed))
            {
                taken = handed;
                return true;
            }

            var queued = _queue.Count;
            if (queued == 0)
            {
                Monitor.Wait(_gate);
                continue;
            }

            // Under load (another worker busy) a free worker waits a little for its batch to fill: the callers its
            // last batch answered are about to send their next texts, and a batch of one would waste the session.
            var wait = _maxWaitTicks;
            var target = _maxBatch;
            if (_idle < _workers.Length && queued < fill)
            {
                var fillWait = Math.Min(Stopwatch.Frequency, (long)(Volatile.Read(ref _meanRunTicks) * FillWaitShare));
                if (fillWait > wait)
                {
                    (wait, target) = (fillWait, _maxWaitTicks > 0 ? _maxBatch : fill);
                }
            }

            if (queued < target && wait > 0)
            {
                var oldest = long.MaxValue;
                for (var node = _requests.First; node is not null;)
                {
                    var next = node.Next;
                    if (node.Value.QueuedCount == 0)
                    {
                        _requests.Remove(node); // all its texts went into other calls' batches
                    }
                    else
                    {
                        oldest = Math.Min(oldest, node.Value.Arrival);
                    }

                    node = next;
                }

                var left = oldest + wait - Stopwatch.GetTimestamp();
                if (left > 0)
                {
                    // Timed waits have millisecond resolution: round up so the wait never turns into a spin.
                    var milliseconds = (int)Math.Min(int.MaxValue, Math.Max(1, ((left * 1000) + Stopwatch.Frequency - 1) / Stopwatch.Frequency));
                    Monitor.Wait(_gate, milliseconds);
                    continue;
                }
            }

            // Split what is queued evenly over the free workers that have nothing handed to them yet.
            var free = Math.Max(1, _idle - _ready.Count);
            var size = Math.Clamp((queued + free - 1) / free, 1, _maxBatch);
            var batches = Math.Min(free, (queued + size - 1) / size);
            Form(own, size);
            for (var b = 1; b < batches && _queue.Count > 0; b++)
            {
                var other = new List<BatchItem<TRow, TResult>>(size);
                Form(other, size);
                _ready.Enqueue(other);
            }

            if (_ready.Count > 0)
            {
                Monitor.PulseAll(_gate);
            }

            taken = own;
            return true;
        }
    }

    /// <summary>Moves up to <paramref name="size"/> queued texts of similar length into <paramref name="batch"/>. Holds the lock.</summary>
    private void Form(List<BatchItem<TRow, TResult>> batch, int size)
    {
        // A due call (passed over MaxSkips times), the first in turn order, must be in this batch.
        var required = -1;
        LinkedListNode<BatchRequest<TRow, TResult>>? due = null;
        for (var node = _requests.First; node is not null;)
        {
            var next = node.Next;
            var request = node.Value;
            if (request.QueuedCount == 0)
            {
                _requests.Remove(node); // all its texts went into other calls' batches
            }
            else if (due is null && request.Skips >= MaxSkips)
            {
                while (!request.Items[request.Cursor].Queued)
                {
                    request.Cursor++;
                }

                due = node;
                required = _queue.BinarySearch(request.Items[request.Cursor], LengthComparer);
            }

            node = next;
        }

        // Rows that cannot be padded (a tensor model's) batch only with rows of their own length: a bound of 1 allows no padding.
        var (lo, hi) = BatchWindow.Fullest(
            _queue.Count, i => _queue[i].Length, Math.Min(size, _queue.Count), _equalLengthsOnly ? 1.0 : PaddingLimit, required);
        for (var i = lo; i <= hi; i++)
        {
            var item = _queue[i];
            item.Queued = false;
            item.Request!.QueuedCount--;
            item.Request.Skips = -1; // marks the call as served by this batch until the count below
            batch.Add(item);
        }

        _queue.RemoveRange(lo, hi - lo + 1);

        // Calls served go to the back of the turn order (or leave it when nothing of them is queued); the others count a skip.
        var served = new List<LinkedListNode<BatchRequest<TRow, TResult>>>();
        for (var node = _requests.First; node is not null;)
        {
            var next = node.Next;
            var request = node.Value;
            if (request.Skips < 0)
            {
                request.Skips = 0;
                _requests.Remove(node);
                if (request.QueuedCount > 0)
                {
                    served.Add(node);
                }
            }
            else
            {
                request.Skips++;
            }

            node = next;
        }

        foreach (var node in served)
        {
            _requests.AddLast(node);
        }

        Debug.Assert(due is null || due.Value.Skips == 0, "the due call was served");
    }

    private void Run(int worker, List<BatchItem<TRow, TResult>> batch)
    {
        // Texts of calls cancelled (or failed) since the batch was formed are dropped before it runs.
        batch.RemoveAll(static i => i.Request!.IsDone);
        if (batch.Count == 0)
        {
            return;
        }

        // The session pads to the longest row; sorted rows keep the layout the unbatched path uses.
        batch.Sort(ByLength);
        using var abandoned = AbandonedWhenAllCancel(batch, out var registrations);
        try
        {
            Observer?.Invoke(batch.Count);
            var started = Stopwatch.GetTimestamp();
            _run(worker, CollectionsMarshal.AsSpan(batch), abandoned?.Token ?? _disposing.Token);
            var took = Stopwatch.GetTimestamp() - started;
            var mean = Volatile.Read(ref _meanRunTicks);
            Volatile.Write(ref _meanRunTicks, mean == 0 ? took : mean + ((took - mean) / 8));
        }
        catch (OperationCanceledException) when (!_disposing.IsCancellationRequested)
        {
            // Every caller of the batch gave up, so the run was terminated: nobody waits for it (each caller's own
            // registration has cancelled it already, or is about to).
            foreach (var item in batch)
            {
                item.Request!.Cancel(item.Request.CancellationToken);
            }

            return;
        }
        catch (Exception e)
        {
            var failure = _disposing.IsCancellationRequested ? new ObjectDisposedException(_name) : e;
            foreach (var item in batch)
            {
                var request = item.Request!;
                lock (_gate)
                {
                    RemoveQueued(request);
                }

                request.Fail(failure);
            }

            return;
        }

        finally
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        }

        foreach (var item in batch)
        {
            item.Request!.Deliver(item);
        }
    }

    /// <summary>
    /// A token that is cancelled on disposal, or once every call with a text in the batch is cancelled (then the
    /// native run is terminated: nobody waits for it); <see langword="null"/> when some caller cannot cancel.
    /// </summary>
    private CancellationTokenSource? AbandonedWhenAllCancel(List<BatchItem<TRow, TResult>> batch, out List<CancellationTokenRegistration> registrations)
    {
        registrations = [];
        var callers = new HashSet<BatchRequest<TRow, TResult>>(ReferenceEqualityComparer.Instance);
        foreach (var item in batch)
        {
            if (!item.Request!.CancellationToken.CanBeCanceled)
            {
                return null;
            }

            callers.Add(item.Request);
        }

        var source = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token);
        var live = new StrongBox<int>(callers.Count);
        foreach (var caller in callers)
        {
            registrations.Add(caller.CancellationToken.UnsafeRegister(
                static state =>
                {
                    var (count, cts) = ((StrongBox<int>, CancellationTokenSource))state!;
                    if (Interlocked.Decrement(ref count.Value) == 0)
                    {
                        cts.Cancel();
                    }
                },
                (live, source)));
        }

        return source;
    }
}
