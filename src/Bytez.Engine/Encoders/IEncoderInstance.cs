namespace Bytez.Engine.Encoders;

/// <summary>
/// A loaded encoder model with task heads (classification, token classification, question answering, fill-mask,
/// reranking, ...): token ids in, its named float outputs out, one result per row. Concurrent calls are merged into
/// batches by the runtime. The task pipelines (<c>Tasks/</c>) turn texts into rows with <see cref="Tokenizer"/> and the
/// outputs into answers with <see cref="Config"/>.
/// </summary>
public interface IEncoderInstance : IModelInstance
{
    /// <summary>The model's configuration: labels, problem type, maximum length, padding token.</summary>
    EncoderModelConfig Config { get; }

    /// <summary>The model's tokenizer.</summary>
    IEncoderTokenizer Tokenizer { get; }

    /// <summary>The names of the model's outputs (<c>logits</c>, <c>start_logits</c>, <c>end_logits</c>, ...).</summary>
    IReadOnlyCollection<string> OutputNames { get; }

    /// <summary>
    /// Runs the rows (each at most <see cref="EncoderModelConfig.MaxLength"/> tokens) and returns one result per row,
    /// in input order, each output cut to the row's own length.
    /// </summary>
    /// <exception cref="EngineException">A row is empty or too long (BadInput), or the runtime failed (Internal).</exception>
    ValueTask<EncoderResult[]> RunAsync(IReadOnlyList<EncoderInput> rows, CancellationToken cancellationToken);
}
