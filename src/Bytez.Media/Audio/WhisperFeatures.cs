namespace Bytez.Media.Audio;

/// <summary>The log-mel features of one clip: <c>input_features[0]</c> of the Python feature extractor.</summary>
public sealed class WhisperFeatures(float[] values, int melBins, int frames, int[] attentionMask)
{
    /// <summary>Row-major [mel bin, frame]: the model input <c>input_features</c> of shape [1, MelBins, Frames].</summary>
    public float[] Values { get; } = values;

    /// <summary>Mel bins (rows).</summary>
    public int MelBins { get; } = melBins;

    /// <summary>Frames (columns): 3000 for a 30-second window.</summary>
    public int Frames { get; } = frames;

    /// <summary>
    /// The sample-level mask (1 for audio, 0 for padding) taken every hop_length samples, as transformers returns it
    /// with <c>return_attention_mask=True</c>.
    /// </summary>
    public int[] AttentionMask { get; } = attentionMask;
}
