using Bytez.Protocol;

namespace Bytez;

// The inputs of the tasks whose input is an object rather than a string, sent in `input` exactly as the official
// clients send the objects their users pass (bytez.js: model.run({question, context})).
public sealed partial class BytezModel
{
    /// <summary>
    /// Runs a question-answering model: sends <c>{"input": {"question": ..., "context": ...}}</c>. Read the answer
    /// with <see cref="BytezResult.GetAnswer"/> (or <see cref="BytezResult.GetAnswers"/> with <c>top_k</c>).
    /// </summary>
    /// <param name="input">The question and its context.</param>
    /// <param name="parameters">Model parameters, for example <see cref="ModelParameters.TopK"/> or <see cref="ModelParameters.HandleImpossibleAnswer"/>; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> RunAsync(QuestionAnsweringInput input, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        RunCoreAsync(JsonInput.From(input, ProtocolJsonContext.Default.QuestionAnsweringInput), JsonInput.FromParameters(parameters), cancellationToken);

    /// <summary>
    /// Runs a zero-shot-classification model: sends <c>{"input": {"text": ..., "candidate_labels": [...]}}</c>.
    /// Read the ranked labels with <see cref="BytezResult.GetZeroShot"/>.
    /// </summary>
    /// <param name="input">The text and the candidate labels.</param>
    /// <param name="parameters">Model parameters, for example <see cref="ModelParameters.MultiLabel"/> or <see cref="ModelParameters.HypothesisTemplate"/>; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> RunAsync(ZeroShotClassificationInput input, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        RunCoreAsync(JsonInput.From(input, ProtocolJsonContext.Default.ZeroShotClassificationInput), JsonInput.FromParameters(parameters), cancellationToken);

    /// <summary>
    /// Runs a text-ranking model (a cross-encoder reranker): sends <c>{"input": {"query": ..., "documents": [...]}}</c>.
    /// Read the ranking with <see cref="BytezResult.GetRanking"/>.
    /// </summary>
    /// <param name="input">The query and the documents to rank.</param>
    /// <param name="parameters">Model parameters, for example <see cref="ModelParameters.TopK"/> or <see cref="ModelParameters.ReturnDocuments"/>; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> RunAsync(TextRankingInput input, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        RunCoreAsync(JsonInput.From(input, ProtocolJsonContext.Default.TextRankingInput), JsonInput.FromParameters(parameters), cancellationToken);
}
