namespace Bytez.Media.Audio;

/// <summary>
/// The raw-waveform front end of wav2vec2-style models, equal to transformers 4.57's <c>Wav2Vec2FeatureExtractor</c>
/// (<c>zero_mean_unit_var_norm</c>): each clip minus its mean, divided by √(variance + 1e-7), in float32 with numpy's
/// own summation order (numpy 1.x scalar promotion: the 1e-7 is added and the root taken in double, then the
/// divisor rounded to float). A padded batch normalises each clip over its real samples and sets its padding to
/// <c>padding_value</c>.
/// </summary>
public sealed class Wav2Vec2FeatureExtractor(Wav2Vec2FeatureConfig config)
{
    /// <summary>The settings.</summary>
    public Wav2Vec2FeatureConfig Config { get; } = config ?? throw new ArgumentNullException(nameof(config));

    /// <summary>Reads the settings from <c>preprocessor_config.json</c>.</summary>
    public static Wav2Vec2FeatureExtractor FromJson(string json) => new(Wav2Vec2FeatureConfig.FromJson(json));

    /// <summary><c>input_values[0]</c> for one clip, unpadded (what the pipelines pass for one input).</summary>
    public float[] Extract(ReadOnlySpan<float> samples)
    {
        if (samples.IsEmpty)
        {
            throw new ArgumentException("The clip has no samples.", nameof(samples));
        }

        var values = samples.ToArray();
        if (Config.DoNormalize)
        {
            Normalize(values, values.Length);
        }

        return values;
    }

    /// <summary>
    /// A batch padded to its longest clip (<c>padding=True</c>): row-major values [clips, longest] and the
    /// attention mask (1 for samples, 0 for padding) of the same shape.
    /// </summary>
    public (float[] Values, int[] AttentionMask, int Length) ExtractBatch(IReadOnlyList<float[]> clips)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.Count == 0 || clips.Any(c => c is null || c.Length == 0))
        {
            throw new ArgumentException("Every clip of a batch needs samples.", nameof(clips));
        }

        int longest = clips.Max(c => c.Length);
        var values = new float[(long)clips.Count * longest];
        var mask = new int[values.Length];
        for (int b = 0; b < clips.Count; b++)
        {
            var row = values.AsSpan(b * longest, longest);
            clips[b].CopyTo(row);
            row[clips[b].Length..].Fill(Config.PaddingValue);
            mask.AsSpan(b * longest, clips[b].Length).Fill(1);
            if (Config.DoNormalize)
            {
                Normalize(row, clips[b].Length);
            }
        }

        return (values, mask, longest);
    }

    private void Normalize(Span<float> row, int length)
    {
        var real = row[..length];
        float mean = NumpyFloat32.Mean(real);
        float variance = NumpyFloat32.Variance(real, mean);
        float divisor = (float)Math.Sqrt(variance + 1e-7);
        for (int i = 0; i < row.Length; i++)
        {
            row[i] = i < length ? (row[i] - mean) / divisor : Config.PaddingValue;
        }
    }
}
