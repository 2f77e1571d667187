using Bytez.Media.Audio;

namespace Bytez.Media.Tests.Audio;

public sealed class AstFeatureExtractorTests(ITestOutputHelper output)
{
    /// <summary>transformers' AST numpy path (audio_utils.spectrogram with its Kaldi settings), written from its code.</summary>
    private const string Reference = """
import sys, numpy as np
x = np.frombuffer(sys.stdin.buffer.read(), np.float32).astype(np.float64)
mels, max_length, sr = 128, 1024, 16000
def hz_to_mel(f): return 1127.0 * np.log(1.0 + (f / 700.0))
mel_freqs = np.linspace(hz_to_mel(20.0), hz_to_mel(float(sr // 2)), mels + 2)
fft_freqs = hz_to_mel((sr / ((257 - 1) * 2)) * np.arange(257))
diff = np.diff(mel_freqs)
slopes = mel_freqs[None, :] - fft_freqs[:, None]
filters = np.maximum(np.zeros(1), np.minimum(-slopes[:, :-2] / diff[:-1], slopes[:, 2:] / diff[1:]))
window = np.hanning(400)
frames = int(1 + np.floor((x.size - 400) / 160))
spec = np.empty((frames, 257), np.complex64)
buf = np.zeros(512)
for i in range(frames):
    buf[:400] = x[i * 160:i * 160 + 400]
    buf[:400] = buf[:400] - buf[:400].mean()
    buf[1:400] -= 0.97 * buf[:399]
    buf[0] *= 1 - 0.97
    buf[:400] *= window
    spec[i] = np.fft.rfft(buf)
power = np.abs(spec, dtype=np.float64) ** 2.0
fbank = np.asarray(np.log(np.maximum(1.192092955078125e-07, np.dot(filters.T, power.T))), np.float32).T
if fbank.shape[0] < max_length: fbank = np.pad(fbank, ((0, max_length - fbank.shape[0]), (0, 0)))
else: fbank = fbank[:max_length]
fbank = (fbank - (-4.2677393)) / (4.5689974 * 2)
sys.stdout.buffer.write(np.ascontiguousarray(fbank, np.float32).tobytes())
""";

    /// <summary>
    /// transformers' AST path when torchaudio is installed (the common case): <c>torchaudio.compliance.kaldi.fbank</c>
    /// with a Hanning window and 128 bins, zero-padded or cut to 1024 frames, then (x − mean) / (2·std). Debian's
    /// python3-torchaudio (0.13) is the independent reference: Kaldi's own algorithm, computed in float32 by torch.
    /// </summary>
    private const string TorchaudioReference = """
import sys, numpy as np
try:
    import torch, torchaudio.compliance.kaldi as kaldi
except ImportError as e:
    sys.exit(f"python3-torchaudio is needed by this test (Debian: apt-get install python3-torchaudio): {e}")
x = np.frombuffer(sys.stdin.buffer.read(), np.float32).copy()
fbank = kaldi.fbank(torch.from_numpy(x).unsqueeze(0), sample_frequency=16000, window_type="hanning", num_mel_bins=128)
if fbank.shape[0] < 1024: fbank = torch.nn.ZeroPad2d((0, 0, 0, 1024 - fbank.shape[0]))(fbank)
else: fbank = fbank[:1024]
values = (fbank.numpy() - (-4.2677393)) / (4.5689974 * 2)
sys.stdout.buffer.write(np.ascontiguousarray(values, np.float32).tobytes())
""";

    [Fact]
    public void Speech_fbank_equals_the_numpy_path_padded_to_1024_frames()
    {
        var speech = AudioTools.FfmpegRead(AudioTools.Speech("Classify this sound, please."), 16000);

        var values = new AstFeatureExtractor(new AstFeatureConfig()).Extract(speech);

        Assert.Equal(1024 * 128, values.Length);
        var expected = AudioTools.Floats(AudioTools.RunPython(Reference, AudioTools.Bytes(speech)));
        var (max, rms) = AudioTools.Difference(expected, values);
        output.WriteLine($"AST fbank of {speech.Length} samples: max |Δ| {max:E2}, RMS {rms:E2}");
        Assert.True(max <= 1e-6, $"max |Δ| {max:E2}");
        // Frames past the audio are zeros before normalisation: (0 − mean) / (2·std).
        Assert.Equal((float)(4.2677393 / (4.5689974 * 2)), values[^1], 6);
    }

    [Fact]
    public void Audio_longer_than_max_length_frames_is_cut()
    {
        var tone = AudioTools.FfmpegRead(AudioTools.Tone(300, 16000, 11, 1, "-c:a", "pcm_s16le", "-f", "wav"), 16000);

        var values = new AstFeatureExtractor(new AstFeatureConfig()).Extract(tone);

        var expected = AudioTools.Floats(AudioTools.RunPython(Reference, AudioTools.Bytes(tone)));
        var (max, _) = AudioTools.Difference(expected, values);
        Assert.True(max <= 1e-6, $"max |Δ| {max:E2}");
    }

    [Theory]
    [InlineData("speech")]
    [InlineData("tone")]
    public void Fbank_equals_torchaudio_kaldi_fbank_within_its_float32_rounding(string sound)
    {
        // Speech (silences, quiet and loud bins) padded to 1024 frames; an 11 s two-tone file cut to 1024 frames.
        var samples = sound == "speech"
            ? AudioTools.FfmpegRead(AudioTools.Speech("Classify this sound, please."), 16000)
            : AudioTools.FfmpegRead(AudioTools.Tone(300, 16000, 11, 2, "-c:a", "pcm_s16le", "-f", "wav"), 16000);

        var values = new AstFeatureExtractor(new AstFeatureConfig()).Extract(samples);

        var expected = AudioTools.Floats(AudioTools.RunPython(TorchaudioReference, AudioTools.Bytes(samples)));
        var (max, rms) = AudioTools.Difference(expected, values);
        output.WriteLine($"AST fbank vs torchaudio, {sound} of {samples.Length} samples: max |Δ| {max:E2}, RMS {rms:E2}");
        // torch computes the FFT and the mel energies in float32 where the numpy path (ours) uses float64: the
        // normalized log-mel values differ by float32 rounding only (measured: max 2.4e-5, RMS 6e-7 on the speech).
        Assert.True(max <= 1e-4, $"max |Δ| {max:E2}");
        Assert.True(rms <= 1e-5, $"RMS {rms:E2}");
    }

    [Fact]
    public void The_audioset_config_reads_and_a_bad_one_names_its_field()
    {
        var config = AstFeatureConfig.FromJson("""
            {"do_normalize": true, "feature_extractor_type": "ASTFeatureExtractor", "feature_size": 1, "max_length": 1024,
             "mean": -4.2677393, "num_mel_bins": 128, "padding_side": "right", "padding_value": 0.0,
             "return_attention_mask": false, "sampling_rate": 16000, "std": 4.5689974}
            """);

        Assert.Equal(new AstFeatureConfig(), config);
        Assert.Contains("std", Assert.Throws<InvalidDataException>(() => AstFeatureConfig.FromJson("""{"std": 0}""")).Message, StringComparison.Ordinal);
    }
}
