using System.Text.Json;
using Bytez.Engine.Onnx;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tensors;
using Bytez.Engine.Tests.Tensors;
using Bytez.Engine.Tests.TinyModels;
using Bytez.Protocol;
using Bytez.Testing.TinyModels;
using static Bytez.Engine.Tests.Tasks.VisionRuns;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>
/// zero-shot-image-classification on the tiny CLIP- and SigLIP-shaped dual encoders (<see cref="DualEncoderModelWriter"/>:
/// image = channel means, text = a sum of token rows, <c>logits_per_image = scale · image · text + bias</c>), so every
/// expected score is closed-form; the rules are transformers 4.57's ZeroShotImageClassificationPipeline.
/// </summary>
public sealed class ZeroShotImageClassificationPipelineTests
{
    private static readonly ZeroShotImageClassificationPipeline Pipeline = new(Reader());

    private static readonly string[] DefaultTemplateWords = ["this", "is", "a", "photo", "of"];

    [Fact]
    public async Task Clip_SoftmaxOverTheLabels_OfTheDefaultTemplate_LabelsOfDifferentLengthsMasked()
    {
        var (model, instance) = await LoadAsync("zsic-clip", DualEncoderStyle.Clip);
        using var _ = instance;
        string[] labels = ["blue", "red", "dark green", "cat"];

        var output = await RunAsync(Pipeline, instance, Request(Png(40, 30, 200, 120, 90), labels));

        var means = model.MeansOfColour(200, 120, 90);
        var logits = labels.Select(l => model.Logit(means, [.. DefaultTemplateWords, .. l.Split(' ')])).ToArray();
        var expected = Softmax(logits);
        Assert.Equal(["red", "dark green", "cat", "blue"], Labels(output)); // red > green > none > blue for this colour
        foreach (var item in output.EnumerateArray())
        {
            AssertScore(expected[Array.IndexOf(labels, item.GetProperty("label").GetString())], item);
        }
    }

    [Fact]
    public async Task Clip_ATemplateWithoutTheLabel_GivesEqualScoresInLabelOrder()
    {
        var (_, instance) = await LoadAsync("zsic-clip-template", DualEncoderStyle.Clip);
        using var _ = instance;

        var output = await RunAsync(Pipeline, instance, Request(Png(8, 8, 255, 0, 0), ["blue", "red", "green"], """{"hypothesis_template": "a photo"}"""));

        Assert.Equal(["blue", "red", "green"], Labels(output)); // equal scores keep the labels' order (a stable sort)
        Assert.All(output.EnumerateArray(), item => AssertScore(1.0 / 3, item));
    }

    [Fact]
    public async Task Siglip_SigmoidOfEachLabel_TemplateWordsAndPaddingTo64Count()
    {
        var (model, instance) = await LoadAsync("zsic-siglip", DualEncoderStyle.Siglip);
        using var _ = instance;
        string[] labels = ["green", "red", "blue", "cat"];
        // Channel means (0.80, 0.10, −0.06): red, then green, then "cat" (its words add nothing), then blue.

        var output = await RunAsync(Pipeline, instance, Request(Png(16, 20, 230, 140, 120), labels));
        var bare = await RunAsync(Pipeline, instance, Request(Png(16, 20, 230, 140, 120), labels, """{"hypothesis_template": "{}"}"""));

        var means = model.MeansOfColour(230, 140, 120);
        Assert.Equal(["red", "green", "cat", "blue"], Labels(output));
        foreach (var item in output.EnumerateArray())
        {
            // "This is a photo of red." → "▁this ▁is ▁a ▁photo ▁of ▁red </s>" and 57 pads (punctuation removed, lowercased).
            AssertScore(Sigmoid(model.Logit(means, [.. DefaultTemplateWords, item.GetProperty("label").GetString()!])), item);
        }

        foreach (var item in bare.EnumerateArray())
        {
            AssertScore(Sigmoid(model.Logit(means, [item.GetProperty("label").GetString()!])), item);
        }

        Assert.NotEqual(output[0].GetProperty("score").GetDouble(), bare[0].GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task Siglip_ALabelOverSixtyFourTokens_IsTruncatedTo64()
    {
        var (model, instance) = await LoadAsync("zsic-siglip-long", DualEncoderStyle.Siglip);
        using var _ = instance;
        // 62 × "cat" then "red red": truncated to 64 tokens it keeps one "red" (62 + 1 words + </s>), untruncated two.
        var longLabel = string.Join(' ', [.. Enumerable.Repeat("cat", 62), "red", "red"]);

        var output = await RunAsync(Pipeline, instance, Request(Png(8, 8, 200, 100, 100), [longLabel], """{"hypothesis_template": "{}"}"""));

        var means = model.MeansOfColour(200, 100, 100);
        AssertScore(Sigmoid(model.Logit(means, [.. Enumerable.Repeat("cat", 62), "red"])), output[0]);
    }

    [Fact]
    public async Task Clip_AHypothesisLongerThanThePositions_IsBadInputNamingTheLimit()
    {
        var (_, instance) = await LoadAsync("zsic-clip-long", DualEncoderStyle.Clip);
        using var _ = instance;

        var e = await Assert.ThrowsAsync<EngineException>(() =>
            RunAsync(Pipeline, instance, Request(Png(8, 8, 1, 2, 3), ["red", string.Join(' ', Enumerable.Repeat("blue", 80))])));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("max_position_embeddings", e.Message, StringComparison.Ordinal);
        Assert.Contains("77", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LabelsIn_Input_TopLevel_OrParams_AndAListOfImages_OneListPerImage()
    {
        var (_, instance) = await LoadAsync("zsic-forms", DualEncoderStyle.Clip);
        using var _ = instance;
        var red = Convert.ToBase64String(Png(9, 9, 255, 0, 0));
        var blue = "data:image/png;base64," + Convert.ToBase64String(Png(5, 12, 0, 0, 255));

        var inInput = await RunAsync(Pipeline, instance, $$$"""{"input": {"base64": "{{{red}}}", "candidate_labels": ["green", "red"]}}""");
        var topLevel = await RunAsync(Pipeline, instance, $$"""{"url": null, "base64": "{{red}}", "candidate_labels": ["green", "red"]}""");
        var inParams = await RunAsync(Pipeline, instance, $$$"""{"input": "{{{red}}}", "params": {"candidate_labels": "green, red"}}""");
        var list = await RunAsync(Pipeline, instance, $$$"""{"input": ["{{{red}}}", {"base64": "{{{blue}}}"}], "candidate_labels": ["red", "blue"]}""");

        Assert.Equal(["red", "green"], Labels(inInput));
        Assert.Equal(inInput.GetRawText(), topLevel.GetRawText());
        Assert.Equal(inInput.GetRawText(), inParams.GetRawText());
        Assert.Equal(2, list.GetArrayLength());
        Assert.Equal("red", list[0][0].GetProperty("label").GetString());
        Assert.Equal("blue", list[1][0].GetProperty("label").GetString());
    }

    [Theory]
    [InlineData("""{"base64": "IMG"}""", "needs `candidate_labels`")]
    [InlineData("""{"base64": "IMG", "candidate_labels": []}""", "at least one candidate label")]
    [InlineData("""{"base64": "IMG", "params": {"candidate_labels": 3}}""", "`params.candidate_labels` as a list of strings")]
    [InlineData("""{"base64": "IMG", "params": {"candidate_labels": ["red", 1]}}""", "`params.candidate_labels` as a list of strings")]
    [InlineData("""{"input": {"base64": "IMG", "candidate_labels": {"a": 1}}}""", "`input.candidate_labels` as a list of strings")]
    [InlineData("""{"input": {"base64": "IMG", "candidate_labels": ["red"]}, "candidate_labels": ["red"]}""", "`candidate_labels` once")]
    [InlineData("""{"input": [{"base64": "IMG", "candidate_labels": ["red"]}]}""", "one set of `candidate_labels`")]
    [InlineData("""{"base64": "IMG", "candidate_labels": ["red"], "params": {"hypothesis_template": 5}}""", "hypothesis_template")]
    [InlineData("""{"base64": "IMG", "candidate_labels": ["red"], "params": {"hypothesis_template": "a {name}"}}""", "hypothesis_template")]
    [InlineData("""{"base64": "IMG", "candidate_labels": ["red"], "params": {"top_k": 1}}""", "candidate_labels, hypothesis_template")]
    public async Task BadInput_IsA400NamingWhatIsExpected(string request, string expected)
    {
        var (_, instance) = await LoadAsync("zsic-bad", DualEncoderStyle.Clip);
        using var _ = instance;
        var json = request.Replace("IMG", Convert.ToBase64String(Png(4, 4, 1, 2, 3)), StringComparison.Ordinal);

        var e = await Assert.ThrowsAsync<EngineException>(() => RunAsync(Pipeline, instance, json));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentRequests_UnderDynamicBatching_RunAsSeparateFeeds_EachWithItsOwnAnswer()
    {
        var model = DualEncoderModelWriter.Write(TinyEncoderRun.NewFolder("zsic-concurrent"), DualEncoderStyle.Siglip);
        using var instance = await TensorModels.LoadAsync(model.Folder, new OnnxRuntimeOptions { Sessions = 1, MaxBatchSize = 8, DynamicBatching = true });
        (byte R, byte G, byte B)[] colours = [(250, 10, 10), (10, 250, 10), (10, 10, 250), (120, 130, 140)];

        var outputs = await Task.WhenAll(colours.Select(c =>
            RunAsync(Pipeline, instance, Request(Png(6, 6, c.R, c.G, c.B), ["red", "green", "blue"]))));

        for (var i = 0; i < colours.Length; i++)
        {
            var means = model.MeansOfColour(colours[i].R, colours[i].G, colours[i].B);
            foreach (var item in outputs[i].EnumerateArray())
            {
                AssertScore(Sigmoid(model.Logit(means, [.. DefaultTemplateWords, item.GetProperty("label").GetString()!])), item);
            }
        }
    }

    [Fact]
    public void AFolderWithOnlyTheSplitTowers_IsRefusedNamingTheSingleGraph()
    {
        var model = DualEncoderModelWriter.Write(TinyEncoderRun.NewFolder("zsic-split"), DualEncoderStyle.Clip);
        var onnx = Path.Combine(model.Folder, "onnx");
        File.Move(Path.Combine(onnx, "model.onnx"), Path.Combine(onnx, "text_model.onnx"));
        File.Copy(Path.Combine(onnx, "text_model.onnx"), Path.Combine(onnx, "vision_model.onnx"));

        var guessed = Assert.Throws<EngineException>(() => TensorModels.Describe(model.Folder));
        var named = Assert.Throws<EngineException>(() => TensorModels.Describe(model.Folder, BytezTasks.ZeroShotImageClassification));

        Assert.Equal(EngineErrorKind.NotSupported, guessed.Kind);
        Assert.Contains("text_model.onnx and vision_model.onnx", guessed.Message, StringComparison.Ordinal);
        Assert.Contains("onnx/model.onnx", named.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AVisionModel_IsNotSupported()
    {
        using var instance = await TensorModels.LoadAsync(ImageClassifierModelWriter.Write(TinyEncoderRun.NewFolder("zsic-not-dual")).Folder);

        var e = await Assert.ThrowsAsync<EngineException>(() => RunAsync(Pipeline, instance, Request(Png(4, 4, 1, 2, 3), ["red"])));

        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
        Assert.Contains("logits_per_image", e.Message, StringComparison.Ordinal);
    }

    private static async Task<(DualEncoderModel Model, ITensorInstance Instance)> LoadAsync(string name, DualEncoderStyle style)
    {
        var model = DualEncoderModelWriter.Write(TinyEncoderRun.NewFolder(name), style);
        Assert.Equal(BytezTasks.ZeroShotImageClassification, TensorModels.Describe(model.Folder).Task);
        return (model, await TensorModels.LoadAsync(model.Folder));
    }

    private static string Request(byte[] png, string[] labels, string parameters = "{}") =>
        JsonSerializer.Serialize(new { base64 = Convert.ToBase64String(png), candidate_labels = labels, @params = JsonDocument.Parse(parameters).RootElement });

    private static double[] Softmax(double[] logits)
    {
        var max = logits.Max();
        var exp = logits.Select(x => Math.Exp(x - max)).ToArray();
        return [.. exp.Select(e => e / exp.Sum())];
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static List<string> Labels(JsonElement list) => list.EnumerateArray().Select(i => i.GetProperty("label").GetString()!).ToList();

    /// <summary>The score is a float32 value (widened to double) within float32 precision of the closed form; score comes first.</summary>
    private static void AssertScore(double expected, JsonElement item, double tolerance = 2e-6)
    {
        Assert.Equal("score", item.EnumerateObject().First().Name);
        var score = item.GetProperty("score").GetDouble();
        Assert.Equal((double)(float)score, score);
        Assert.Equal(expected, score, tolerance);
    }
}
