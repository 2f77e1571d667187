namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>What token-classification post-processing needs to know of the model and its tokenizer.</summary>
/// <param name="Labels">config.json <c>id2label</c>, by label id (missing ids as <c>LABEL_{i}</c>).</param>
/// <param name="UnknownTokenId">The tokenizer's unk token id: such a token's word is the original text.</param>
/// <param name="HasContinuingSubwordPrefix">
/// Whether the tokenizer model has a <c>continuing_subword_prefix</c> (WordPiece's "##"; BPE only when set): then a
/// token is a subword when its string and its text differ in length; otherwise the space heuristic is used.
/// </param>
/// <param name="ConvertTokensToString">The tokenizer's <c>convert_tokens_to_string</c> (its decoder over token strings).</param>
public sealed record TokenClassifierInfo(
    IReadOnlyList<string> Labels,
    int? UnknownTokenId,
    bool HasContinuingSubwordPrefix,
    Func<IReadOnlyList<string>, string> ConvertTokensToString);
