using System.Text.Json;
using Bytez.Protocol;
using Bytez.Testing;
using Bytez.Testing.TinyModels;

namespace Bytez.Conformance;

/// <summary>
/// zero-shot-image-classification through the official bytez.js 3.0.0 client and our SDK against a real server with
/// the tiny CLIP- and SigLIP-shaped dual encoders (<see cref="VisionTaskServer"/>): bytez.js sends
/// <c>{"input": {"base64"|"url", "candidate_labels"}}</c>; the SDK sends the same object, or the image with the labels
/// in <c>params</c>. The answers are the designs' (<see cref="DualEncoderModelWriter"/>): a red image is "red".
/// </summary>
public sealed class ZeroShotImageConformanceTests(ZeroShotImageConformanceTests.Fixture fixture) : IClassFixture<ZeroShotImageConformanceTests.Fixture>
{
    private static readonly string[] Template = ["this", "is", "a", "photo", "of"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TestServer Server => fixture.Vision.Server;

    private BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = Server.ApiBase });

    private static double ClipRedScore()
    {
        var model = new DualEncoderModel(string.Empty, DualEncoderStyle.Clip, 32);
        var means = model.MeansOfColour(255, 0, 0);
        var logits = new[] { "red", "green" }.Select(l => model.Logit(means, [.. Template, l])).ToArray();
        return 1 / (1 + Math.Exp(logits[1] - logits[0]));
    }

    private static double SiglipScore(string label)
    {
        var model = new DualEncoderModel(string.Empty, DualEncoderStyle.Siglip, 32);
        return 1 / (1 + Math.Exp(-model.Logit(model.MeansOfColour(255, 0, 0), [.. Template, label])));
    }

    [Fact]
    public async Task JsClient_Clip_Base64AndUrl_RedFirst()
    {
        var fromBase64 = await OfficialJsClient.CallAsync(Server, "run", new
        {
            modelId = VisionTaskServer.Clip,
            input = new { base64 = Convert.ToBase64String(VisionTaskServer.RedPng), candidate_labels = new[] { "green", "red" } },
        });
        var fromUrl = await OfficialJsClient.CallAsync(Server, "run", new
        {
            modelId = VisionTaskServer.Clip,
            input = new { url = fixture.Vision.RedPngUrl.ToString(), candidate_labels = new[] { "green", "red" } },
        });

        foreach (var result in new[] { fromBase64, fromUrl })
        {
            Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
            var output = result.GetProperty("output");
            Assert.Equal(["red", "green"], output.EnumerateArray().Select(i => i.GetProperty("label").GetString()));
            Assert.Equal(ClipRedScore(), output[0].GetProperty("score").GetDouble(), 1e-6);
        }
    }

    [Fact]
    public async Task JsClient_Siglip_SigmoidScores()
    {
        var result = await OfficialJsClient.CallAsync(Server, "run", new
        {
            modelId = VisionTaskServer.Siglip,
            input = new { base64 = Convert.ToBase64String(VisionTaskServer.RedPng), candidate_labels = new[] { "blue", "red" } },
        });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var output = result.GetProperty("output");
        Assert.Equal("red", output[0].GetProperty("label").GetString());
        Assert.Equal(SiglipScore("red"), output[0].GetProperty("score").GetDouble(), 1e-6);
        Assert.Equal(SiglipScore("blue"), output[1].GetProperty("score").GetDouble(), 1e-6);
    }

    [Fact]
    public async Task Sdk_InputObject_AndMediaWithLabelsInParams_TheSameAnswers()
    {
        using var client = CreateClient();
        var model = client.Model(VisionTaskServer.Clip);
        using var input = JsonDocument.Parse(JsonSerializer.Serialize(new
        {
            base64 = Convert.ToBase64String(VisionTaskServer.RedPng),
            candidate_labels = new[] { "green", "red" },
        }));
        var parameters = new ModelParameters();
        parameters.AdditionalProperties["candidate_labels"] = JsonSerializer.SerializeToElement(new[] { "green", "red" });

        var fromInput = (await model.RunAsync(input.RootElement, cancellationToken: Ct)).EnsureSuccess();
        var fromMedia = (await model.RunAsync(BytezMedia.FromBytes(VisionTaskServer.RedPng, "image/png"), parameters, Ct)).GetLabels();

        var output = fromInput.Output!.Value;
        Assert.Equal("red", output[0].GetProperty("label").GetString());
        Assert.Equal(ClipRedScore(), output[0].GetProperty("score").GetDouble(), 1e-6);
        Assert.Equal(["red", "green"], fromMedia.Select(l => l.Label));
        Assert.Equal(ClipRedScore(), fromMedia[0].Score, 1e-6);
    }

    /// <summary>One vision server for the class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        /// <summary>The server, its models and its origin.</summary>
        public VisionTaskServer Vision { get; private set; } = null!;

        /// <inheritdoc />
        public async ValueTask InitializeAsync() => Vision = await VisionTaskServer.StartAsync();

        /// <inheritdoc />
        public async ValueTask DisposeAsync() => await Vision.DisposeAsync();
    }
}
