using Bytez.Engine.Tokenization.HuggingFace;

namespace Bytez.Engine.Encoders;

/// <summary>
/// The tokenizer of an encoder model as the encoder tasks use it: one text in, ids framed by the model's special
/// tokens out. The one seam between the encoder tasks and the tokenizer implementations (WordPiece, Hugging Face
/// <c>tokenizer.json</c>).
/// </summary>
public interface IEncoderTokenizer
{
    /// <summary>The id padding is filled with (the tokenizer's pad token).</summary>
    int PadTokenId { get; }

    /// <summary>
    /// Encodes one text with the model's special tokens. When it has more than <paramref name="maxLength"/> ids, text
    /// tokens are dropped from the end and the special tokens kept, as Hugging Face's <c>truncation=True</c> does.
    /// </summary>
    EncoderEncoding Encode(string text, int maxLength);

    /// <summary>
    /// The Hugging Face tokenizer behind this one, whose full encode (pairs, overflowing windows, offsets, word and
    /// sequence ids, special-token masks) the token-level tasks need; <see langword="null"/> for a folder with only
    /// <c>vocab.txt</c>.
    /// </summary>
    HfTokenizer? HuggingFace { get; }
}

/// <summary>One encoded text: ids, their token type ids, and how many ids it had before it was cut.</summary>
public sealed record EncoderEncoding(int[] Ids, int[] TypeIds, int UntruncatedLength)
{
    /// <summary>Whether tokens were dropped to fit the maximum length.</summary>
    public bool WasTruncated => UntruncatedLength > Ids.Length;
}
