using System.Text.Json;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tensors;
using Bytez.Engine.Tests.Tensors;
using Bytez.Engine.Tests.TinyModels;
using Bytez.Media;
using Bytez.Media.Images;
using Bytez.Testing.TinyModels;
using static Bytez.Engine.Tests.Tasks.VisionRuns;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>
/// image-classification on the tiny real ONNX classifier whose logit k is the mean of channel k of pixel_values (ViT
/// processor: 224×224, mean and std 0.5), so a uniform colour's logits are (c / 255 − 0.5) / 0.5 per channel and every
/// expected score is closed-form; the rules are transformers 4.57's ImageClassificationPipeline.
/// </summary>
public sealed class ImageClassificationPipelineTests
{
    private static readonly ImageClassificationPipeline Pipeline = new(Reader());

    private static double Softmax(double[] logits, int k) => Math.Exp(logits[k]) / logits.Sum(Math.Exp);

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public async Task RedImage_Red_SoftmaxOfOneMinusOneMinusOne_SortedWithTiesInIdOrder()
    {
        using var instance = await LoadAsync("ic-red");

        var output = await RunAsync(Pipeline, instance, Request(Png(40, 30, 255, 0, 0)));

        Assert.Equal(["red", "green", "blue"], Labels(output));
        double[] logits = [1, -1, -1];
        AssertScore(Softmax(logits, 0), output[0]);
        AssertScore(Softmax(logits, 1), output[1]);
        AssertScore(Softmax(logits, 2), output[2]);
    }

    [Fact]
    public async Task MixedColour_SortedByScore_TopK1_TopKAboveTheLabelCountGivesThemAll()
    {
        using var instance = await LoadAsync("ic-mixed");
        var png = Png(17, 23, 60, 90, 200);

        var all = await RunAsync(Pipeline, instance, Request(png, """{"top_k": 10}"""));
        var one = await RunAsync(Pipeline, instance, Request(png, """{"top_k": 1}"""));

        Assert.Equal(["blue", "green", "red"], Labels(all));
        var logits = ImageClassifierModel.LogitsOfColour(60, 90, 200).Select(x => (double)x).ToArray();
        // The model's float32 ReduceMean over 224×224 values of a fraction drifts by about 1e-5.
        AssertScore(Softmax(logits, 2), all[0], 1e-4);
        AssertScore(Softmax(logits, 0), all[2], 1e-4);
        Assert.Equal(["blue"], Labels(one));
    }

    [Fact]
    public async Task FunctionToApply_SigmoidAndNone_AndMultiLabelModelsDefaultToSigmoid()
    {
        using var instance = await LoadAsync("ic-functions");
        using var multiLabel = await LoadAsync("ic-multi-label", "multi_label_classification");
        var png = Png(8, 8, 255, 0, 0);

        var sigmoid = await RunAsync(Pipeline, instance, Request(png, """{"function_to_apply": "sigmoid"}"""));
        var none = await RunAsync(Pipeline, instance, Request(png, """{"function_to_apply": "NONE"}"""));
        var auto = await RunAsync(Pipeline, multiLabel, Request(png));

        AssertScore(Sigmoid(1), sigmoid[0]);
        AssertScore(Sigmoid(-1), sigmoid[1]);
        Assert.Equal([1.0, -1.0, -1.0], none.EnumerateArray().Select(i => i.GetProperty("score").GetDouble()));
        AssertScore(Sigmoid(1), auto[0]);
    }

    [Fact]
    public async Task PixelValues_AreTheRealImageProcessors_OfARandomImage()
    {
        using var instance = await LoadAsync("ic-random");
        var image = VisionRuns.Random(50, 31, seed: 7);
        var processor = new ImageProcessor(ImageProcessorConfig.Parse(File.ReadAllBytes(Path.Combine(instance.Model.Path, "preprocessor_config.json"))));
        var pixels = processor.Preprocess(image);

        var output = await RunAsync(Pipeline, instance, Request(PngEncoder.EncodeRgb(image), """{"function_to_apply": "none"}"""));

        Assert.Equal(224, pixels.Height);
        var expected = ImageClassifierModel.Logits(pixels.PixelValues, 224, 224);
        foreach (var item in output.EnumerateArray())
        {
            var k = ImageClassifierModelWriter.Labels.ToList().IndexOf(item.GetProperty("label").GetString()!);
            Assert.Equal(expected[k], item.GetProperty("score").GetDouble(), 1e-5);
        }
    }

    [Fact]
    public async Task ListOfImages_OneSortedListPerImage_InOrder()
    {
        using var instance = await LoadAsync("ic-list");
        var red = Convert.ToBase64String(Png(9, 9, 255, 0, 0));
        var green = "data:image/png;base64," + Convert.ToBase64String(Png(12, 5, 0, 255, 0));

        var output = await RunAsync(Pipeline, instance, $$$"""{"input": ["{{{red}}}", {"base64": "{{{green}}}"}], "params": {"top_k": 1}}""");

        Assert.Equal(2, output.GetArrayLength());
        Assert.Equal(["red"], Labels(output[0]));
        Assert.Equal(["green"], Labels(output[1]));
    }

    [Theory]
    [InlineData("""{"top_k": 0}""", "top_k")]
    [InlineData("""{"function_to_apply": "relu"}""", "function_to_apply")]
    [InlineData("""{"threshold": 0.5}""", "supported parameters: top_k, function_to_apply")]
    public async Task BadParameters_BadInputNamingThem(string parameters, string expected)
    {
        using var instance = await LoadAsync("ic-bad-params");

        var e = await Assert.ThrowsAsync<EngineException>(() => RunAsync(Pipeline, instance, Request(Png(4, 4, 1, 2, 3), parameters)));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadImages_GarbageIs415_TruncatedIs400_TooManyPixelsIs413()
    {
        using var instance = await LoadAsync("ic-bad-images");
        var png = Png(64, 64, 10, 20, 30);
        var small = new ImageClassificationPipeline(Reader(new MediaLimits { MaxPixels = 1000 }));

        var garbage = await Assert.ThrowsAsync<EngineException>(() => RunAsync(Pipeline, instance, Request("not an image at all"u8.ToArray())));
        var truncated = await Assert.ThrowsAsync<EngineException>(() => RunAsync(Pipeline, instance, Request(png[..(png.Length / 2)])));
        var bomb = await Assert.ThrowsAsync<EngineException>(() => RunAsync(small, instance, Request(png)));

        Assert.Equal(EngineErrorKind.UnsupportedMediaType, garbage.Kind);
        Assert.Equal(EngineErrorKind.BadInput, truncated.Kind);
        Assert.Equal(EngineErrorKind.TooLarge, bomb.Kind);
        Assert.Contains("`base64`", truncated.Message, StringComparison.Ordinal);
    }

    private static async Task<ITensorInstance> LoadAsync(string name, string? problemType = null) =>
        await TensorModels.LoadAsync(ImageClassifierModelWriter.Write(TinyEncoderRun.NewFolder(name), problemType: problemType).Folder);

    private static List<string> Labels(JsonElement list) => list.EnumerateArray().Select(i => i.GetProperty("label").GetString()!).ToList();

    /// <summary>The score is a float32 value (widened to double) within float32 precision of the closed form.</summary>
    private static void AssertScore(double expected, JsonElement item, double tolerance = 1e-6)
    {
        var score = item.GetProperty("score").GetDouble();
        Assert.Equal((double)(float)score, score);
        Assert.Equal(expected, score, tolerance);
    }
}
