using System.Text.Json;
using Bytez.Media;
using Bytez.Media.Images;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>
/// image-segmentation and depth-estimation through the official bytez.js client and through our SDK's
/// <see cref="BytezMedia"/>, on the tiny models of <see cref="DenseVisionServer"/> (answers from their designs).
/// </summary>
public sealed class DenseVisionConformanceTests(DenseVisionFixture fixture) : IClassFixture<DenseVisionFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = fixture.Server.ApiBase });

    [Fact]
    public async Task JsClient_Segmentation_RedAndGreenMasks()
    {
        var input = "data:image/png;base64," + Convert.ToBase64String(DenseVisionServer.RedGreen());
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = DenseVisionServer.Segmenter, input });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var entries = result.GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(["red", "green"], entries.Select(e => e.GetProperty("label").GetString()));
        Assert.All(entries, e => Assert.Equal(JsonValueKind.Null, e.GetProperty("score").ValueKind));
        Assert.All(entries, e => Assert.StartsWith("iVBORw0KGgo", e.GetProperty("mask_png").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task JsClient_Depth_PngAndArray()
    {
        var input = Convert.ToBase64String(DenseVisionServer.BlackWhite());
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = DenseVisionServer.Depth, input });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var output = result.GetProperty("output");
        Assert.StartsWith("iVBORw0KGgo", output.GetProperty("depth_png").GetString(), StringComparison.Ordinal);
        var rows = output.GetProperty("formatted_predicted_depth_array");
        Assert.Equal(28, rows.GetArrayLength());
        Assert.Equal(0, rows[0][0].GetInt32());
        Assert.Equal(255, rows[0][27].GetInt32());
    }

    [Fact]
    public async Task Sdk_GetSegments_RedAndGreenMasks_SplitAtTheMiddle()
    {
        using var client = CreateClient();

        var segments = (await client.Model(DenseVisionServer.Segmenter).RunAsync(BytezMedia.FromBytes(DenseVisionServer.RedGreen(), "image/png"), cancellationToken: Ct)).GetSegments();

        // The segmenter's logit of a label is its channel's mean above the mean of the three: red wins on the left half,
        // green on the right (the boundary of the upsampled logits falls between pixels 15 and 16).
        Assert.Equal(["red", "green"], segments.Select(s => s.Label));
        Assert.All(segments, s => Assert.Null(s.Score));
        var red = ImageDecoder.Decode(segments[0].MaskPng, new MediaLimits());
        var green = ImageDecoder.Decode(segments[1].MaskPng, new MediaLimits());
        Assert.Equal((32, 32), (red.Width, red.Height));
        for (var x = 0; x < 32; x++)
        {
            Assert.Equal(x < 16 ? 255 : 0, red.Rgb[((7 * 32) + x) * 3]);
            Assert.Equal(x < 16 ? 0 : 255, green.Rgb[((7 * 32) + x) * 3]);
        }
    }

    [Fact]
    public async Task Sdk_GetDepth_BlackNearWhiteFar_InThePngAndTheRows()
    {
        using var client = CreateClient();

        var depth = (await client.Model(DenseVisionServer.Depth).RunAsync(BytezMedia.FromBytes(DenseVisionServer.BlackWhite(), "image/png"), cancellationToken: Ct)).GetDepth();

        // depth = brightness (the mean of the normalized channels): the black half is the minimum (0 in the PNG's min-max
        // scaling; negative, so 0, in d · 255 / max d) and the white half the maximum (255 in both).
        var png = ImageDecoder.Decode(depth.DepthPng, new MediaLimits());
        Assert.Equal((28, 28), (png.Width, png.Height));
        Assert.Equal(28, depth.FormattedPredictedDepthArray.Count);
        Assert.All(depth.FormattedPredictedDepthArray, row => Assert.Equal(Enumerable.Range(0, 28).Select(x => x < 14 ? 0 : 255), row));
        Assert.Equal(Enumerable.Range(0, 28).Select(x => x < 14 ? 0 : 255), Enumerable.Range(0, 28).Select(x => (int)png.Rgb[((20 * 28) + x) * 3]));
    }
}

/// <summary>One <see cref="DenseVisionServer"/> per test class.</summary>
public sealed class DenseVisionFixture : IAsyncLifetime
{
    /// <summary>The server with the tiny segmenter and depth model.</summary>
    public DenseVisionServer Vision { get; private set; } = null!;

    /// <summary>The running server.</summary>
    public TestServer Server => Vision.Server;

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => Vision = await DenseVisionServer.StartAsync();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Vision.DisposeAsync();
}
