using Bytez.Media.Audio;

namespace Bytez.Media.Tests.Audio;

public sealed class WhisperFeatureExtractorTests(ITestOutputHelper output)
{
    private static float[] Speech16k() =>
        AudioTools.FfmpegRead(AudioTools.Speech("Whisper hears this sentence spoken by e speak."), 16000);

    [Theory]
    [InlineData(80)]
    [InlineData(128)]
    public void Speech_log_mel_equals_the_numpy_path_and_is_close_to_the_torch_path(int melBins)
    {
        var samples = Speech16k();
        var extractor = new WhisperFeatureExtractor(new WhisperFeatureConfig { FeatureSize = melBins });

        var features = extractor.Extract(samples);

        Assert.Equal(melBins, features.MelBins);
        Assert.Equal(3000, features.Frames);
        var numpy = WhisperReference.Run(WhisperReference.Numpy, samples, melBins);
        var torch = WhisperReference.Run(WhisperReference.Torch, samples, melBins);
        var (maxNumpy, rmsNumpy) = AudioTools.Difference(numpy, features.Values);
        var (maxTorch, rmsTorch) = AudioTools.Difference(torch, features.Values);
        var (maxPaths, _) = AudioTools.Difference(numpy, torch);
        output.WriteLine($"{melBins} mels, {samples.Length} samples: vs numpy max {maxNumpy:E2} RMS {rmsNumpy:E2}; vs torch max {maxTorch:E2} RMS {rmsTorch:E2}; numpy vs torch max {maxPaths:E2}");
        Assert.True(maxNumpy <= 1e-6, $"max |Δ| against the numpy path {maxNumpy:E2}");
        Assert.True(maxTorch <= 1e-4, $"max |Δ| against the torch path {maxTorch:E2}");
    }

    [Fact]
    public void A_tone_over_30_seconds_is_cut_to_one_window_and_long_form_keeps_every_frame()
    {
        var tone = AudioTools.FfmpegRead(AudioTools.Tone(1000, 16000, 31.5, 1, "-c:a", "pcm_s16le", "-f", "wav"), 16000);
        var extractor = new WhisperFeatureExtractor(new WhisperFeatureConfig());

        var window = extractor.Extract(tone);
        var longForm = extractor.ExtractLongForm(tone);

        Assert.Equal(3000, window.Frames);
        Assert.All(window.AttentionMask, v => Assert.Equal(1, v));
        Assert.Equal(tone.Length / 160, longForm.Frames);
        Assert.Equal((tone.Length + 159) / 160, longForm.AttentionMask.Length);
        var numpy = WhisperReference.Run(WhisperReference.Numpy, tone, 80, longForm: true);
        var (max, _) = AudioTools.Difference(numpy, longForm.Values);
        output.WriteLine($"long form {longForm.Frames} frames: max |Δ| vs numpy {max:E2}");
        Assert.True(max <= 1e-6, $"max |Δ| {max:E2}");
    }

    [Fact]
    public void Short_audio_is_padded_with_zeros_and_the_mask_marks_the_padding()
    {
        var samples = new float[16000];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = 0.5f * MathF.Sin(2 * MathF.PI * 440 * i / 16000);
        }

        var features = new WhisperFeatureExtractor(new WhisperFeatureConfig()).Extract(samples);

        Assert.Equal(3000, features.AttentionMask.Length);
        Assert.Equal(100, features.AttentionMask.Count(v => v == 1));
        // The 440 Hz tone peaks in the mel bin whose band holds 440 Hz; silence is floored at max − 8 → (max − 8 + 4) / 4.
        float max = features.Values.Max();
        Assert.Equal((max - 2f), features.Values[(0 * 3000) + 2000], 5);
    }

    [Theory]
    [InlineData("""{"feature_size": "eighty"}""", "feature_size")]
    [InlineData("""{"n_fft": -1}""", "n_fft")]
    [InlineData("""{"feature_size": 400}""", "feature_size")]
    [InlineData("""{"dither": 1.0}""", "dither")]
    [InlineData("""[1, 2]""", "JSON object")]
    [InlineData("""{"sampling_rate": 16000""", "not valid JSON")]
    public void Bad_preprocessor_configs_are_refused_naming_the_field(string json, string named)
    {
        var e = Assert.Throws<InvalidDataException>(() => WhisperFeatureConfig.FromJson(json));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Whisper_large_v3_config_reads_128_bins()
    {
        var config = WhisperFeatureConfig.FromJson("""
            {"chunk_length": 30, "feature_extractor_type": "WhisperFeatureExtractor", "feature_size": 128, "hop_length": 160,
             "n_fft": 400, "n_samples": 480000, "nb_max_frames": 3000, "padding_side": "right", "padding_value": 0.0,
             "processor_class": "WhisperProcessor", "return_attention_mask": false, "sampling_rate": 16000}
            """);

        Assert.Equal(128, config.FeatureSize);
        Assert.Equal(480000, config.NSamples);
        Assert.Equal(3000, config.MaxFrames);
    }
}
