namespace Bytez.Engine.Onnx.Batching;

/// <summary>One call inside the batcher: its rows, its results in input order, its completion.</summary>
/// <typeparam name="TRow">The row's input.</typeparam>
/// <typeparam name="TResult">What the run gives each row.</typeparam>
internal sealed class BatchRequest<TRow, TResult>
{
    private readonly TaskCompletionSource<TResult[]> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining;

    public BatchRequest(int count)
    {
        Results = new TResult[count];
        _remaining = count;
    }

    /// <summary>The results in input order.</summary>
    public TResult[] Results { get; }

    /// <summary>The call's items sorted by token count (set once, before the request is queued).</summary>
    public BatchItem<TRow, TResult>[] Items { get; set; } = [];

    /// <summary>When the call was queued (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
    public long Arrival { get; set; }

    /// <summary>Items still in the queue; guarded by the batcher's lock.</summary>
    public int QueuedCount { get; set; }

    /// <summary>Position in <see cref="Items"/> from which the next anchor is searched; guarded by the batcher's lock.</summary>
    public int Cursor { get; set; }

    /// <summary>
    /// Batches formed in a row that took none of the call's queued texts; at <c>DynamicBatcher.MaxSkips</c> the next
    /// batch is formed around one of them. Guarded by the batcher's lock.
    /// </summary>
    public int Skips { get; set; }

    /// <summary>The caller's cancellation token.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>The registration on the caller's cancellation token.</summary>
    public CancellationTokenRegistration Registration { get; set; }

    /// <summary>Completes with the results, fails or is cancelled.</summary>
    public Task<TResult[]> Task => _completion.Task;

    /// <summary>The call already has its outcome (cancelled, failed, or done).</summary>
    public bool IsDone => _completion.Task.IsCompleted;

    /// <summary>Stores one result; completes the call with the last one.</summary>
    public void Deliver(BatchItem<TRow, TResult> item)
    {
        Results[item.Index] = item.Result!;
        if (Interlocked.Decrement(ref _remaining) == 0 && _completion.TrySetResult(Results))
        {
            Registration.Unregister();
        }
    }

    /// <summary>Fails the call (no effect when it already has an outcome).</summary>
    public void Fail(Exception exception)
    {
        if (_completion.TrySetException(exception))
        {
            Registration.Unregister();
        }
    }

    /// <summary>Cancels the call (no effect when it already has an outcome).</summary>
    public void Cancel(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);
}
