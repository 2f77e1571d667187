using System.Net;
using System.Text.Json;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// zero-shot-image-classification through the real server on the tiny CLIP- and SigLIP-shaped dual encoders added
/// from local folders (<see cref="VisionTaskServer"/>): the labels in every form a client sends them, the image as
/// base64 or a URL on a loopback origin; scores closed-form from the designs (<see cref="DualEncoderModelWriter"/>);
/// missing, empty or mistyped labels answer 400 naming <c>candidate_labels</c>.
/// </summary>
public sealed class ZeroShotImageClassificationApiTests(ZeroShotImageClassificationApiTests.Fixture fixture)
    : IClassFixture<ZeroShotImageClassificationApiTests.Fixture>
{
    private static readonly string[] Template = ["this", "is", "a", "photo", "of"];

    private static string RedBase64 => Convert.ToBase64String(VisionTaskServer.RedPng);

    public static TheoryData<string> RedRequests() =>
    [
        $$$"""{"input": {"base64": "{{{RedBase64}}}", "candidate_labels": ["green", "red", "blue"]}}""",
        $$$"""{"base64": "{{{RedBase64}}}", "candidate_labels": ["green", "red", "blue"]}""",
        """{"input": {"url": "ORIGIN/red.png", "candidate_labels": ["green", "red", "blue"]}}""",
        """{"url": "ORIGIN/red.png", "params": {"candidate_labels": ["green", "red", "blue"]}}""",
    ];

    [Theory]
    [MemberData(nameof(RedRequests))]
    public async Task Clip_RedPng_InEveryForm_RedFirst_SoftmaxScores(string json)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, VisionTaskServer.Clip, fixture.WithOrigin(json));

        Assert.Equal(HttpStatusCode.OK, status);
        var output = AssertOutput(body);
        var model = new DualEncoderModel(string.Empty, DualEncoderStyle.Clip, 32);
        var means = model.MeansOfColour(255, 0, 0);
        var logits = new[] { "red", "green", "blue" }.Select(l => model.Logit(means, [.. Template, l])).ToArray();
        var total = logits.Sum(x => Math.Exp(x - logits[0]));
        Assert.Equal(["red", "blue", "green"], output.EnumerateArray().Select(i => i.GetProperty("label").GetString()));
        Assert.Equal(1 / total, output[0].GetProperty("score").GetDouble(), 1e-6);
        Assert.Equal(Math.Exp(logits[2] - logits[0]) / total, output[1].GetProperty("score").GetDouble(), 1e-6);
    }

    [Fact]
    public async Task Siglip_RedPng_SigmoidScores_WithATemplate()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, VisionTaskServer.Siglip,
            $$$"""{"base64": "{{{RedBase64}}}", "candidate_labels": ["blue", "red"], "params": {"hypothesis_template": "a {} photo"}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var output = AssertOutput(body);
        var model = new DualEncoderModel(string.Empty, DualEncoderStyle.Siglip, 32);
        var means = model.MeansOfColour(255, 0, 0);
        Assert.Equal("red", output[0].GetProperty("label").GetString());
        Assert.Equal(Sigmoid(model.Logit(means, ["a", "red", "photo"])), output[0].GetProperty("score").GetDouble(), 1e-6);
        Assert.Equal(Sigmoid(model.Logit(means, ["a", "blue", "photo"])), output[1].GetProperty("score").GetDouble(), 1e-6);
    }

    public static TheoryData<string, string> BadRequests() => new()
    {
        { $$$"""{"base64": "{{{RedBase64}}}"}""", "candidate_labels" },
        { $$$"""{"base64": "{{{RedBase64}}}", "candidate_labels": []}""", "at least one candidate label" },
        { $$$"""{"base64": "{{{RedBase64}}}", "candidate_labels": 7}""", "candidate_labels" },
        { $$$"""{"input": {"base64": "{{{RedBase64}}}", "candidate_labels": [1, 2]}}""", "input.candidate_labels" },
        { """{"candidate_labels": ["red"]}""", "`base64`" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequests_Are400s_NamingWhatIsExpected(string json, string expected)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, VisionTaskServer.Clip, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>One vision server for the class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private VisionTaskServer _vision = null!;

        /// <summary>The running server.</summary>
        public TestServer Server => _vision.Server;

        /// <summary>The request with <c>ORIGIN/red.png</c> replaced by the origin's URL of the red PNG.</summary>
        public string WithOrigin(string json) => json.Replace("ORIGIN/red.png", _vision.RedPngUrl.ToString(), StringComparison.Ordinal);

        /// <inheritdoc />
        public async ValueTask InitializeAsync() => _vision = await VisionTaskServer.StartAsync();

        /// <inheritdoc />
        public async ValueTask DisposeAsync() => await _vision.DisposeAsync();
    }
}
