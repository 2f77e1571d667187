using Bytez.Engine.Tokenization.HuggingFace;

namespace Bytez.Engine.Encoders;

/// <summary>
/// A Hugging Face <c>tokenizer.json</c> tokenizer (byte-level BPE, Unigram) as an <see cref="IEncoderTokenizer"/>: the
/// post-processor adds the special tokens (<c>&lt;s&gt; text &lt;/s&gt;</c>); type ids 0. Truncation keeps the special
/// tokens and drops text tokens from the end.
/// </summary>
public sealed class HfEncoderTokenizer(HfTokenizer tokenizer, int padTokenId) : IEncoderTokenizer
{
    private readonly HfTokenizer _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));

    /// <inheritdoc />
    public int PadTokenId { get; } = padTokenId;

    /// <inheritdoc />
    public HfTokenizer? HuggingFace => _tokenizer;

    /// <inheritdoc />
    public EncoderEncoding Encode(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        var full = _tokenizer.Encode(text, addSpecialTokens: true);
        if (full.Length <= maxLength)
        {
            return new EncoderEncoding(full, new int[full.Length], full.Length);
        }

        // The text's own tokens sit between the special tokens the post-processor added; cut them from the end.
        var content = _tokenizer.Encode(text, addSpecialTokens: false);
        var start = IndexOf(full, content);
        var specials = full.Length - content.Length;
        if (start < 0 || maxLength <= specials)
        {
            throw EngineException.NotSupported($"This model's tokenizer cannot cut a text to {maxLength} tokens.");
        }

        var keep = maxLength - specials;
        int[] ids = [.. full.AsSpan(0, start), .. content.AsSpan(0, keep), .. full.AsSpan(start + content.Length)];
        return new EncoderEncoding(ids, new int[ids.Length], full.Length);
    }

    private static int IndexOf(int[] full, int[] content)
    {
        for (var start = 0; start + content.Length <= full.Length; start++)
        {
            if (full.AsSpan(start, content.Length).SequenceEqual(content))
            {
                return start;
            }
        }

        return -1;
    }
}
