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

/// <summary>image-segmentation on the tiny segmenter, whose answers follow from its design (each 4×4 block's colour).</summary>
public sealed class ImageSegmentationPipelineTests
{
    private static readonly ImageSegmentationPipeline Pipeline = new(new MediaReader(new MediaLimits()));

    /// <summary>A 32×32 PNG, red on the left half and green on the right.</summary>
    public static byte[] RedGreen()
    {
        var rgb = new byte[32 * 32 * 3];
        for (var y = 0; y < 32; y++)
        {
            for (var x = 0; x < 32; x++)
            {
                rgb[(((y * 32) + x) * 3) + (x < 16 ? 0 : 1)] = 255;
            }
        }

        return PngEncoder.EncodeRgb(new RgbImage(32, 32, rgb));
    }

    [Fact]
    public async Task LeftRedRightGreen_GivesTwoMasksSplitAtTheMiddle()
    {
        var model = ImageSegmenterModelWriter.Write(TinyEncoderRun.NewFolder("seg-redgreen"), imageSize: 32);
        using var instance = await TensorModels.LoadAsync(model.Folder);
        var output = await Pipeline.RunAsync(instance, new RunRequest { Base64 = Convert.ToBase64String(RedGreen()) }, TestContext.Current.CancellationToken);
        var answer = Json(output);

        // The logits of a red block are (2.78, −1.50, −1.27, 1) and of a green one (−1.62, 2.93, −1.31, 1); upsampled
        // from 8 to 32 columns, x = 15 is 3/8 of the way to the green block (red 1.13 wins) and x = 16 is 5/8 (green 1.27).
        Assert.Equal(2, answer.GetArrayLength());
        Assert.Equal(["red", "green"], answer.EnumerateArray().Select(e => e.GetProperty("label").GetString()));
        foreach (var (entry, left) in answer.EnumerateArray().Zip([true, false]))
        {
            Assert.Equal(JsonValueKind.Null, entry.GetProperty("score").ValueKind);
            var mask = ImageDecoder.Decode(Convert.FromBase64String(entry.GetProperty("mask_png").GetString()!), new MediaLimits());
            Assert.Equal((32, 32), (mask.Width, mask.Height));
            for (var y = 0; y < 32; y++)
            {
                for (var x = 0; x < 32; x++)
                {
                    var expected = (x < 16) == left ? 255 : 0;
                    Assert.Equal(expected, mask.Rgb[((y * 32) + x) * 3]);
                }
            }
        }
    }

    [Fact]
    public void Segment_FirstMaximumWins()
    {
        // Two labels equal everywhere: label 0, as torch's argmax.
        var segmentation = ImageSegmentationPipeline.Segment([1f, 1f], 2, 1, 1, 2, 3, TestContext.Current.CancellationToken);
        Assert.All(segmentation, l => Assert.Equal(0, l));
    }

    [Theory]
    [InlineData("{\"subtask\": \"panoptic\"}", "semantic")]
    [InlineData("{\"subtask\": \"instance\"}", "semantic")]
    [InlineData("{\"subtask\": \"whatever\"}", "semantic")]
    [InlineData("{\"threshold\": \"high\"}", "threshold")]
    [InlineData("{\"top_k\": 3}", "top_k")]
    public async Task WrongParameters_AreRefusedNamingWhatIsSupported(string parameters, string named)
    {
        var model = ImageSegmenterModelWriter.Write(TinyEncoderRun.NewFolder("seg-params"), imageSize: 32);
        using var instance = await TensorModels.LoadAsync(model.Folder);
        var request = new RunRequest { Base64 = Convert.ToBase64String(RedGreen()), Params = JsonDocument.Parse(parameters).RootElement };
        var error = await Assert.ThrowsAsync<EngineException>(async () => await Pipeline.RunAsync(instance, request, TestContext.Current.CancellationToken));
        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("aGVsbG8gd29ybGQ=")]
    [InlineData("iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB")]
    public async Task NotAnImage_IsAClientError(string base64)
    {
        var model = ImageSegmenterModelWriter.Write(TinyEncoderRun.NewFolder("seg-bad"), imageSize: 32);
        using var instance = await TensorModels.LoadAsync(model.Folder);
        var error = await Assert.ThrowsAsync<EngineException>(async () => await Pipeline.RunAsync(instance, new RunRequest { Base64 = base64 }, TestContext.Current.CancellationToken));
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
