using System.Net;
using Bytez.Media;
using Bytez.Media.Images;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>depth-estimation through the real server on the tiny depth model (depth = brightness).</summary>
public sealed class DepthEstimationApiTests(DenseVisionFixture fixture) : IClassFixture<DenseVisionFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Run_BlackWhite_DepthPngAndFormattedArray(bool asInput)
    {
        using var client = fixture.Server.CreateHttpClient();
        var image = Convert.ToBase64String(DenseVisionServer.BlackWhite());
        var json = asInput ? $$"""{"input": "{{image}}"}""" : $$"""{"base64": "{{image}}"}""";

        var (status, body, _) = await PostAsync(client, DenseVisionServer.Depth, json);

        Assert.Equal(HttpStatusCode.OK, status);
        var output = AssertOutput(body);
        Assert.Equal(["depth_png", "formatted_predicted_depth_array"], output.EnumerateObject().Select(p => p.Name));
        var png = ImageDecoder.Decode(Convert.FromBase64String(output.GetProperty("depth_png").GetString()!), new MediaLimits());
        Assert.Equal((28, 28), (png.Width, png.Height));
        var rows = output.GetProperty("formatted_predicted_depth_array");
        Assert.Equal(28, rows.GetArrayLength());
        for (var x = 0; x < 28; x++)
        {
            Assert.Equal(x < 14 ? 0 : 255, png.Rgb[((3 * 28) + x) * 3]);
            Assert.Equal(x < 14 ? 0 : 255, rows[3][x].GetInt32());
        }
    }

    [Theory]
    [InlineData("""{"base64": "aGVsbG8gd29ybGQ="}""")]
    [InlineData("""{"input": [1, 2]}""")]
    [InlineData("""{"base64": "iVBORw0KGgo=", "params": {"x": 1}}""")]
    public async Task Run_Bad_IsAClientErrorNever500(string json)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, DenseVisionServer.Depth, json);

        Assert.True(status is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, $"{status}: {body}");
        AssertErrorEnvelope(body);
    }
}
