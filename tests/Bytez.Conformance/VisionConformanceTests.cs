using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>
/// image-classification, object-detection and image-feature-extraction through the official bytez.js 3.0.0 client
/// and our SDK against a real server with the tiny vision models (<see cref="VisionTaskServer"/>): the same answers
/// from the designs (a red image is "red"; the detector's box is the centre half of the 40 × 30 original).
/// </summary>
public sealed class VisionConformanceTests(VisionConformanceTests.Fixture fixture) : IClassFixture<VisionConformanceTests.Fixture>
{
    private static readonly double RedScore = Math.E / (Math.E + (2 / Math.E));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TestServer Server => fixture.Vision.Server;

    private BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = Server.ApiBase });

    [Fact]
    public async Task JsClient_ImageClassification_Base64AndUrl_Red()
    {
        var fromBase64 = await OfficialJsClient.CallAsync(Server, "run", new { modelId = VisionTaskServer.Classifier, input = Convert.ToBase64String(VisionTaskServer.RedPng) });
        var fromUrl = await OfficialJsClient.CallAsync(Server, "run", new { modelId = VisionTaskServer.Classifier, input = fixture.Vision.RedPngUrl.ToString() });

        foreach (var result in new[] { fromBase64, fromUrl })
        {
            Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
            var first = result.GetProperty("output")[0];
            Assert.Equal("red", first.GetProperty("label").GetString());
            Assert.Equal(RedScore, first.GetProperty("score").GetDouble(), 1e-6);
        }
    }

    [Fact]
    public async Task JsClient_ObjectDetection_TheCentreHalfBox()
    {
        var result = await OfficialJsClient.CallAsync(Server, "run", new { modelId = VisionTaskServer.Detector, input = Convert.ToBase64String(VisionTaskServer.RedPng) });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var item = Assert.Single(result.GetProperty("output").EnumerateArray());
        Assert.Equal("red", item.GetProperty("label").GetString());
        var box = item.GetProperty("box");
        Assert.Equal([10, 7, 30, 22], new[] { "xmin", "ymin", "xmax", "ymax" }.Select(k => box.GetProperty(k).GetInt32()));
    }

    [Fact]
    public async Task Sdk_BytezMedia_ClassificationAndFeatures_TheSameAnswers()
    {
        using var client = CreateClient();
        var media = BytezMedia.FromBytes(VisionTaskServer.RedPng, "image/png");

        var labels = (await client.Model(VisionTaskServer.Classifier).RunAsync(media, cancellationToken: Ct)).GetLabels();
        var features = (await client.Model(VisionTaskServer.Features).RunAsync(BytezMedia.FromUrl(fixture.Vision.RedPngUrl), cancellationToken: Ct)).GetEmbeddings();

        Assert.Equal(["red", "green", "blue"], labels.Select(l => l.Label));
        Assert.Equal(RedScore, labels[0].Score, 1e-6);
        // The backbone's tokens: the channel means of the image and of each 16×16 patch; red everywhere.
        Assert.Equal(5, features.Length);
        Assert.All(features, t => Assert.Equal([1f, -1f, -1f], t));
    }

    [Fact]
    public async Task Sdk_GetDetections_TheCentreHalfBox_WithTheSoftmaxOfTheRedDesign()
    {
        using var client = CreateClient();

        var detections = (await client.Model(VisionTaskServer.Detector).RunAsync(BytezMedia.FromBytes(VisionTaskServer.RedPng, "image/png"), cancellationToken: Ct)).GetDetections();

        // Query 0's logits are 4 × the ImageNet-normalized channel means of pure red, and 0 for "no object"; queries 1
        // and 2 stay under the 0.5 threshold. Its box is the centre half of the 40 × 30 original, truncated to pixels.
        var detection = Assert.Single(detections);
        Assert.Equal("red", detection.Label);
        double r = 4 * (1 - 0.485) / 0.229, g = 4 * (0 - 0.456) / 0.224, b = 4 * (0 - 0.406) / 0.225;
        Assert.Equal(Math.Exp(r) / (Math.Exp(r) + Math.Exp(g) + Math.Exp(b) + 1), detection.Score, 1e-5);
        Assert.Equal((10d, 7d, 30d, 22d), (detection.Box.XMin, detection.Box.YMin, detection.Box.XMax, detection.Box.YMax));
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
