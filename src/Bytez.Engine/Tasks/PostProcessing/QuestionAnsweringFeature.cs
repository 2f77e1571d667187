namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// One window of a question-answering input (the question with one stretch of the context) and the model's start and
/// end logits for its tokens. Tokens carry sequence ids (question 0, context 1, specials none), word ids and offsets
/// into their own text (the context's offsets count code points of the context).
/// </summary>
/// <param name="Tokens">The window's tokens, unpadded.</param>
/// <param name="StartLogits">One start logit per token.</param>
/// <param name="EndLogits">One end logit per token.</param>
public sealed record QuestionAnsweringFeature(
    IReadOnlyList<EncodedToken> Tokens,
    ReadOnlyMemory<float> StartLogits,
    ReadOnlyMemory<float> EndLogits);
