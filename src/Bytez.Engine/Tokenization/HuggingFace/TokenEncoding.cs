namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>
/// The full result of encoding one text or a pair of texts, as Hugging Face's fast tokenizers give it (their
/// <c>Encoding</c>): ids with the model inputs that go with them, the token strings, where each token came from in the
/// input (offsets, word and sequence), and the windows truncation cut off. Immutable.
/// </summary>
/// <remarks>
/// <see cref="Offsets"/> count code points, as Python does (what a task returns as <c>start</c>/<c>end</c>), so an
/// emoji before an entity counts once; <see cref="Utf16Offsets"/> are the same ranges in UTF-16 units, for slicing the
/// .NET string. Special and padding tokens have the offsets (0, 0). Offsets refer to the text of the token's own
/// sequence (<see cref="SequenceIds"/>).
/// </remarks>
public sealed class TokenEncoding
{
    private readonly Dictionary<int, (int Start, int End)> _sequenceRanges;

    internal TokenEncoding(MutableEncoding source)
    {
        Ids = [.. source.Ids];
        TypeIds = [.. source.TypeIds];
        Tokens = [.. source.Tokens];
        WordIds = [.. source.Words];
        Offsets = [.. source.Offsets];
        Utf16Offsets = [.. source.Utf16Offsets];
        SpecialTokensMask = [.. source.SpecialTokensMask];
        AttentionMask = [.. source.AttentionMask];
        SequenceIds = source.SequenceIds();
        _sequenceRanges = new Dictionary<int, (int, int)>(source.SequenceRanges);
        Overflowing = [.. source.Overflowing.Select(o => new TokenEncoding(o))];
    }

    /// <summary>The token ids (<c>input_ids</c>).</summary>
    public IReadOnlyList<int> Ids { get; }

    /// <summary>The segment of each token (<c>token_type_ids</c>).</summary>
    public IReadOnlyList<int> TypeIds { get; }

    /// <summary>The token strings as the vocabulary spells them (<c>"##ing"</c>, <c>"Ġworld"</c>, <c>"▁world"</c>).</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The pre-tokenizer word of each token, counted within its sequence (null for special and padding tokens).</summary>
    public IReadOnlyList<int?> WordIds { get; }

    /// <summary>The sequence of each token: 0 for the text, 1 for the pair, null for special and padding tokens.</summary>
    public IReadOnlyList<int?> SequenceIds { get; }

    /// <summary>Where each token came from in its sequence's text, in code points (end exclusive).</summary>
    public IReadOnlyList<(int Start, int End)> Offsets { get; }

    /// <summary>The same ranges as <see cref="Offsets"/> in UTF-16 units of the .NET string.</summary>
    public IReadOnlyList<(int Start, int End)> Utf16Offsets { get; }

    /// <summary>1 for the tokens the post-processor added and for padding, 0 for the tokens of the text (<c>special_tokens_mask</c>).</summary>
    public IReadOnlyList<int> SpecialTokensMask { get; }

    /// <summary>1 for real tokens, 0 for padding (<c>attention_mask</c>).</summary>
    public IReadOnlyList<int> AttentionMask { get; }

    /// <summary>The windows truncation cut off (<c>return_overflowing_tokens</c>), each a full encoding with its special tokens.</summary>
    public IReadOnlyList<TokenEncoding> Overflowing { get; }

    /// <summary>The number of tokens.</summary>
    public int Count => Ids.Count;

    /// <summary>The word of a token (<c>token_to_word</c>), or null for a special or padding token.</summary>
    public int? TokenToWord(int token) => (uint)token < (uint)Count ? WordIds[token] : null;

    /// <summary>The sequence of a token (<c>token_to_sequence</c>), or null.</summary>
    public int? TokenToSequence(int token) => (uint)token < (uint)Count ? SequenceIds[token] : null;

    /// <summary>The tokens <c>[start, end)</c> of a word of a sequence (<c>word_to_tokens</c>), or null.</summary>
    public (int Start, int End)? WordToTokens(int word, int sequence = 0)
    {
        var (rangeStart, rangeEnd) = SequenceRange(sequence);
        int? start = null;
        int? end = null;
        for (var i = rangeStart; i < rangeEnd && i < Count; i++)
        {
            var w = WordIds[i];
            if (w is int value && value > word)
            {
                break;
            }

            if (w == word)
            {
                start ??= i;
                end = i + 1;
            }
        }

        return start is int s && end is int e ? (s, e) : null;
    }

    /// <summary>The code-point range of a word of a sequence (<c>word_to_chars</c>), or null.</summary>
    public (int Start, int End)? WordToChars(int word, int sequence = 0) =>
        WordToTokens(word, sequence) is var (start, end) && end > 0 ? (Offsets[start].Start, Offsets[end - 1].End) : null;

    /// <summary>The UTF-16 range of a word of a sequence, or null.</summary>
    public (int Start, int End)? WordToUtf16(int word, int sequence = 0) =>
        WordToTokens(word, sequence) is var (start, end) && end > 0 ? (Utf16Offsets[start].Start, Utf16Offsets[end - 1].End) : null;

    /// <summary>The token whose offsets hold code point <paramref name="charIndex"/> of a sequence (<c>char_to_token</c>), or null.</summary>
    public int? CharToToken(int charIndex, int sequence = 0)
    {
        var (rangeStart, rangeEnd) = SequenceRange(sequence);
        for (var i = rangeStart; i < rangeEnd && i < Count; i++)
        {
            if (charIndex >= Offsets[i].Start && charIndex < Offsets[i].End)
            {
                return i;
            }
        }

        return null;
    }

    private (int Start, int End) SequenceRange(int sequence) =>
        _sequenceRanges.TryGetValue(sequence, out var range) ? range : (0, Count);
}
