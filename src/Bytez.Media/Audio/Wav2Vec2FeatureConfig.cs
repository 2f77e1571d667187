namespace Bytez.Media.Audio;

/// <summary>
/// The settings of transformers' <c>Wav2Vec2FeatureExtractor</c> (wav2vec2, HuBERT, data2vec-audio, WavLM and their
/// audio classifiers), read from <c>preprocessor_config.json</c>.
/// </summary>
public sealed record Wav2Vec2FeatureConfig
{
    /// <summary>The sample rate the model expects (<c>sampling_rate</c>).</summary>
    public int SamplingRate { get; init; } = 16000;

    /// <summary>The value that pads shorter clips of a batch (<c>padding_value</c>).</summary>
    public float PaddingValue { get; init; }

    /// <summary>Whether each clip is scaled to zero mean and unit variance (<c>do_normalize</c>).</summary>
    public bool DoNormalize { get; init; } = true;

    /// <summary>
    /// Whether the model takes an <c>attention_mask</c> (<c>return_attention_mask</c>: true for models with
    /// <c>feat_extract_norm == "layer"</c>; base models must not get one).
    /// </summary>
    public bool ReturnAttentionMask { get; init; }

    /// <summary>Reads <c>preprocessor_config.json</c>; throws <see cref="InvalidDataException"/> naming a wrong field.</summary>
    public static Wav2Vec2FeatureConfig FromJson(string json)
    {
        var c = PreprocessorConfig.Parse(json);
        if (c.Int("feature_size", 1, 1, 1) != 1)
        {
            throw new InvalidDataException("preprocessor_config.json: \"feature_size\" must be 1 for a raw-waveform extractor.");
        }

        return new Wav2Vec2FeatureConfig
        {
            SamplingRate = c.Int("sampling_rate", 16000, 1000, 192000),
            PaddingValue = (float)c.Number("padding_value", 0, -1e6, 1e6),
            DoNormalize = c.Bool("do_normalize", true),
            ReturnAttentionMask = c.Bool("return_attention_mask", false),
        };
    }
}
