using System.Net;
using System.Text.Json;
using Bytez.Media.Audio;
using Bytez.Media.Images;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// The embedded ResNet18 featurizer and Silero VAD through the real server (installed at first start): the shapes
/// they answer and the parameters they refuse with a 400 naming them.
/// </summary>
public sealed class EmbeddedMediaApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string ResNet18 = "microsoft/dnn-image-featurizer-resnet18";
    private const string SileroVad = "onnx-community/silero-vad";

    [Fact]
    public async Task Run_ResNet18ListOfTwoImages_AnswersOne512FeatureRowPerImage()
    {
        using var client = fixture.Server.CreateHttpClient();
        var png = Convert.ToBase64String(PngEncoder.EncodeRgb(new RgbImage(40, 30, Enumerable.Repeat((byte)200, 40 * 30 * 3).ToArray())));

        var (status, body, _) = await PostAsync(client, ResNet18, $$"""{"input": ["{{png}}", "{{png}}"]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var output = AssertOutput(body);
        Assert.Equal(2, output.GetArrayLength());
        Assert.All(output.EnumerateArray(), image => Assert.Equal(512, Assert.Single(image.EnumerateArray()).GetArrayLength()));
        Assert.Equal(output[0].GetRawText(), output[1].GetRawText());
    }

    [Theory]
    [InlineData("""{"threshold": 1.5}""", "threshold")]
    [InlineData("""{"threshold": "high"}""", "threshold")]
    [InlineData("""{"function_to_apply": "sigmoid"}""", "function_to_apply")]
    [InlineData("""{"top_k": -1}""", "top_k")]
    public async Task Run_SileroVadBadParameter_IsRefusedNamingIt(string parameters, string name)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, SileroVad, $$"""{"base64": "{{Silence()}}", "params": {{parameters}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(name, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SileroVadThresholdZero_CallsEveryWindowSpeech()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, SileroVad, "{\"base64\": \"" + Silence() + "\", \"params\": {\"threshold\": 0, \"top_k\": 1}}");

        Assert.Equal(HttpStatusCode.OK, status);
        var top = Assert.Single(AssertOutput(body).EnumerateArray());
        Assert.Equal("speech", top.GetProperty("label").GetString());
        Assert.Equal(1.0, top.GetProperty("score").GetDouble());
        var segment = Assert.Single(top.GetProperty("segments").EnumerateArray());
        Assert.Equal((0.0, 1.0), (segment.GetProperty("start").GetDouble(), segment.GetProperty("end").GetDouble()));
    }

    /// <summary>One second of digital silence at 16 kHz as a base64 WAV.</summary>
    private static string Silence() => Convert.ToBase64String(WavEncoder.EncodeFloat32(new float[16000], 16000));
}
