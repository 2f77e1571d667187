namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// One token of an encoding, as the post-processing of the token-level tasks reads it (the pipeline maps its
/// tokenizer's encoding into these).
/// </summary>
/// <param name="Id">The token id.</param>
/// <param name="Token">The token's string in the vocabulary (<c>convert_ids_to_tokens</c>: "##ny", "Ġworld", "▁world").</param>
/// <param name="Start">Where the token starts in its text, in code points (Python's offsets); 0 for added special tokens.</param>
/// <param name="End">Where the token ends in its text, in code points (exclusive).</param>
/// <param name="IsSpecial">Whether the token was added by the template ([CLS], [SEP], &lt;s&gt;): the special-tokens mask.</param>
/// <param name="WordId">The pre-tokenizer word the token belongs to within its sequence; <see langword="null"/> for special tokens.</param>
/// <param name="SequenceId">0 for the first text of a pair, 1 for the second; <see langword="null"/> for special tokens.</param>
public readonly record struct EncodedToken(
    int Id,
    string Token,
    int Start,
    int End,
    bool IsSpecial = false,
    int? WordId = null,
    int? SequenceId = null);
