using System.Text.Json;
using Bytez.Engine.Tasks;
using Bytez.Media;
using Bytez.Engine.Tests.TinyModels;
using Bytez.Testing.TinyModels;
using static Bytez.Engine.Tests.Tasks.AudioPipelineRuns;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>
/// audio-classification on the tiny quiet/loud classifier (logits [0, 100·power − 1], see
/// <see cref="AudioClassifierModel.Logits"/>): labels and scores in closed form from the samples sent, with the
/// rules of transformers 4.57's AudioClassificationPipeline (top_k 5 capped at the labels, null all, softmax default).
/// </summary>
public sealed class AudioClassificationPipelineTests
{
    private static readonly float[] Tone = CtcSpeechModel.Tone('A', 20); // 0.4 s of 500 Hz, amplitude 0.5
    private static readonly float[] Silence = new float[6400];

    private static double Softmax2(double own, double other) => 1 / (1 + Math.Exp(other - own));

    private static async Task<JsonElement> Classify(string name, float[] samples, string? parameters = null, MediaLimits? limits = null)
    {
        var model = AudioClassifierModelWriter.Write(TinyEncoderRun.NewFolder(name));
        using var instance = await LoadAsync(model.Folder);
        return await RunAsync(new AudioClassificationPipeline(Reader(limits)), instance, Request(Wav(samples), parameters));
    }

    private static void AssertScore(double expected, JsonElement item)
    {
        var score = item.GetProperty("score").GetDouble();
        Assert.Equal((double)(float)score, score); // a float32 score, as the pipeline's
        Assert.Equal(expected, score, 1e-6);
    }

    [Fact]
    public async Task LoudTone_LoudFirst_SoftmaxScores_BothLabels()
    {
        var output = await Classify("ac-loud", Tone);

        var logits = AudioClassifierModel.Logits(Tone); // [0, 11.5]
        Assert.Equal(2, output.GetArrayLength()); // top_k 5 capped at the two labels
        Assert.Equal("loud", output[0].GetProperty("label").GetString());
        Assert.Equal("quiet", output[1].GetProperty("label").GetString());
        AssertScore(Softmax2(logits[1], logits[0]), output[0]);
        AssertScore(Softmax2(logits[0], logits[1]), output[1]);
        Assert.Equal("score", output[0].EnumerateObject().First().Name); // the pipeline's key order
    }

    [Fact]
    public async Task Silence_Quiet_WithTheScoreOfLogitsZeroAndMinusOne()
    {
        var output = await Classify("ac-quiet", Silence, """{"top_k": 1}""");

        var item = Assert.Single(output.EnumerateArray());
        Assert.Equal("quiet", item.GetProperty("label").GetString());
        AssertScore(1 / (1 + Math.Exp(-1)), item);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("sigmoid")]
    public async Task FunctionToApply_AppliesIt(string function)
    {
        var output = await Classify("ac-fn-" + function, Tone, $$"""{"function_to_apply": "{{function}}", "top_k": null}""");

        var logits = AudioClassifierModel.Logits(Tone);
        Func<double, double> f = function == "none" ? x => x : x => 1 / (1 + Math.Exp(-x));
        Assert.Equal("loud", output[0].GetProperty("label").GetString());
        AssertScore(f(logits[1]), output[0]);
        AssertScore(f(logits[0]), output[1]);
    }

    [Theory]
    [InlineData("""{"top_n": 2}""", "top_k")]
    [InlineData("""{"top_k": 0}""", "top_k")]
    [InlineData("""{"function_to_apply": "Softmax"}""", "function_to_apply")]
    public async Task BadParameters_400NamingThem(string parameters, string named)
    {
        var error = await Assert.ThrowsAsync<EngineException>(() => Classify("ac-bad-" + parameters.GetHashCode(StringComparison.Ordinal), Tone, parameters));

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadMedia_RefusedWithTheClientsKind()
    {
        var model = AudioClassifierModelWriter.Write(TinyEncoderRun.NewFolder("ac-media"));
        using var instance = await LoadAsync(model.Folder);
        var pipeline = new AudioClassificationPipeline(Reader(new MediaLimits { MaxAudioDuration = TimeSpan.FromSeconds(0.1) }));
        var wav = Convert.FromBase64String(Wav(Tone));

        async Task<EngineErrorKind> Kind(byte[] bytes) =>
            (await Assert.ThrowsAsync<EngineException>(() => RunAsync(pipeline, instance, Request(Convert.ToBase64String(bytes))))).Kind;

        Assert.Equal(EngineErrorKind.UnsupportedMediaType, await Kind("this is not a sound at all"u8.ToArray()));
        Assert.Equal(EngineErrorKind.BadInput, await Kind(wav[..30]));
        Assert.Equal(EngineErrorKind.TooLarge, await Kind(wav)); // 0.4 s over the 0.1 s limit
    }
}
