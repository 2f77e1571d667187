using Bytez.Engine.Tokenization;
using Bytez.Engine.Tokenization.HuggingFace;

namespace Bytez.Engine.Encoders;

/// <summary>A WordPiece (BERT) tokenizer as an <see cref="IEncoderTokenizer"/>: <c>[CLS] text [SEP]</c>, type ids 0.</summary>
public sealed class WordPieceEncoderTokenizer(BertWordPieceTokenizer tokenizer) : IEncoderTokenizer
{
    private readonly BertWordPieceTokenizer _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));

    /// <inheritdoc />
    public int PadTokenId => _tokenizer.PadTokenId;

    /// <inheritdoc />
    public HfTokenizer? HuggingFace => null;

    /// <inheritdoc />
    public EncoderEncoding Encode(string text, int maxLength)
    {
        var encoded = _tokenizer.Encode(text, maxLength);
        return new EncoderEncoding(encoded.Ids, new int[encoded.Ids.Length], encoded.UntruncatedLength);
    }
}
