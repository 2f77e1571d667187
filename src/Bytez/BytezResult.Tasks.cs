using Bytez.Protocol;

namespace Bytez;

// The typed accessors of the text tasks' outputs. Each reads the Bytez output shape and the Hugging Face pipeline
// forms it comes from (TaskOutputReader), and throws a BytezException naming the expected shape otherwise.
public sealed partial class BytezResult
{
    /// <summary>
    /// The output as text pieces: one per returned sequence (<c>num_return_sequences</c>) of summarization,
    /// translation, text2text-generation or text-generation. A single string is one piece; a list of strings or
    /// of <c>{summary_text | translation_text | generated_text}</c> objects gives each.
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output has none of these shapes.</exception>
    public IReadOnlyList<string> GetTexts() => TaskOutputReader.Texts(RequireOutput("text"));

    /// <summary>
    /// The labels and scores of text-classification (also image-, audio- and video-classification), in the order
    /// the model returned them: <c>[{label, score}]</c>, the legacy <c>return_all_scores</c> form
    /// <c>[[{label, score}, ...]]</c> of one text, or a single <c>{label, score}</c>.
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output is not a list of labels with scores.</exception>
    public IReadOnlyList<LabelScore> GetLabels() => TaskOutputReader.Labels(RequireOutput("labels"));

    /// <summary>
    /// The entities of token-classification (NER): per token <c>{entity, score, index, word, start, end}</c>, or per
    /// group <c>{entity_group, score, word, start, end}</c> with an <c>aggregation_strategy</c>. An empty list when
    /// nothing was found.
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output is not a list of entities.</exception>
    public IReadOnlyList<TokenEntity> GetEntities() => TaskOutputReader.Entities(RequireOutput("entities"));

    /// <summary>
    /// The best answer of question-answering, <c>{score, start, end, answer}</c>: the output itself, or the first of
    /// the list <c>top_k</c> above 1 returns (best first).
    /// </summary>
    /// <exception cref="BytezException">The call failed, the output is not an answer, or the list is empty.</exception>
    public AnswerSpan GetAnswer() => TaskOutputReader.Answer(RequireOutput("an answer"));

    /// <summary>
    /// The answers of question-answering, best first: the list <c>top_k</c> above 1 returns, or the single answer as
    /// a list of one.
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output is neither an answer nor a list of answers.</exception>
    public IReadOnlyList<AnswerSpan> GetAnswers() => TaskOutputReader.Answers(RequireOutput("answers"));

    /// <summary>
    /// The candidates of fill-mask for a text with one mask, best first: <c>[{score, token, token_str, sequence}]</c>.
    /// For several masks use <see cref="GetFillMasks"/>.
    /// </summary>
    /// <exception cref="BytezException">The call failed, the output is not a list of candidates, or it holds one list per mask for several masks.</exception>
    public IReadOnlyList<MaskPrediction> GetFillMask() => TaskOutputReader.FillMask(RequireOutput("mask candidates"));

    /// <summary>
    /// The candidates of fill-mask per mask, in the order of the masks in the text: the list of lists a text with
    /// several masks returns, or the one list of a single mask.
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output is not candidates per mask.</exception>
    public IReadOnlyList<IReadOnlyList<MaskPrediction>> GetFillMasks() => TaskOutputReader.FillMasks(RequireOutput("mask candidates"));

    /// <summary>
    /// The result of zero-shot-classification: the text and the candidate labels, best first, with their scores,
    /// <c>{sequence, labels, scores}</c>.
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output is not that object (or labels and scores differ in count).</exception>
    public ZeroShotClassification GetZeroShot() => TaskOutputReader.ZeroShot(RequireOutput("a zero-shot classification"));

    /// <summary>
    /// The documents of text-ranking, highest score first: <c>[{corpus_id, score, text?}]</c>, as sentence-transformers'
    /// <c>CrossEncoder.rank</c> returns them (<c>index</c> is read as <c>corpus_id</c> too). <c>text</c> is there when
    /// <c>return_documents</c> asked for it.
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output is not a list of ranked documents.</exception>
    public IReadOnlyList<RankedDocument> GetRanking() => TaskOutputReader.Ranking(RequireOutput("a ranking"));

    /// <summary>
    /// The URL of a file a media task produced (text-to-speech, text-to-image, ...): the output string, an absolute
    /// http or https URL. Download it with <see cref="BytezClient.DownloadAsync"/> (a self-hosted server wants the key),
    /// or ask for the bytes directly with <see cref="BytezModel.RunFileAsync(string, ModelParameters?, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="BytezException">The call failed, or the output is not an absolute http or https URL.</exception>
    public Uri GetMediaUrl() => TaskOutputReader.MediaUrl(RequireOutput("a media URL"));
}
