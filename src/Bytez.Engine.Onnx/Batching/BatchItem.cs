namespace Bytez.Engine.Onnx.Batching;

/// <summary>
/// One row on its way through a batch: what the instance runs for it (<typeparamref name="TRow"/>: token ids and
/// whatever acts on the row after the run), its token count, where its result goes.
/// </summary>
/// <typeparam name="TRow">The row's input, as the instance's run function reads it.</typeparam>
/// <typeparam name="TResult">What the run gives the row (a vector, named logits, ...).</typeparam>
internal sealed class BatchItem<TRow, TResult>(TRow row, int length, int index, BatchRequest<TRow, TResult>? request)
{
    /// <summary>The row's input.</summary>
    public TRow Row { get; } = row;

    /// <summary>The token count (padding is added up to the longest row of the batch).</summary>
    public int Length { get; } = length;

    /// <summary>The position of the row in its caller's list.</summary>
    public int Index { get; } = index;

    /// <summary>The call the row belongs to (<see langword="null"/> outside the batcher).</summary>
    public BatchRequest<TRow, TResult>? Request { get; } = request;

    /// <summary>Arrival order across all calls; breaks ties between equal lengths in the batcher's sorted queue.</summary>
    public long Sequence { get; set; }

    /// <summary>Still waiting in the batcher's queue (neither taken into a batch nor dropped).</summary>
    public bool Queued { get; set; }

    /// <summary>The result, once the batch has run.</summary>
    public TResult? Result { get; set; }
}
