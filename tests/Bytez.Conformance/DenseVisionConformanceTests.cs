using System.Text.Json;
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
    public async Task Sdk_BytezMedia_SegmentationAndDepth()
    {
        using var client = CreateClient();

        var segments = await client.Model(DenseVisionServer.Segmenter).RunAsync(BytezMedia.FromBytes(DenseVisionServer.RedGreen(), "image/png"), cancellationToken: Ct);
        var depth = await client.Model(DenseVisionServer.Depth).RunAsync(BytezMedia.FromBytes(DenseVisionServer.BlackWhite(), "image/png"), cancellationToken: Ct);

        var labels = segments.EnsureSuccess().Output!.Value.EnumerateArray().Select(e => e.GetProperty("label").GetString());
        Assert.Equal(["red", "green"], labels);
        var rows = depth.EnsureSuccess().Output!.Value.GetProperty("formatted_predicted_depth_array");
        Assert.Equal(255, rows[27][27].GetInt32());
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
