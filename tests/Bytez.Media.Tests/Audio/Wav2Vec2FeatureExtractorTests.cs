using Bytez.Media.Audio;

namespace Bytez.Media.Tests.Audio;

public sealed class Wav2Vec2FeatureExtractorTests
{
    /// <summary>transformers' zero_mean_unit_var_norm with numpy (float32 arrays), rows of a batch given by lengths.</summary>
    private const string Reference = """
import sys, numpy as np
data = sys.stdin.buffer.read()
lengths = [int(a) for a in sys.argv[1:]]
x = np.frombuffer(data, np.float32)
out = []
pos = 0
longest = max(lengths)
for n in lengths:
    v = np.zeros(longest, np.float32); v[:n] = x[pos:pos + n]; pos += n
    normed = (v - v[:n].mean()) / np.sqrt(v[:n].var() + 1e-7)
    if n < longest: normed[n:] = 0.0
    out.append(normed)
sys.stdout.buffer.write(np.ascontiguousarray(np.stack(out), np.float32).tobytes())
""";

    private static float[] Python(params float[][] clips) =>
        AudioTools.Floats(AudioTools.RunPython(Reference.Replace("sys.argv[1:]", "[" + string.Join(",", clips.Select(c => c.Length)) + "]", StringComparison.Ordinal), AudioTools.Bytes(clips.SelectMany(c => c).ToArray())));

    [Fact]
    public void Speech_is_normalised_exactly_as_numpy_does_it()
    {
        var speech = AudioTools.FfmpegRead(AudioTools.Speech("Normalise me, please."), 16000);

        var values = new Wav2Vec2FeatureExtractor(new Wav2Vec2FeatureConfig()).Extract(speech);

        Assert.Equal(Python(speech), values);
    }

    [Fact]
    public void A_padded_batch_normalises_each_clip_over_its_own_samples_and_masks_the_padding()
    {
        var a = AudioTools.FfmpegRead(AudioTools.Speech("one"), 16000);
        var b = AudioTools.FfmpegRead(AudioTools.Speech("two three four"), 16000);

        var (values, mask, length) = new Wav2Vec2FeatureExtractor(new Wav2Vec2FeatureConfig()).ExtractBatch([a, b]);

        Assert.Equal(Math.Max(a.Length, b.Length), length);
        Assert.Equal(Python(a, b), values);
        Assert.Equal(a.Length + b.Length, mask.Sum());
    }

    [Fact]
    public void Without_do_normalize_the_samples_pass_unchanged()
    {
        float[] samples = [0.5f, -0.25f, 0.125f];

        var values = Wav2Vec2FeatureExtractor.FromJson("""{"do_normalize": false, "feature_size": 1, "sampling_rate": 16000}""").Extract(samples);

        Assert.Equal(samples, values);
    }

    [Theory]
    [InlineData("""{"do_normalize": "yes"}""", "do_normalize")]
    [InlineData("""{"feature_size": 2}""", "feature_size")]
    [InlineData("""{"sampling_rate": 0}""", "sampling_rate")]
    public void Bad_configs_are_refused_naming_the_field(string json, string named) =>
        Assert.Contains(named, Assert.Throws<InvalidDataException>(() => Wav2Vec2FeatureConfig.FromJson(json)).Message, StringComparison.Ordinal);
}
