using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Testing.TinyModels;
using static Bytez.Engine.Tests.TinyModels.TransformersJsCrossCheckTests;

namespace Bytez.Engine.Tests.TinyModels;

/// <summary>
/// Where transformers.js 4.3.1 does NOT do what the Python pipelines (transformers 4.53) do, on the tiny models: each
/// test pins the JavaScript behaviour and names the Python answer, so the list of differences in the reference doc
/// stays true. Our pipelines follow Python in all of these; their tests use the closed-form Python answers.
/// </summary>
public sealed class TransformersJsKnownDifferencesTests
{
    private const double Tolerance = 1e-6;

    [Fact]
    public async Task TextClassification_OneLabelAndRegressionAndFunctionToApply_AlwaysSoftmax()
    {
        var one = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder("js-diff-tc-one"), new TextClassificationModelOptions { Labels = ["LABEL_0"] });
        var regression = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder("js-diff-tc-reg"), new TextClassificationModelOptions { Labels = ["LABEL_0"], ProblemType = "regression" });
        var two = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder("js-diff-tc-two"));

        var results = await RunAsync(one.Folder,
            Request("text-classification", one.Id, "good movie"),
            Request("text-classification", regression.Id, "good movie"),
            Request("text-classification", two.Id, "good movie", new JsonObject { ["function_to_apply"] = "none" }));

        // Python: sigmoid(3) = 0.9526 for one label; the raw logit 3 for regression and for function_to_apply none.
        AssertLabels(results[0], ("LABEL_0", 1f));
        AssertLabels(results[1], ("LABEL_0", 1f));
        AssertLabels(results[2], ("POSITIVE", Float32.Softmax([-2f, 3f])[1]));
    }

    [Fact]
    public async Task TokenClassification_WordAggregations_Refused_AndNoOffsets()
    {
        var model = TokenClassificationModelWriter.Write(TinyEncoderRun.NewFolder("js-diff-ner"));

        var results = await TransformersJs.TryRunAsync(EncoderModelFolders.Root(model.Folder), [
            Request("token-classification", model.Id, "mary visited jordan", new JsonObject { ["aggregation_strategy"] = "first" }),
            Request("token-classification", model.Id, "mary visited jordan", new JsonObject { ["aggregation_strategy"] = "max" }),
            Request("token-classification", model.Id, "mary visited jordan", new JsonObject { ["aggregation_strategy"] = "average" }),
            Request("token-classification", model.Id, "mary visited jordan"),
        ], TestContext.Current.CancellationToken);

        // Python: FIRST gives jordan PER, MAX ORG, AVERAGE LOC (see TokenClassificationModelTests), with start/end.
        Assert.All(results.Take(3), r => Assert.Contains("Invalid aggregation_strategy", r.GetProperty("error").GetString(), StringComparison.Ordinal));
        Assert.All(results[3].GetProperty("output").EnumerateArray(), e => Assert.False(e.TryGetProperty("start", out _)));
    }

    [Theory]
    [InlineData(EncoderTokenizerStyle.ByteLevelBpe, " paris")]
    [InlineData(EncoderTokenizerStyle.Unigram, "paris")]
    public async Task TokenClassification_WordIsTheDecodedToken_NotTheRawToken(EncoderTokenizerStyle style, string word)
    {
        var model = TokenClassificationModelWriter.Write(TinyEncoderRun.NewFolder($"js-diff-ner-{style}"), new TokenClassificationModelOptions { Tokenizer = style });

        var results = await RunAsync(model.Folder, Request("token-classification", model.Id, "johnny lives in paris"));

        // Python: word = convert_ids_to_tokens: "Ġparis" / "▁paris".
        Assert.Equal(word, results[0].EnumerateArray().Last().GetProperty("word").GetString());
    }

    [Fact]
    public async Task TokenClassification_Simple_FiltersOBeforeGrouping()
    {
        var model = TokenClassificationModelWriter.Write(TinyEncoderRun.NewFolder("js-diff-ner-group"));

        // "inny" = in (O) + ##ny (I-PER): B-PER O I-PER.
        var results = await RunAsync(model.Folder, Request("token-classification", model.Id, "john inny", new JsonObject { ["aggregation_strategy"] = "simple" }));

        // Python groups before dropping O: [PER "john"], [O "in"], [PER "##ny"] → two PER groups.
        var groups = results[0].EnumerateArray().ToList();
        Assert.Equal(["PER"], groups.Select(g => g.GetProperty("entity_group").GetString()));
    }

    [Fact]
    public async Task QuestionAnswering_NoOffsets_AndMaxAnswerLenIgnored()
    {
        var model = QuestionAnsweringModelWriter.Write(TinyEncoderRun.NewFolder("js-diff-qa"));

        var results = await RunAsync(model.Folder, Request("question-answering", model.Id,
            new JsonObject { ["question"] = "where is paris?", ["context"] = "paris lies on a river of france." },
            new JsonObject { ["max_answer_len"] = 3 }));

        // Python: spans are at most max_answer_len tokens, and the answer has start/end.
        Assert.Equal("paris lies on a river of france", results[0].GetProperty("answer").GetString());
        Assert.False(results[0].TryGetProperty("start", out _));
    }

    [Fact]
    public async Task QuestionAnswering_ByteLevel_AnswerIsDecodedTokens()
    {
        var model = QuestionAnsweringModelWriter.Write(TinyEncoderRun.NewFolder("js-diff-qa-bpe"), new QuestionAnsweringModelOptions { Tokenizer = EncoderTokenizerStyle.ByteLevelBpe });

        var results = await RunAsync(model.Folder, Request("question-answering", model.Id,
            new JsonObject { ["question"] = "what is the capital of france?", ["context"] = "the capital is paris, france." }));

        // Python: context[start:end] = "paris, france".
        Assert.Equal(" paris, france", results[0].GetProperty("answer").GetString());
    }

    [Fact]
    public async Task FillMask_TargetsIgnored_AndOnlyTheFirstMask()
    {
        var model = FillMaskModelWriter.Write(TinyEncoderRun.NewFolder("js-diff-fill"));

        var results = await RunAsync(model.Folder,
            Request("fill-mask", model.Id, "paris is the [MASK] of france.", new JsonObject { ["top_k"] = 2, ["targets"] = new JsonArray("city", "river") }),
            Request("fill-mask", model.Id, "paris is the [MASK] of [MASK].", new JsonObject { ["top_k"] = 1 }));

        // Python: targets give city then river; two masks give a list per mask, sequences keeping the other [MASK].
        Assert.Equal(["capital", "city"], results[0].EnumerateArray().Select(c => c.GetProperty("token_str").GetString()));
        var only = Assert.Single(results[1].EnumerateArray());
        Assert.Equal("paris is the capital of.", only.GetProperty("sequence").GetString());
    }

    [Fact]
    public async Task ZeroShot_ContradictionColumnTiesAndCommaLabels()
    {
        var upper = ZeroShotModelWriter.Write(TinyEncoderRun.NewFolder("js-diff-nli-upper"), new ZeroShotModelOptions { Labels = ["ENTAILMENT", "CONTRADICTION", "NEUTRAL"] });
        var model = ZeroShotModelWriter.Write(TinyEncoderRun.NewFolder("js-diff-nli"));

        var results = await RunAsync(model.Folder,
            Request("zero-shot-classification", upper.Id, new JsonObject { ["text"] = "the game was great", ["labels"] = new JsonArray("politics", "cooking") }, new JsonObject { ["multi_label"] = true }),
            Request("zero-shot-classification", model.Id, new JsonObject { ["text"] = "the game was great", ["labels"] = new JsonArray("cooking", "team") }),
            Request("zero-shot-classification", model.Id, new JsonObject { ["text"] = "the game was great", ["labels"] = "sports, politics" }));

        // Entailment at id 0: Python takes the LAST column (NEUTRAL, all 0) as contradiction: politics sigmoid(0) = 0.5,
        // cooking sigmoid(1); transformers.js takes CONTRADICTION: politics [1, 0], cooking [0.5, 1].
        AssertZeroShot(results[0], "the game was great", ("cooking", Float32.Softmax([0.5f, 1f])[1]), ("politics", Float32.Softmax([1f, 0f])[1]));
        // A tie (both entailment 1): Python lists the later label first (reversed argsort); transformers.js keeps order.
        AssertZeroShot(results[1], "the game was great", ("cooking", 0.5f), ("team", 0.5f));
        // Python splits a comma string into labels; transformers.js takes it as one label (then scored alone).
        Assert.Equal(["sports, politics"], results[2].GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
    }
}
