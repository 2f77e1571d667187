using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tests.Tensors;
using Bytez.Media;
using Bytez.Media.Images;
using Bytez.Protocol;
using Bytez.Engine.Tests.TinyModels;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>depth-estimation on the tiny depth model, whose depth is each pixel's brightness by design.</summary>
public sealed class DepthEstimationPipelineTests
{
    private static readonly DepthEstimationPipeline Pipeline = new(new MediaReader(new MediaLimits()));

    /// <summary>A 28×28 PNG, black on the left half and white on the right.</summary>
    public static byte[] BlackWhite()
    {
        var rgb = new byte[28 * 28 * 3];
        for (var y = 0; y < 28; y++)
        {
            for (var x = 14; x < 28; x++)
            {
                rgb[((y * 28) + x) * 3] = rgb[(((y * 28) + x) * 3) + 1] = rgb[(((y * 28) + x) * 3) + 2] = 255;
            }
        }

        return PngEncoder.EncodeRgb(new RgbImage(28, 28, rgb));
    }

    [Fact]
    public async Task BlackAndWhite_DepthIsTheBrightnessScaled()
    {
        // 28×28 at size 28 (a multiple of 14): no resize, and bicubic to the same size is the identity, so the depth is
        // the design's brightness: the minimum on black, the maximum on white.
        var model = DepthModelWriter.Write(TinyEncoderRun.NewFolder("depth-bw"), imageSize: 28);
        using var instance = await TensorModels.LoadAsync(model.Folder);
        var output = await Pipeline.RunAsync(instance, new RunRequest { Base64 = Convert.ToBase64String(BlackWhite()) }, TestContext.Current.CancellationToken);
        var answer = Json(output);

        var png = ImageDecoder.Decode(Convert.FromBase64String(answer.GetProperty("depth_png").GetString()!), new MediaLimits());
        Assert.Equal((28, 28), (png.Width, png.Height));
        var rows = answer.GetProperty("formatted_predicted_depth_array");
        Assert.Equal(28, rows.GetArrayLength());
        for (var y = 0; y < 28; y++)
        {
            var row = rows[y];
            Assert.Equal(28, row.GetArrayLength());
            for (var x = 0; x < 28; x++)
            {
                var white = x >= 14;
                Assert.Equal(white ? 255 : 0, png.Rgb[((y * 28) + x) * 3]);

                // Black's brightness is negative after ImageNet normalization (0 after the container's cast); white's is the maximum.
                Assert.Equal(white ? 255 : 0, row[x].GetInt32());
            }
        }
    }

    [Fact]
    public void DepthImage_TruncatesAsNumpy()
    {
        // (d − 0) / (10 − 0) · 255: 2.55 → 2 (truncated), 127.5 → 127, 255 → 255.
        Assert.Equal([0, 2, 127, 255], DepthEstimationPipeline.DepthImage([0f, 0.1f, 5f, 10f]));
        Assert.Equal([0, 0, 0], DepthEstimationPipeline.DepthImage([3f, 3f, 3f]));
        Assert.Equal([0, 127, 255], DepthEstimationPipeline.Formatted([-1f, 2f, 4f]));
    }

    [Fact]
    public async Task NotAnImage_IsAClientError()
    {
        var model = DepthModelWriter.Write(TinyEncoderRun.NewFolder("depth-bad"), imageSize: 28);
        using var instance = await TensorModels.LoadAsync(model.Folder);
        var error = await Assert.ThrowsAsync<EngineException>(async () => await Pipeline.RunAsync(instance, new RunRequest { Base64 = "aGVsbG8gd29ybGQ=" }, TestContext.Current.CancellationToken));
        Assert.True(error.Kind is EngineErrorKind.BadInput or EngineErrorKind.UnsupportedMediaType, error.Kind + ": " + error.Message);
    }

    private static JsonElement Json(TaskOutput output)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            output.WriteTo(writer);
        }

        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }
}
