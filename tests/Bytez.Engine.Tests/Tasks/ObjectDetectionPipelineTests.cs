using System.Text.Json;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tensors;
using Bytez.Engine.Tests.Tensors;
using Bytez.Engine.Tests.TinyModels;
using Bytez.Testing.TinyModels;
using static Bytez.Engine.Tests.Tasks.VisionRuns;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>
/// object-detection on the tiny real DETR-shaped ONNX detector (query 0: logits 4 × the channel means, box the centre
/// half; query 1: no object; query 2: red with probability e^0.5 / (2e^0.5 + 2); fixed boxes), so every expected
/// detection is closed-form for a given image size; the rules are transformers 4.57's ObjectDetectionPipeline and
/// DETR's post_process_object_detection (query order, boxes in pixels of the original image truncated by int()).
/// </summary>
public sealed class ObjectDetectionPipelineTests
{
    private static readonly ObjectDetectionPipeline Pipeline = new(Reader());

    /// <summary>The channel means of a uniform red image after DETR's processor: (c/255 − mean) / std, in float32.</summary>
    private static readonly float[] RedMeans =
    [
        (1f - 0.485f) / 0.229f,
        (0f - 0.456f) / 0.224f,
        (0f - 0.406f) / 0.225f,
    ];

    private static double SoftmaxFirst(IReadOnlyList<float> logits) => Math.Exp(logits[0]) / logits.Sum(x => Math.Exp(x));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RedImage_OneRedBox_TheCentreHalfInPixelsOfTheOriginal_Truncated(bool pixelMask)
    {
        using var instance = await LoadAsync("od-red-" + pixelMask, pixelMask);

        // 199 × 99: the centre half is x 49.75..149.25, y 24.75..74.25, which int() truncates.
        var output = await RunAsync(Pipeline, instance, Request(Png(199, 99, 255, 0, 0)));

        var item = Assert.Single(output.EnumerateArray());
        Assert.Equal(["score", "label", "box"], item.EnumerateObject().Select(p => p.Name));
        Assert.Equal("red", item.GetProperty("label").GetString());
        var score = item.GetProperty("score").GetDouble();
        Assert.Equal((double)(float)score, score);
        Assert.Equal(SoftmaxFirst(ObjectDetectorModel.Logits(RedMeans)[0]), score, 1e-6);
        AssertBox(item, 49, 24, 149, 74);
    }

    [Fact]
    public async Task LowerThreshold_AddsQueryTwo_InQueryOrder_NotSortedByScore()
    {
        using var instance = await LoadAsync("od-threshold");

        var output = await RunAsync(Pipeline, instance, Request(Png(199, 99, 0, 0, 255), """{"threshold": 0.3}"""));

        Assert.Equal(2, output.GetArrayLength());
        Assert.Equal("blue", output[0].GetProperty("label").GetString());
        Assert.Equal("red", output[1].GetProperty("label").GetString());
        Assert.Equal(Math.Exp(0.5) / ((2 * Math.Exp(0.5)) + 2), output[1].GetProperty("score").GetDouble(), 1e-6);
        // Query 2's box (0.75, 0.75, 0.2, 0.2) in float32, scaled to 199 × 99 and truncated.
        AssertBox(output[1], (int)((0.75f - (0.5f * 0.2f)) * 199), (int)((0.75f - (0.5f * 0.2f)) * 99), (int)((0.75f + (0.5f * 0.2f)) * 199), (int)((0.75f + (0.5f * 0.2f)) * 99));
    }

    [Fact]
    public async Task BlackImage_QueryZeroBelowTheThreshold_NoDetections()
    {
        using var instance = await LoadAsync("od-grey");

        // Black normalizes to about (-2.1, -2.0, -1.8): query 0's logits [-8.5, -8.1, -7.2, 0] leave every class near 0.001.
        var output = await RunAsync(Pipeline, instance, Request(Png(20, 20, 0, 0, 0)));

        Assert.Equal(0, output.GetArrayLength());
    }

    [Theory]
    [InlineData("""{"threshold": 1.5}""", "threshold")]
    [InlineData("""{"threshold": "high"}""", "threshold")]
    [InlineData("""{"top_k": 3}""", "supported parameters: threshold")]
    public async Task BadParameters_BadInputNamingThem(string parameters, string expected)
    {
        using var instance = await LoadAsync("od-bad-params");

        var e = await Assert.ThrowsAsync<EngineException>(() => RunAsync(Pipeline, instance, Request(Png(4, 4, 1, 2, 3), parameters)));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    private static async Task<ITensorInstance> LoadAsync(string name, bool pixelMask = false) =>
        await TensorModels.LoadAsync(ObjectDetectorModelWriter.Write(TinyEncoderRun.NewFolder(name), pixelMask, shortestEdge: 64, longestEdge: 128).Folder);

    private static void AssertBox(JsonElement item, int xmin, int ymin, int xmax, int ymax)
    {
        var box = item.GetProperty("box");
        Assert.Equal(["xmin", "ymin", "xmax", "ymax"], box.EnumerateObject().Select(p => p.Name));
        Assert.Equal([xmin, ymin, xmax, ymax], box.EnumerateObject().Select(p => p.Value.GetInt32()));
    }
}
