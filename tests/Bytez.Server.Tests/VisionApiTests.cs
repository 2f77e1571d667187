using System.Net;
using System.Text.Json;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// image-classification, object-detection and image-feature-extraction through the real server on the tiny real ONNX
/// vision models added from local folders, with a PNG sent as bare base64, a data URI, <c>input</c> and a URL on a
/// loopback origin (allowed by <c>Bytez:Media:AllowPrivateUrls</c>); every answer is closed-form from the designs
/// (a red image is "red"; the detector's box is the centre half of the original image). Bad images answer 415, 400
/// or 413, never 500.
/// </summary>
public sealed class VisionApiTests(VisionApiTests.Fixture fixture) : IClassFixture<VisionApiTests.Fixture>
{
    private const string Classifier = VisionTaskServer.Classifier;
    private const string Detector = VisionTaskServer.Detector;
    private const string Features = VisionTaskServer.Features;

    private static byte[] RedPng => VisionTaskServer.RedPng;

    private static byte[] Png(int width, int height, byte r, byte g, byte b) => VisionTaskServer.Png(width, height, r, g, b);

    public static TheoryData<string> RedRequests() =>
    [
        "{\"base64\": \"" + Convert.ToBase64String(RedPng) + "\"}",
        "{\"base64\": \"data:image/png;base64," + Convert.ToBase64String(RedPng) + "\"}",
        "{\"input\": \"" + Convert.ToBase64String(RedPng) + "\"}",
        "{\"input\": {\"base64\": \"" + Convert.ToBase64String(RedPng) + "\"}}",
        "{\"url\": \"ORIGIN/red.png\"}",
        "{\"input\": \"ORIGIN/red.png\"}",
    ];

    [Theory]
    [MemberData(nameof(RedRequests))]
    public async Task ImageClassification_RedPng_InEveryForm_RedFirst(string json)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Classifier, fixture.WithOrigin(json));

        Assert.Equal(HttpStatusCode.OK, status);
        var output = AssertOutput(body);
        Assert.Equal(["red", "green", "blue"], output.EnumerateArray().Select(i => i.GetProperty("label").GetString()));
        var e = Math.E;
        Assert.Equal(e / (e + (2 / e)), output[0].GetProperty("score").GetDouble(), 1e-6);
    }

    [Fact]
    public async Task ObjectDetection_RedPng_TheCentreHalfOfTheOriginalImage()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Detector, fixture.WithOrigin("""{"url": "ORIGIN/red.png", "params": {"threshold": 0.9}}"""));

        Assert.Equal(HttpStatusCode.OK, status);
        var item = Assert.Single(AssertOutput(body).EnumerateArray());
        Assert.Equal("red", item.GetProperty("label").GetString());
        Assert.True(item.GetProperty("score").GetDouble() > 0.99);
        var box = item.GetProperty("box");
        Assert.Equal([10, 7, 30, 22], new[] { "xmin", "ymin", "xmax", "ymax" }.Select(k => box.GetProperty(k).GetInt32())); // 40×30: 7.5 → 7, 22.5 → 22
    }

    [Fact]
    public async Task ImageFeatureExtraction_RedPng_TokensAndPooled()
    {
        using var client = fixture.Server.CreateHttpClient();
        var base64 = Convert.ToBase64String(RedPng);

        var (status, body, _) = await PostAsync(client, Features, $$"""{"base64": "{{base64}}"}""");
        var (pooledStatus, pooled, _) = await PostAsync(client, Features, $$$"""{"base64": "{{{base64}}}", "params": {"pool": true}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.OK, pooledStatus);
        var tokens = AssertOutput(body);
        Assert.Equal(5, tokens.GetArrayLength()); // 32×32: CLS and 2×2 patches
        Assert.All(tokens.EnumerateArray(), t => Assert.Equal([1f, -1f, -1f], t.EnumerateArray().Select(v => v.GetSingle())));
        Assert.Equal([1f, -1f, -1f], Assert.Single(AssertOutput(pooled).EnumerateArray()).EnumerateArray().Select(v => v.GetSingle()));
    }

    public static TheoryData<string, string, HttpStatusCode> BadImages()
    {
        var png = Png(64, 64, 1, 2, 3);
        return new()
        {
            { Classifier, Convert.ToBase64String("plain text, not an image"u8.ToArray()), HttpStatusCode.UnsupportedMediaType },
            { Detector, Convert.ToBase64String(png[..(png.Length / 2)]), HttpStatusCode.BadRequest },
            { Features, Convert.ToBase64String(Png(400, 300, 9, 9, 9)), HttpStatusCode.RequestEntityTooLarge },
        };
    }

    [Theory]
    [MemberData(nameof(BadImages))]
    public async Task BadImages_NamedRefusals_Never500(string model, string base64, HttpStatusCode expected)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, model, $$"""{"base64": "{{base64}}"}""");

        Assert.Equal(expected, status);
        Assert.Contains("`base64`", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    /// <summary>One vision server for the class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private VisionTaskServer _vision = null!;

        /// <summary>The running server.</summary>
        public TestServer Server => _vision.Server;

        /// <summary>The request with <c>ORIGIN/</c> replaced by the origin's file URL prefix.</summary>
        public string WithOrigin(string json) => json.Replace("ORIGIN/red.png", _vision.RedPngUrl.ToString(), StringComparison.Ordinal);

        /// <inheritdoc />
        public async ValueTask InitializeAsync() => _vision = await VisionTaskServer.StartAsync();

        /// <inheritdoc />
        public async ValueTask DisposeAsync() => await _vision.DisposeAsync();
    }
}
