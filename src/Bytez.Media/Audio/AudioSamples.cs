namespace Bytez.Media.Audio;

/// <summary>
/// Decoded sound as the Python pipelines hold it: one channel of float samples in [-1, 1] at a sample rate (what
/// <c>ffmpeg_read</c> returns, and what a feature extractor takes).
/// </summary>
public sealed class AudioSamples
{
    /// <summary>Wraps samples taken at <paramref name="sampleRate"/> per second.</summary>
    public AudioSamples(float[] samples, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        Samples = samples;
        SampleRate = sampleRate;
    }

    /// <summary>The mono samples.</summary>
    public float[] Samples { get; }

    /// <summary>Samples per second.</summary>
    public int SampleRate { get; }

    /// <summary>How long the sound lasts.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds((double)Samples.Length / SampleRate);
}
