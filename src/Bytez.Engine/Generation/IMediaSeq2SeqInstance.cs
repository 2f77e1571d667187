namespace Bytez.Engine.Generation;

/// <summary>What an encoder-decoder model's encoder reads.</summary>
public enum Seq2SeqSourceKind
{
    /// <summary>Token ids (<c>input_ids</c>): text-to-text models; see <see cref="ISeq2SeqInstance.EncodeAsync"/>.</summary>
    Text,

    /// <summary>Log-mel features (<c>input_features</c>, one row [n_mels, frames]): Whisper.</summary>
    AudioFeatures,

    /// <summary>An image (<c>pixel_values</c>, one row [channels, height, width]): VisionEncoderDecoder (ViT-GPT2, TrOCR).</summary>
    Pixels,
}

/// <summary>
/// An encoder-decoder model whose encoder reads floats rather than tokens: Whisper's <c>input_features</c> or a
/// VisionEncoderDecoder's <c>pixel_values</c>. The automatic-speech-recognition and image-to-text pipelines encode
/// one row with <see cref="EncodeAsync"/> and decode it as text models do (<see cref="Seq2SeqGenerator.DecodeAsync"/>,
/// <see cref="WhisperGenerator"/>).
/// </summary>
public interface IMediaSeq2SeqInstance : ISeq2SeqInstance
{
    /// <summary>What the encoder reads.</summary>
    Seq2SeqSourceKind SourceKind { get; }

    /// <summary>
    /// The shape of one row the encoder declares (the batch dimension left out), a dimension 0 where any size is taken:
    /// Whisper [80, 3000] (128 mel bins for large-v3), a ViT [3, 224, 224].
    /// </summary>
    IReadOnlyList<int> SourceShape { get; }

    /// <summary>
    /// Runs the encoder once over one row of <paramref name="values"/> of <paramref name="shape"/> (row-major, the batch
    /// dimension left out) and returns a decoding of one row, ready for the decoder prompt. The caller disposes it.
    /// </summary>
    /// <exception cref="EngineException">The shape is not what the encoder takes, or a value is not finite (kind bad input).</exception>
    ValueTask<ISeq2SeqDecoding> EncodeAsync(ReadOnlyMemory<float> values, IReadOnlyList<int> shape, CancellationToken cancellationToken);
}
