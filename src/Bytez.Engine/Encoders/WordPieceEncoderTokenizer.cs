using Bytez.Engine.Tokenization;
using Bytez.Engine.Tokenization.HuggingFace;

namespace Bytez.Engine.Encoders;

/// <summary>
/// A WordPiece (BERT) tokenizer as an <see cref="IEncoderTokenizer"/>: <c>[CLS] text [SEP]</c>, type ids 0. When the
/// folder has a <c>tokenizer.json</c>, <paramref name="full"/> loads it as the <see cref="Full"/> tokenizer on first use
/// (only the pair and mask tasks need it).
/// </summary>
public sealed class WordPieceEncoderTokenizer(BertWordPieceTokenizer tokenizer, Lazy<HfTokenizer>? full = null) : IEncoderTokenizer
{
    private readonly BertWordPieceTokenizer _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));

    /// <inheritdoc />
    public HfTokenizer? Full => full?.Value;

    /// <inheritdoc />
    public int PadTokenId => _tokenizer.PadTokenId;

    /// <inheritdoc />
    public EncoderEncoding Encode(string text, int maxLength)
    {
        var encoded = _tokenizer.Encode(text, maxLength);
        return new EncoderEncoding(encoded.Ids, new int[encoded.Ids.Length], encoded.UntruncatedLength);
    }
}
