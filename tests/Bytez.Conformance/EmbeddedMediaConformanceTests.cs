using System.Text.Json;
using Bytez.Media;
using Bytez.Media.Audio;
using Bytez.Media.Images;
using Bytez.Protocol;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>
/// The embedded offline defaults through the official bytez.js 3.0.0 client and our SDK against the real server, on
/// real inputs: the ResNet18 featurizer (image-feature-extraction) finds a darknet photo close to its mirrored crop and
/// far from another photo; Silero VAD (audio-classification) finds espeak-ng speech between two seconds of silence and
/// no speech in the silence.
/// </summary>
public sealed class EmbeddedMediaConformanceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string ResNet18 = "microsoft/dnn-image-featurizer-resnet18";
    private const string SileroVad = "onnx-community/silero-vad";

    /// <summary>How far a detected edge of speech may lie from espeak-ng's (a few 32 ms windows).</summary>
    private const double Margin = 0.3;

    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = fixture.Server.ApiBase });

    [Theory]
    [InlineData("dog", "eagle")]
    [InlineData("giraffe", "horses")]
    public async Task JsClient_ImageFeatures_PhotoNearItsFlippedCropAndFarFromAnother(string name, string other)
    {
        var photo = RealMedia.PhotoFile(name);
        var flipped = PngEncoder.EncodeRgb(RealMedia.FlippedCrop(ImageDecoder.Decode(photo, new MediaLimits()), 0.9));

        var vectors = new List<float[]>();
        foreach (var file in new[] { photo, flipped, RealMedia.PhotoFile(other) })
        {
            var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = ResNet18, input = Convert.ToBase64String(file) });
            Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
            var output = result.GetProperty("output");
            Assert.Equal(1, output.GetArrayLength()); // [[512 features]]
            vectors.Add(output[0].EnumerateArray().Select(v => v.GetSingle()).ToArray());
        }

        Assert.All(vectors, v => Assert.Equal(512, v.Length));
        var near = Cosine(vectors[0], vectors[1]);
        var far = Cosine(vectors[0], vectors[2]);
        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: flipped crop {near:F3}, {other} {far:F3}");
        Assert.True(near >= 0.8, $"{name} and its flipped crop: cosine {near:F3}, expected at least 0.8");
        Assert.True(far <= 0.65, $"{name} and {other}: cosine {far:F3}, expected at most 0.65");
    }

    [Fact]
    public async Task Sdk_ImageFeatures_GetEmbedding_SameAsTheJsClientAndPoolChangesNothing()
    {
        using var client = CreateClient();
        var photo = RealMedia.PhotoFile("person");

        var features = (await client.Model(ResNet18).RunAsync(BytezMedia.FromBytes(photo, "image/jpeg"), cancellationToken: Ct)).GetEmbedding();
        var pooled = (await client.Model(ResNet18).RunAsync(BytezMedia.FromBytes(photo, "image/jpeg"), new ModelParameters { AdditionalProperties = { ["pool"] = JsonSerializer.SerializeToElement(true) } }, Ct)).GetEmbedding();
        var js = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = ResNet18, input = Convert.ToBase64String(photo) });

        Assert.Equal(512, features.Length);
        Assert.Equal(features, pooled);
        Assert.Equal(features, js.GetProperty("output")[0].EnumerateArray().Select(v => v.GetSingle()));
    }

    [Fact]
    public async Task JsClient_VoiceActivity_FindsTheSpeechBetweenTheSilences()
    {
        var (audio, start, end) = RealMedia.Speech("The quick brown fox jumps over the lazy dog", Silence);

        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = SileroVad, input = Convert.ToBase64String(WavEncoder.EncodeFloat32(audio.Samples, 16000)) });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        AssertSpeechFound(result.GetProperty("output"), audio, start.TotalSeconds, end.TotalSeconds);
    }

    [Fact]
    public async Task Sdk_VoiceActivity_GetLabelsAndSegments_SpeechOnlyWhereSpoken()
    {
        using var client = CreateClient();
        var (audio, start, end) = RealMedia.Speech("Hello, this is a test of voice activity detection", Silence);

        var result = await client.Model(SileroVad).RunAsync(BytezMedia.FromBytes(WavEncoder.EncodeFloat32(audio.Samples, 16000), "audio/wav"), cancellationToken: Ct);

        var labels = result.GetLabels();
        Assert.Equal(["no-speech", "speech"], labels.Select(l => l.Label).Order(StringComparer.Ordinal));
        Assert.Equal(1.0, labels.Sum(l => l.Score), 1e-6);
        AssertSpeechFound(result.Output!.Value, audio, start.TotalSeconds, end.TotalSeconds);
    }

    [Fact]
    public async Task Sdk_VoiceActivity_Silence_IsAllNoSpeech()
    {
        using var client = CreateClient();
        var silence = new float[3 * 16000];

        var result = await client.Model(SileroVad).RunAsync(BytezMedia.FromBytes(WavEncoder.EncodeFloat32(silence, 16000), "audio/wav"), new ModelParameters { TopK = 1 }, Ct);

        var top = Assert.Single(result.GetLabels());
        Assert.Equal("no-speech", top.Label);
        Assert.Equal(1.0, top.Score);
        var segment = Assert.Single(result.Output!.Value[0].GetProperty("segments").EnumerateArray());
        Assert.Equal(0.0, segment.GetProperty("start").GetDouble());
        Assert.Equal(3.0, segment.GetProperty("end").GetDouble());
    }

    /// <summary>
    /// What a user checks: every speech segment lies within the spoken stretch, the speech segments cover most of it,
    /// the clip starts and ends with no speech, and each label's score is its segments' share of the clip.
    /// </summary>
    private static void AssertSpeechFound(JsonElement output, AudioSamples audio, double start, double end)
    {
        var duration = audio.Samples.Length / 16000.0;
        var labels = output.EnumerateArray().ToDictionary(l => l.GetProperty("label").GetString()!);
        Assert.Equal(["no-speech", "speech"], labels.Keys.Order(StringComparer.Ordinal));
        var segments = labels.ToDictionary(
            l => l.Key,
            l => l.Value.GetProperty("segments").EnumerateArray().Select(s => (Start: s.GetProperty("start").GetDouble(), End: s.GetProperty("end").GetDouble())).ToList());
        var speech = segments["speech"];
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"spoken {start:F2}-{end:F2} s; speech segments {string.Join(", ", speech.Select(s => $"{s.Start:F2}-{s.End:F2}"))}");
        Assert.NotEmpty(speech);
        Assert.All(speech, s => Assert.True(s.Start >= start - Margin && s.End <= end + Margin, $"speech {s.Start:F2}-{s.End:F2} s reaches into the silence"));
        var covered = speech.Sum(s => Math.Min(s.End, end) - Math.Max(s.Start, start));
        Assert.True(covered >= 0.75 * (end - start), $"speech segments cover {covered:F2} s of the {end - start:F2} s spoken");
        Assert.Contains(segments["no-speech"], s => s.Start == 0 && s.End >= start - Margin);
        Assert.Contains(segments["no-speech"], s => Math.Abs(s.End - duration) <= 0.001 && s.Start <= end + Margin);
        foreach (var (label, item) in labels)
        {
            var share = segments[label].Sum(s => s.End - s.Start) / duration;
            Assert.Equal(share, item.GetProperty("score").GetDouble(), 0.02);
        }
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
