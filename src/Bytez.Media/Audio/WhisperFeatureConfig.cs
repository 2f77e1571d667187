namespace Bytez.Media.Audio;

/// <summary>
/// The settings of transformers' <c>WhisperFeatureExtractor</c> (transformers 4.57), read from a model's
/// <c>preprocessor_config.json</c>; the defaults are whisper-tiny's.
/// </summary>
public sealed record WhisperFeatureConfig
{
    /// <summary>Mel bins: 80, or 128 for large-v3 (<c>feature_size</c>).</summary>
    public int FeatureSize { get; init; } = 80;

    /// <summary>The sample rate the model expects (<c>sampling_rate</c>).</summary>
    public int SamplingRate { get; init; } = 16000;

    /// <summary>Samples between frames (<c>hop_length</c>).</summary>
    public int HopLength { get; init; } = 160;

    /// <summary>Seconds in one window the model reads (<c>chunk_length</c>).</summary>
    public int ChunkLength { get; init; } = 30;

    /// <summary>FFT size and frame length (<c>n_fft</c>).</summary>
    public int NFft { get; init; } = 400;

    /// <summary>The sample value appended to pad short audio (<c>padding_value</c>).</summary>
    public float PaddingValue { get; init; }

    /// <summary>Samples in one window: <see cref="ChunkLength"/> × <see cref="SamplingRate"/> (<c>n_samples</c>).</summary>
    public int NSamples => ChunkLength * SamplingRate;

    /// <summary>Frames in one window (<c>nb_max_frames</c>).</summary>
    public int MaxFrames => NSamples / HopLength;

    /// <summary>
    /// Reads <c>preprocessor_config.json</c>. Throws <see cref="InvalidDataException"/> naming a field of the wrong
    /// type or range, and refuses a non-zero <c>dither</c> (random noise, which would make features unrepeatable).
    /// </summary>
    public static WhisperFeatureConfig FromJson(string json)
    {
        var c = PreprocessorConfig.Parse(json);
        var config = new WhisperFeatureConfig
        {
            FeatureSize = c.Int("feature_size", 80, 1, 512),
            SamplingRate = c.Int("sampling_rate", 16000, 1000, 192000),
            HopLength = c.Int("hop_length", 160, 1, 65536),
            ChunkLength = c.Int("chunk_length", 30, 1, 600),
            NFft = c.Int("n_fft", 400, 2, 65536),
            PaddingValue = (float)c.Number("padding_value", 0, -1e6, 1e6),
        };
        if (c.Number("dither", 0, 0, 1e6) != 0)
        {
            throw new InvalidDataException("preprocessor_config.json: \"dither\" adds random noise to the features; only 0 is supported.");
        }

        if ((long)config.ChunkLength * config.SamplingRate > 100_000_000)
        {
            throw new InvalidDataException($"preprocessor_config.json: chunk_length × sampling_rate = {(long)config.ChunkLength * config.SamplingRate} samples is too many (at most 100000000).");
        }

        if (config.FeatureSize > (config.NFft / 2) + 1)
        {
            throw new InvalidDataException($"preprocessor_config.json: feature_size {config.FeatureSize} is more mel bins than the {(config.NFft / 2) + 1} frequency bins of n_fft {config.NFft}.");
        }

        return config;
    }
}
