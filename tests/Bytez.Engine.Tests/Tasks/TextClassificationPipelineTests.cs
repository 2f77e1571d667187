using System.Text.Json;
using Bytez.Engine.Onnx;
using Bytez.Engine.Tasks;
using Bytez.Engine.Tests.TinyModels;
using Bytez.Protocol;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>
/// text-classification on tiny real ONNX classifiers whose logits are a sum of per-token rows (good adds [-2, 3], bad
/// [3, -2]), so every expected label and score is closed-form; the Python pipeline's rules (transformers 4.57) decide
/// the shapes.
/// </summary>
public sealed class TextClassificationPipelineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TextClassificationPipeline Pipeline = new();

    /// <summary>softmax of two logits for the second: 1 / (1 + e^(a - b)), in double.</summary>
    private static double Softmax2(double a, double b) => 1 / (1 + Math.Exp(a - b));

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public async Task GoodMovie_NoParams_LegacyListOfTheBestLabel()
    {
        using var instance = Load("tc-bert");

        var output = await RunAsync(instance, """{"text": "good movie"}""");

        var item = Assert.Single(output.EnumerateArray());
        Assert.Equal("POSITIVE", item.GetProperty("label").GetString());
        AssertScore(Softmax2(-2, 3), item);
    }

    [Fact]
    public async Task TopKNull_AllLabelsSortedByScore_TopK1_OnlyTheBest()
    {
        using var instance = Load("tc-bert-topk");

        var all = await RunAsync(instance, """{"input": "bad film", "params": {"top_k": null}}""");
        var one = await RunAsync(instance, """{"input": "bad film", "params": {"top_k": 1}}""");

        Assert.Equal(["NEGATIVE", "POSITIVE"], Labels(all));
        AssertScore(Softmax2(-2, 3), all[0]);
        AssertScore(Softmax2(3, -2), all[1]);
        Assert.Equal(["NEGATIVE"], Labels(one));
    }

    [Fact]
    public async Task ReturnAllScores_LegacyEveryLabelInIdOrder_WrappedInAList()
    {
        using var instance = Load("tc-bert-all");

        var output = await RunAsync(instance, """{"text": "good", "params": {"return_all_scores": true}}""");

        var inner = Assert.Single(output.EnumerateArray());
        Assert.Equal(["NEGATIVE", "POSITIVE"], Labels(inner)); // id order, although NEGATIVE scores lower
        AssertScore(Softmax2(3, -2), inner[0]);
    }

    [Fact]
    public async Task EqualScores_KeepLabelIdOrder()
    {
        using var instance = Load("tc-bert-tie");

        var output = await RunAsync(instance, """{"text": "the movie", "params": {"top_k": 2}}""");

        Assert.Equal(["NEGATIVE", "POSITIVE"], Labels(output));
        Assert.All(output.EnumerateArray(), item => AssertScore(0.5, item));
    }

    [Theory]
    [InlineData("none", -2.0, 3.0)]
    [InlineData("SIGMOID", -2.0, 3.0)]
    public async Task FunctionToApply_Named_AppliesIt(string function, double negative, double positive)
    {
        using var instance = Load("tc-bert-fn-" + function);

        var output = await RunAsync(instance, $$$"""{"text": "good movie", "params": {"function_to_apply": "{{{function}}}", "top_k": null}}""");

        var isNone = function == "none";
        Assert.Equal(["POSITIVE", "NEGATIVE"], Labels(output));
        AssertScore(isNone ? positive : Sigmoid(positive), output[0]);
        AssertScore(isNone ? negative : Sigmoid(negative), output[1]);
    }

    [Fact]
    public async Task OneLabelModel_WithoutTokenTypes_SigmoidByDefault()
    {
        using var instance = Load("tc-distilbert-one", new TextClassificationModelOptions { TokenTypeIds = false, Labels = ["LABEL_0"] });

        var output = await RunAsync(instance, """{"text": "good good bad"}""");

        var item = Assert.Single(output.EnumerateArray());
        Assert.Equal("LABEL_0", item.GetProperty("label").GetString());
        AssertScore(Sigmoid(3 + 3 - 2), item);
    }

    [Fact]
    public async Task MultiLabelModel_SigmoidPerLabel()
    {
        using var instance = Load("tc-multi", new TextClassificationModelOptions
        {
            Labels = ["toxic", "insult", "threat"],
            ProblemType = "multi_label_classification",
        });

        var output = await RunAsync(instance, """{"text": "good", "params": {"top_k": null}}""");

        Assert.Equal(["insult", "threat", "toxic"], Labels(output)); // sigmoid(3), sigmoid(0), sigmoid(-2)
        AssertScore(Sigmoid(3), output[0]);
        AssertScore(0.5, output[1]);
        AssertScore(Sigmoid(-2), output[2]);
    }

    [Fact]
    public async Task RegressionModel_RawLogit()
    {
        using var instance = Load("tc-regression", new TextClassificationModelOptions { Labels = ["LABEL_0"], ProblemType = "regression" });

        var output = await RunAsync(instance, """{"text": "bad bad"}""");

        AssertScore(-4, Assert.Single(output.EnumerateArray()));
    }

    [Fact]
    public async Task ListOfTexts_OneAnswerEach_PaddingChangesNothing()
    {
        using var instance = Load("tc-bert-list");

        var legacy = await RunAsync(instance, """{"input": ["good movie", "bad", "the movie was very very good and not bad"]}""");
        var ranked = await RunAsync(instance, """{"input": ["good movie", "bad"], "params": {"top_k": 1}}""");

        Assert.Equal(3, legacy.GetArrayLength());
        Assert.Equal("POSITIVE", legacy[0].GetProperty("label").GetString());
        AssertScore(Softmax2(-2, 3), legacy[0]);
        Assert.Equal("NEGATIVE", legacy[1].GetProperty("label").GetString());
        AssertScore(Softmax2(-2, 3), legacy[1]);
        AssertScore(Softmax2(-2 + 3, 3 - 2), legacy[2]); // "and" is unknown: [UNK] adds nothing
        Assert.Equal(JsonValueKind.Array, ranked[0].ValueKind); // with top_k: a list per text
        Assert.Equal(["POSITIVE"], Labels(ranked[0]));
    }

    [Fact]
    public async Task ConcurrentCalls_BatchedTogether_EachGetsItsOwnAnswer()
    {
        using var instance = Load("tc-bert-concurrent");
        string[] texts = ["good", "bad", "good good movie", "bad bad bad film", "the movie"];

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => RunAsync(instance, $$"""{"text": "{{texts[i % texts.Length]}}"}""")));

        for (var i = 0; i < answers.Length; i++)
        {
            var text = texts[i % texts.Length];
            var good = text.Split(' ').Count(w => w == "good");
            var bad = text.Split(' ').Count(w => w == "bad");
            var (negative, positive) = ((-2.0 * good) + (3.0 * bad), (3.0 * good) - (2.0 * bad));
            var item = Assert.Single(answers[i].EnumerateArray());
            Assert.Equal(positive > negative ? "POSITIVE" : "NEGATIVE", item.GetProperty("label").GetString());
            AssertScore(positive >= negative ? Softmax2(negative, positive) : Softmax2(positive, negative), item);
        }
    }

    [Fact]
    public async Task LongText_CutToTheModelsMaximumLength()
    {
        using var instance = Load("tc-bert-short", new TextClassificationModelOptions { MaxPositions = 8 });

        // [CLS] + six "good" + [SEP] fill the 8 positions; the "bad"s after them are cut.
        var output = await RunAsync(instance, """{"text": "good good good good good good bad bad bad bad bad bad bad"}""");

        AssertScore(Softmax2(-12, 18), Assert.Single(output.EnumerateArray()));
    }

    [Fact]
    public async Task RobertaTokenizer_SameDesign_SameAnswer()
    {
        using var instance = Load("tc-roberta", new TextClassificationModelOptions { Tokenizer = EncoderTokenizerStyle.ByteLevelBpe });

        var output = await RunAsync(instance, """{"text": "good movie", "params": {"top_k": null}}""");

        Assert.Equal(["POSITIVE", "NEGATIVE"], Labels(output));
        AssertScore(Softmax2(-2, 3), output[0]);
    }

    [Theory]
    [InlineData("""{"text": "good", "params": {"top_k": "3"}}""", "`top_k` must be an integer >= 1; got a string (\"3\")")]
    [InlineData("""{"text": "good", "params": {"top_k": 0}}""", "`top_k` must be an integer >= 1")]
    [InlineData("""{"text": "good", "params": {"function_to_apply": "relu"}}""", "`function_to_apply` must be one of \"softmax\", \"sigmoid\", \"none\"")]
    [InlineData("""{"text": "good", "params": {"return_all_scores": 1}}""", "`return_all_scores` must be true or false")]
    [InlineData("""{"text": "good", "params": {"topk": 2}}""", "Unknown parameter `topk` for text-classification; supported parameters: top_k, function_to_apply, return_all_scores")]
    [InlineData("""{"input": 42}""", "expects `input` (or `text`) as a string or a list of strings; got a number (42)")]
    [InlineData("""{"input": ["good", 1]}""", "item 1 is a number (1)")]
    [InlineData("""{}""", "expects `text` (or `input`)")]
    public async Task BadInput_RefusedNamingWhatIsExpected(string json, string expected)
    {
        using var instance = Load("tc-bert-bad");

        var e = await Assert.ThrowsAsync<EngineException>(async () => await RunAsync(instance, json));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Contract_DeclaresTheTaskAndItsAlias()
    {
        Assert.Equal(["text-classification", "sentiment-analysis"], Pipeline.Contract.Tasks);
        Assert.Equal(["top_k", "function_to_apply", "return_all_scores"], Pipeline.Contract.ParameterNames);
    }

    [Fact]
    public void PairwiseSum_OfManyValues_IsNumpysOrder()
    {
        // 1e8 then fifteen ones: a running float32 sum loses every 1 (1e8 + 1 rounds back to 1e8) and gives 1e8;
        // numpy's eight partial sums add the ones among themselves first, and np.float32 sums this array to 100000008.
        var values = new float[16];
        values[0] = 1e8f;
        Array.Fill(values, 1f, 1, 15);

        var sum = TextClassificationPipeline.PairwiseSum(values);

        Assert.Equal(100_000_008f, sum);
    }

    private static OnnxEncoderInstance Load(string name, TextClassificationModelOptions? options = null)
    {
        var model = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder(name), options);
        var descriptor = new ModelDescriptor { Id = model.Id, Task = "text-classification", Path = model.Folder };
        return OnnxEncoderInstance.Load(descriptor, new OnnxRuntimeOptions { Sessions = 2 }, cancellationToken: Ct);
    }

    private static async Task<JsonElement> RunAsync(OnnxEncoderInstance instance, string json)
    {
        var request = JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.RunRequest)!;
        var output = await Pipeline.RunAsync(instance, request, Ct);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            output.WriteTo(writer);
        }

        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }

    private static List<string> Labels(JsonElement list) => list.EnumerateArray().Select(i => i.GetProperty("label").GetString()!).ToList();

    /// <summary>The score is a float32 value (widened to double) within float32 precision of the closed form.</summary>
    private static void AssertScore(double expected, JsonElement item)
    {
        var score = item.GetProperty("score").GetDouble();
        Assert.Equal((double)(float)score, score);
        Assert.Equal(expected, score, 1e-6);
    }
}
