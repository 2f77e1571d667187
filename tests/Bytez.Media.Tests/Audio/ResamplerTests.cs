using Bytez.Media.Audio;

namespace Bytez.Media.Tests.Audio;

public sealed class ResamplerTests(ITestOutputHelper output)
{
    /// <summary>ffmpeg resampling raw float samples (no conversion, no downmix): libswresample alone.</summary>
    private static float[] FfmpegResample(float[] samples, int from, int to) =>
        AudioTools.Floats(AudioTools.Run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "f32le", "-ar", $"{from}", "-ac", "1", "-i", "pipe:0", "-ar", $"{to}", "-f", "f32le", "pipe:1"], AudioTools.Bytes(samples)));

    private static float[] Chirp(int rate, double seconds)
    {
        var x = new float[(int)(rate * seconds)];
        for (int i = 0; i < x.Length; i++)
        {
            double t = (double)i / rate;
            x[i] = (float)(0.6 * Math.Sin(2 * Math.PI * (100 + (1500 * t)) * t));
        }

        return x;
    }

    [Theory]
    [InlineData(22050, 16000)]
    [InlineData(44100, 16000)]
    [InlineData(48000, 16000)]
    [InlineData(8000, 16000)]
    [InlineData(16000, 22050)]
    [InlineData(16000, 24000)]
    [InlineData(32000, 16001)]
    public void A_chirp_resamples_as_libswresample_does(int from, int to)
    {
        var chirp = Chirp(from, 2.5);
        var expected = FfmpegResample(chirp, from, to);

        var actual = Resampler.Resample(chirp, from, to);

        var (max, rms) = AudioTools.Difference(expected, actual);
        output.WriteLine($"{from} → {to} Hz: {actual.Length} samples, max |Δ| {max:E2}, RMS {rms:E2}");
        Assert.True(max < 1e-6, $"max |Δ| {max:E2}");
    }

    [Fact]
    public void Espeak_speech_resamples_as_libswresample_does()
    {
        var speech = AudioTools.FfmpegRead(AudioTools.Speech("Resampling speech from twenty two kilohertz."), 22050);
        var expected = FfmpegResample(speech, 22050, 16000);

        var actual = Resampler.Resample(speech, 22050, 16000);

        var (max, rms) = AudioTools.Difference(expected, actual);
        output.WriteLine($"espeak-ng 22050 → 16000 Hz: max |Δ| {max:E2}, RMS {rms:E2}");
        Assert.True(max < 1e-7, $"max |Δ| {max:E2}");
    }

    [Theory]
    [InlineData(22051)]
    [InlineData(30000)]
    [InlineData(61147)]
    [InlineData(1000)]
    [InlineData(100)]
    public void The_output_length_is_ffmpegs_for_any_input_length(int length)
    {
        var random = new Random(length);
        var noise = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() - 0.5) * 0.2f).ToArray();
        var expected = FfmpegResample(noise, 22050, 16000);

        var actual = Resampler.Resample(noise, 22050, 16000);

        Assert.Equal(expected.Length, actual.Length);
        Assert.True(AudioTools.Difference(expected, actual).Max < 1e-7);
    }

    [Fact]
    public void A_constant_stays_constant_away_from_the_edges()
    {
        var ones = Enumerable.Repeat(0.5f, 22050).ToArray();

        var y = Resampler.Resample(ones, 22050, 16000);

        // Each phase's taps sum to 1 (phase 0 exactly, by normalisation; the others to within the filter's ripple).
        Assert.All(y.AsSpan(100, y.Length - 200).ToArray(), v => Assert.Equal(0.5, v, 3));
    }

    [Fact]
    public void Equal_rates_return_the_samples_untouched()
    {
        float[] x = [1f, 2f, 3f];

        Assert.Same(x, Resampler.Resample(x, 16000, 16000));
    }
}
