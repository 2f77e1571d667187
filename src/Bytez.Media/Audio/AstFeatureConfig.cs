namespace Bytez.Media.Audio;

/// <summary>
/// The settings of transformers' <c>ASTFeatureExtractor</c> (Audio Spectrogram Transformer), read from
/// <c>preprocessor_config.json</c>; the defaults are MIT/ast-finetuned-audioset-10-10-0.4593's.
/// </summary>
public sealed record AstFeatureConfig
{
    /// <summary>Kaldi mel bins (<c>num_mel_bins</c>).</summary>
    public int NumMelBins { get; init; } = 128;

    /// <summary>Frames the features are padded or cut to (<c>max_length</c>): 1024 = 10.24 s.</summary>
    public int MaxLength { get; init; } = 1024;

    /// <summary>The sample rate the model expects (<c>sampling_rate</c>).</summary>
    public int SamplingRate { get; init; } = 16000;

    /// <summary>Whether features are normalised with <see cref="Mean"/> and <see cref="Std"/> (<c>do_normalize</c>).</summary>
    public bool DoNormalize { get; init; } = true;

    /// <summary>The AudioSet mean of the features (<c>mean</c>).</summary>
    public double Mean { get; init; } = -4.2677393;

    /// <summary>The AudioSet standard deviation of the features (<c>std</c>).</summary>
    public double Std { get; init; } = 4.5689974;

    /// <summary>Reads <c>preprocessor_config.json</c>; throws <see cref="InvalidDataException"/> naming a wrong field.</summary>
    public static AstFeatureConfig FromJson(string json)
    {
        var c = PreprocessorConfig.Parse(json);
        var config = new AstFeatureConfig
        {
            NumMelBins = c.Int("num_mel_bins", 128, 1, 256),
            MaxLength = c.Int("max_length", 1024, 1, 100_000),
            SamplingRate = c.Int("sampling_rate", 16000, 1000, 192000),
            DoNormalize = c.Bool("do_normalize", true),
            Mean = c.Number("mean", -4.2677393, -1e6, 1e6),
            Std = c.Number("std", 4.5689974, 1e-12, 1e6),
        };
        return config;
    }
}
