namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// The validated <c>params</c> of question-answering (transformers 4.57 <c>QuestionAnsweringPipeline</c>, whose
/// logic is unchanged since 4.53).
/// </summary>
/// <param name="TopK">How many answers (default 1: a single object; more: a list).</param>
/// <param name="MaxAnswerLen">Longest answer in tokens (default 15).</param>
/// <param name="HandleImpossibleAnswer">Whether the empty answer (scored by the CLS token) competes (default false).</param>
/// <param name="AlignToWords">Whether spans grow to whole pre-tokenizer words (default true).</param>
/// <param name="MaxSeqLen">Tokens per window, question and specials included (default min(model max, 384)).</param>
/// <param name="DocStride">Tokens of context shared by consecutive windows (default min(max_seq_len / 2, 128)).</param>
/// <param name="MaxQuestionLen">Accepted for compatibility; only the slow-tokenizer path of Python uses it (default 64).</param>
public sealed record QuestionAnsweringParameters(
    int TopK,
    int MaxAnswerLen,
    bool HandleImpossibleAnswer,
    bool AlignToWords,
    int MaxSeqLen,
    int DocStride,
    int MaxQuestionLen)
{
    /// <summary>The <c>params</c> this task accepts (<c>topk</c> is the deprecated spelling of <c>top_k</c>).</summary>
    public static IReadOnlyList<string> Names { get; } = ["top_k", "topk", "max_answer_len", "handle_impossible_answer", "align_to_words", "max_seq_len", "doc_stride", "max_question_len"];

    /// <summary>
    /// Validates the parameters and fills the pipeline's defaults. <paramref name="modelMaxLength"/> is the tokenizer's
    /// <c>model_max_length</c> (capped by the model's position embeddings); <c>max_seq_len</c> may not exceed it.
    /// </summary>
    public static QuestionAnsweringParameters Create(
        int modelMaxLength,
        int? topK = null,
        int? maxAnswerLen = null,
        bool? handleImpossibleAnswer = null,
        bool? alignToWords = null,
        int? maxSeqLen = null,
        int? docStride = null,
        int? maxQuestionLen = null)
    {
        if (modelMaxLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(modelMaxLength), modelMaxLength, "The model's maximum length must be positive.");
        }

        var k = topK ?? 1;
        if (k < 1)
        {
            throw EngineException.BadInput($"Parameter `top_k` must be an integer ≥ 1; got {k}.");
        }

        var answerLen = maxAnswerLen ?? 15;
        if (answerLen < 1)
        {
            throw EngineException.BadInput($"Parameter `max_answer_len` must be an integer ≥ 1; got {answerLen}.");
        }

        var seqLen = maxSeqLen ?? Math.Min(modelMaxLength, 384);
        if (seqLen < 1 || seqLen > modelMaxLength)
        {
            throw EngineException.BadInput(
                $"Parameter `max_seq_len` must be an integer from 1 to the model's maximum length ({modelMaxLength}); got {seqLen}.");
        }

        var stride = docStride ?? Math.Min(seqLen / 2, 128);
        if (stride < 0 || stride > seqLen)
        {
            throw EngineException.BadInput(
                $"Parameter `doc_stride` must be an integer from 0 to `max_seq_len` ({seqLen}); got {stride}.");
        }

        var questionLen = maxQuestionLen ?? 64;
        if (questionLen < 1)
        {
            throw EngineException.BadInput($"Parameter `max_question_len` must be an integer ≥ 1; got {questionLen}.");
        }

        return new QuestionAnsweringParameters(k, answerLen, handleImpossibleAnswer ?? false, alignToWords ?? true, seqLen, stride, questionLen);
    }
}
