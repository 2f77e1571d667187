namespace Bytez.Engine.Onnx.Batching;

/// <summary>
/// One tokenized text on its way through a batch: its token ids (prompt and special tokens included), the options
/// that act on its own row after the run (prompt tokens left out of pooling, normalization), and where its vector goes.
/// </summary>
internal sealed class BatchItem(int[] tokens, int skipTokens, bool normalize, int index, EmbeddingRequest? request)
{
    /// <summary>The token ids.</summary>
    public int[] Tokens { get; } = tokens;

    /// <summary>The token count (padding is added up to the longest row of the batch).</summary>
    public int Length => Tokens.Length;

    /// <summary>Leading tokens (a prompt) that take no part in pooling.</summary>
    public int SkipTokens { get; } = skipTokens;

    /// <summary>Scale the pooled vector to unit length.</summary>
    public bool Normalize { get; } = normalize;

    /// <summary>The position of the text in its caller's list.</summary>
    public int Index { get; } = index;

    /// <summary>The call the text belongs to (<see langword="null"/> outside the batcher).</summary>
    public EmbeddingRequest? Request { get; } = request;

    /// <summary>Arrival order across all calls; breaks ties between equal lengths in the batcher's sorted queue.</summary>
    public long Sequence { get; set; }

    /// <summary>Still waiting in the batcher's queue (neither taken into a batch nor dropped).</summary>
    public bool Queued { get; set; }

    /// <summary>The vector, once the batch has run.</summary>
    public float[]? Result { get; set; }
}

/// <summary>One <c>EmbedAsync</c> call inside the batcher: its texts, its results, its completion.</summary>
internal sealed class EmbeddingRequest
{
    private readonly TaskCompletionSource<float[][]> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining;

    public EmbeddingRequest(int count)
    {
        Results = new float[count][];
        _remaining = count;
    }

    /// <summary>The vectors in input order.</summary>
    public float[][] Results { get; }

    /// <summary>The call's items sorted by token count (set once, before the request is queued).</summary>
    public BatchItem[] Items { get; set; } = [];

    /// <summary>When the call was queued (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
    public long Arrival { get; set; }

    /// <summary>Items still in the queue; guarded by the batcher's lock.</summary>
    public int QueuedCount { get; set; }

    /// <summary>Position in <see cref="Items"/> from which the next anchor is searched; guarded by the batcher's lock.</summary>
    public int Cursor { get; set; }

    /// <summary>The caller's cancellation token.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>The registration on the caller's cancellation token.</summary>
    public CancellationTokenRegistration Registration { get; set; }

    /// <summary>Completes with the vectors, fails or is cancelled.</summary>
    public Task<float[][]> Task => _completion.Task;

    /// <summary>The call already has its outcome (cancelled, failed, or done).</summary>
    public bool IsDone => _completion.Task.IsCompleted;

    /// <summary>Stores one vector; completes the call with the last one.</summary>
    public void Deliver(BatchItem item)
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
