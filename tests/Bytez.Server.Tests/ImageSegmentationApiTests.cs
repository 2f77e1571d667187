using System.Net;
using System.Text.Json;
using Bytez.Media;
using Bytez.Media.Images;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>image-segmentation through the real server on the tiny segmenter (each 4×4 block labelled by its colour).</summary>
public sealed class ImageSegmentationApiTests(DenseVisionFixture fixture) : IClassFixture<DenseVisionFixture>
{
    public static TheoryData<string> Bodies => new()
    {
        $$"""{"base64": "{{Convert.ToBase64String(DenseVisionServer.RedGreen())}}"}""",
        $$"""{"base64": "data:image/png;base64,{{Convert.ToBase64String(DenseVisionServer.RedGreen())}}"}""",
        $$"""{"input": "{{Convert.ToBase64String(DenseVisionServer.RedGreen())}}"}""",
        $$$"""{"input": {"base64": "{{{Convert.ToBase64String(DenseVisionServer.RedGreen())}}}"}, "params": {"subtask": "semantic", "threshold": 0.5}}""",
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Run_RedGreen_TwoMasksSplitAtTheMiddle(string json)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, DenseVisionServer.Segmenter, json);

        Assert.Equal(HttpStatusCode.OK, status);
        var entries = AssertOutput(body).EnumerateArray().ToList();
        Assert.Equal(["red", "green"], entries.Select(e => e.GetProperty("label").GetString()));
        Assert.All(entries, e => Assert.Equal(["label", "score", "mask_png"], e.EnumerateObject().Select(p => p.Name)));
        Assert.All(entries, e => Assert.Equal(JsonValueKind.Null, e.GetProperty("score").ValueKind));
        var red = ImageDecoder.Decode(Convert.FromBase64String(entries[0].GetProperty("mask_png").GetString()!), new MediaLimits());
        Assert.Equal((32, 32), (red.Width, red.Height));
        Assert.Equal(255, red.Rgb[(5 * 32 + 15) * 3]);
        Assert.Equal(0, red.Rgb[(5 * 32 + 16) * 3]);
    }

    [Theory]
    [InlineData("""{"base64": "aGVsbG8gd29ybGQ="}""")]
    [InlineData("""{"base64": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"}""")]
    [InlineData("""{"base64": "!!!"}""")]
    [InlineData("""{"input": 42}""")]
    [InlineData("""{"text": "a picture"}""")]
    public async Task Run_NotAnImage_IsAClientErrorNever500(string json)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, DenseVisionServer.Segmenter, json);

        Assert.True(status is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, $"{status}: {body}");
        AssertErrorEnvelope(body);
    }

    [Fact]
    public async Task Run_Panoptic_Is400NamingSemantic()
    {
        using var client = fixture.Server.CreateHttpClient();
        var json = $$$"""{"base64": "{{{Convert.ToBase64String(DenseVisionServer.RedGreen())}}}", "params": {"subtask": "panoptic"}}""";

        var (status, body, _) = await PostAsync(client, DenseVisionServer.Segmenter, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("semantic", AssertErrorEnvelope(body), StringComparison.Ordinal);
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
