using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.TinyModels;

/// <summary>
/// Hugging Face's JavaScript pipelines (transformers.js 4.3.1 on onnxruntime-node, from npm) give the answers the
/// tiny models' designs predict under the Python pipelines' semantics (transformers 4.53), wherever the two
/// libraries agree. Expected values are computed here in closed form from the designs (float32, as numpy/torch do).
/// Where transformers.js differs from Python, <see cref="TransformersJsKnownDifferencesTests"/> pins what it does.
/// </summary>
public sealed class TransformersJsCrossCheckTests
{
    private const double Tolerance = 1e-6;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(EncoderTokenizerStyle.WordPiece, true)]
    [InlineData(EncoderTokenizerStyle.WordPiece, false)]
    [InlineData(EncoderTokenizerStyle.ByteLevelBpe, false)]
    [InlineData(EncoderTokenizerStyle.Unigram, false)]
    public async Task TextClassification_TopOneAllLabelsAndBatches_AreTheDesignedSoftmax(EncoderTokenizerStyle style, bool tokenTypes)
    {
        var model = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder($"js-tc-{style}-{tokenTypes}"), new TextClassificationModelOptions { Tokenizer = style, TokenTypeIds = tokenTypes });

        var results = await RunAsync(model.Folder,
            Request("text-classification", model.Id, "good movie"),
            Request("text-classification", model.Id, "good movie, bad good", new JsonObject { ["top_k"] = null }),
            Request("text-classification", model.Id, new JsonArray("the film was very bad", "good", "good movie, bad good")));

        // good adds [-2, 3], bad [3, -2]: softmax over [NEGATIVE, POSITIVE].
        var good = Float32.Softmax([-2f, 3f]);
        AssertLabels(results[0], ("POSITIVE", good[1]));
        var mixed = Float32.Softmax([-1f, 4f]);
        AssertLabels(results[1], ("POSITIVE", mixed[1]), ("NEGATIVE", mixed[0]));
        // A batch is padded to its longest text; the mask keeps padding out of every row's sum.
        var bad = Float32.Softmax([3f, -2f]);
        AssertLabels(results[2], ("NEGATIVE", bad[0]), ("POSITIVE", good[1]), ("POSITIVE", mixed[1]));
    }

    [Fact]
    public async Task TextClassification_MultiLabel_IsASigmoidPerLabel()
    {
        var model = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder("js-tc-multi"), new TextClassificationModelOptions
        {
            Labels = ["toxic", "insult", "threat"],
            ProblemType = "multi_label_classification",
        });

        var results = await RunAsync(model.Folder, Request("text-classification", model.Id, "good movie", new JsonObject { ["top_k"] = null }));

        // good adds [-2, 3, 0].
        AssertLabels(results[0], ("insult", Float32.Sigmoid(3f)), ("threat", Float32.Sigmoid(0f)), ("toxic", Float32.Sigmoid(-2f)));
    }

    [Theory]
    [InlineData(EncoderTokenizerStyle.WordPiece)]
    [InlineData(EncoderTokenizerStyle.ByteLevelBpe)]
    [InlineData(EncoderTokenizerStyle.Unigram)]
    public async Task TokenClassification_NoAggregation_LabelsScoresAndIndexesAreTheDesignedSoftmax(EncoderTokenizerStyle style)
    {
        var model = TokenClassificationModelWriter.Write(TinyEncoderRun.NewFolder($"js-ner-{style}"), new TokenClassificationModelOptions { Tokenizer = style });

        var results = await RunAsync(model.Folder,
            Request("token-classification", model.Id, "johnny lives in paris"),
            Request("token-classification", model.Id, "mary visited jordan"));

        var sure = Float32.Softmax([5f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f])[0];
        AssertEntities(results[0], ("B-PER", sure, 1), ("I-PER", sure, 2), ("B-LOC", sure, 5));
        var v = model.Vocabulary;
        var jor = Float32.Softmax(model.Logits(v.Word("jor")));
        var dan = Float32.Softmax(model.Logits(v.Subword("dan")));
        AssertEntities(results[1], ("B-PER", sure, 1), ("B-PER", jor.Max(), 3), ("B-ORG", dan.Max(), 4));
    }

    [Fact]
    public async Task TokenClassification_SimpleAggregation_GroupsBAndIPieces()
    {
        var model = TokenClassificationModelWriter.Write(TinyEncoderRun.NewFolder("js-ner-simple"));

        var results = await RunAsync(model.Folder,
            Request("token-classification", model.Id, "Johnny lives in Paris with mary john", new JsonObject { ["aggregation_strategy"] = "simple" }));

        // B-PER I-PER → one PER group (score: the mean); B-PER B-PER → two groups.
        var sure = Float32.Softmax([5f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f])[0];
        var groups = results[0].EnumerateArray().ToList();
        Assert.Equal(["PER", "LOC", "PER", "PER"], groups.Select(g => g.GetProperty("entity_group").GetString()));
        Assert.Equal(["johnny", "paris", "mary", "john"], groups.Select(g => g.GetProperty("word").GetString()));
        Assert.All(groups, g => Assert.Equal(sure, g.GetProperty("score").GetDouble(), Tolerance));
    }

    [Theory]
    [InlineData(EncoderTokenizerStyle.WordPiece, true)]
    [InlineData(EncoderTokenizerStyle.WordPiece, false)]
    [InlineData(EncoderTokenizerStyle.Unigram, false)]
    public async Task QuestionAnswering_AnswerAndScore_AreTheDesignedSpan(EncoderTokenizerStyle style, bool tokenTypes)
    {
        var model = QuestionAnsweringModelWriter.Write(TinyEncoderRun.NewFolder($"js-qa-{style}-{tokenTypes}"), new QuestionAnsweringModelOptions { Tokenizer = style, TokenTypeIds = tokenTypes });

        // The question holds "france" (end logit 8) too: question tokens are masked out.
        var results = await RunAsync(model.Folder, Request("question-answering", model.Id, new JsonObject
        {
            ["question"] = "what is the capital of france?",
            ["context"] = "the capital is paris, france.",
        }));

        // Softmax over [CLS] (logit 0, kept) and the 7 context tokens: the capital is paris , france .
        var probabilities = Float32.Softmax([0f, 0f, 0f, 0f, 8f, 0f, 0f, 0f]);
        var answer = results[0];
        Assert.Equal("paris, france", answer.GetProperty("answer").GetString());
        Assert.Equal(probabilities[4] * probabilities[4], answer.GetProperty("score").GetDouble(), Tolerance);
    }

    [Theory]
    [InlineData(EncoderTokenizerStyle.WordPiece, "capital", "paris is the capital of france.")]
    [InlineData(EncoderTokenizerStyle.ByteLevelBpe, " capital", "paris is the capital of france.")]
    [InlineData(EncoderTokenizerStyle.Unigram, "capital", "paris is the capital of france.")]
    public async Task FillMask_TopCandidates_AreTheDesignedSoftmaxOverTheVocabulary(EncoderTokenizerStyle style, string tokenString, string sequence)
    {
        var model = FillMaskModelWriter.Write(TinyEncoderRun.NewFolder($"js-fill-{style}"), new FillMaskModelOptions { Tokenizer = style });

        var results = await RunAsync(model.Folder, Request("fill-mask", model.Id, $"paris is the {model.Mask} of france.", new JsonObject { ["top_k"] = 3 }));

        var v = model.Vocabulary;
        var probabilities = Float32.Softmax(model.MaskRow);
        var candidates = results[0].EnumerateArray().ToList();
        Assert.Equal([v[v.Word("capital")], v[v.Word("city")], v[v.Word("river")]], candidates.Select(c => c.GetProperty("token").GetInt32()));
        Assert.Equal(probabilities[v[v.Word("capital")]], candidates[0].GetProperty("score").GetDouble(), Tolerance);
        Assert.Equal(probabilities[v[v.Word("river")]], candidates[2].GetProperty("score").GetDouble(), Tolerance);
        Assert.Equal(tokenString, candidates[0].GetProperty("token_str").GetString());
        Assert.Equal(sequence, candidates[0].GetProperty("sequence").GetString());
        Assert.Equal(sequence.Replace("capital", "city", StringComparison.Ordinal), candidates[1].GetProperty("sequence").GetString());
    }

    [Theory]
    [InlineData(EncoderTokenizerStyle.WordPiece, true)]
    [InlineData(EncoderTokenizerStyle.ByteLevelBpe, false)]
    public async Task ZeroShot_SingleAndMultiLabelAndTemplate_AreTheDesignedScores(EncoderTokenizerStyle style, bool tokenTypes)
    {
        // With token types, every hypothesis token adds entailment 0.25 and contradiction -0.25: wrong types would show.
        var model = ZeroShotModelWriter.Write(TinyEncoderRun.NewFolder($"js-nli-{style}"), new ZeroShotModelOptions
        {
            Tokenizer = style,
            TokenTypeIds = tokenTypes,
            SecondSegmentLogits = new Dictionary<string, float> { ["entailment"] = 0.25f, ["contradiction"] = -0.25f },
        });
        var input = new JsonObject { ["text"] = "the game was great", ["labels"] = new JsonArray("sports", "politics", "cooking") };

        var results = await RunAsync(model.Folder,
            Request("zero-shot-classification", model.Id, input),
            Request("zero-shot-classification", model.Id, input, new JsonObject { ["multi_label"] = true }),
            Request("zero-shot-classification", model.Id, input, new JsonObject { ["hypothesis_template"] = "The topic is {}." }));

        // [contradiction, neutral, entailment] per hypothesis: game (premise) entailment 1; sports entailment 2;
        // politics entailment -1, contradiction 1; cooking contradiction 0.5 (+ the second segment's share).
        var v = model.Vocabulary;
        float[] Logits(string label, string first, string second) => style == EncoderTokenizerStyle.WordPiece
            ? model.PairLogits(["the", "game", "was", "great"], [first, second, "is", label, "."])
            : model.Logits(v.Word("game"), v.Word(label));
        var sports = Logits("sports", "this", "example");
        var politics = Logits("politics", "this", "example");
        var cooking = Logits("cooking", "this", "example");
        var single = Float32.Softmax([sports[2], politics[2], cooking[2]]);
        AssertZeroShot(results[0], "the game was great", ("sports", single[0]), ("cooking", single[2]), ("politics", single[1]));
        AssertZeroShot(results[1], "the game was great",
            ("sports", Float32.Softmax([sports[0], sports[2]])[1]), ("cooking", Float32.Softmax([cooking[0], cooking[2]])[1]), ("politics", Float32.Softmax([politics[0], politics[2]])[1]));
        var topic = Float32.Softmax([Logits("sports", "the", "topic")[2], Logits("politics", "the", "topic")[2], Logits("cooking", "the", "topic")[2]]);
        AssertZeroShot(results[2], "the game was great", ("sports", topic[0]), ("cooking", topic[2]), ("politics", topic[1]));
    }

    [Theory]
    [InlineData(EncoderTokenizerStyle.WordPiece, true)]
    [InlineData(EncoderTokenizerStyle.Unigram, false)]
    public async Task Reranker_DocumentsSortedBySigmoidOfTheDesignedLogit(EncoderTokenizerStyle style, bool tokenTypes)
    {
        // With token types, every document token adds 0.25: wrong types would show in the scores.
        var model = RerankerModelWriter.Write(TinyEncoderRun.NewFolder($"js-rerank-{style}"), new RerankerModelOptions { Tokenizer = style, TokenTypeIds = tokenTypes, SecondSegmentLogit = 0.25f });
        string[] documents = ["paris is the capital of france", "berlin lies on a river", "the seine is a river in paris"];

        var results = await RunAsync(model.Folder, Request("text-ranking", model.Id, new JsonObject
        {
            ["query"] = "what is the capital of france",
            ["documents"] = new JsonArray(documents.Select(d => (JsonNode)d).ToArray()),
        }));

        // Query: capital 1 + france 1; documents: 2+1+1 = 4, -1-2 = -3, 0.5-2+2 = 0.5; plus 0.25 per type-1 token.
        var v = model.Vocabulary;
        string[] Words(string text) => [.. text.Split(' ').Select(v.Word)];
        var logits = documents.Select(d => model.PairLogit(Words("what is the capital of france"), Words(d))).ToArray();
        Assert.Equal(tokenTypes ? [7.75f, 0.5f, 4.5f] : [6f, -1f, 2.5f], logits);
        var ranked = results[0].EnumerateArray().ToList();
        Assert.Equal([0, 2, 1], ranked.Select(r => r.GetProperty("corpus_id").GetInt32()));
        Assert.Equal([logits[0], logits[2], logits[1]], ranked.Select(r => (float)r.GetProperty("logit").GetDouble()));
        Assert.Equal(Float32.Sigmoid(logits[0]), ranked[0].GetProperty("score").GetDouble(), Tolerance);
        Assert.Equal(Float32.Sigmoid(logits[1]), ranked[2].GetProperty("score").GetDouble(), Tolerance);
    }

    internal static TransformersJsRequest Request(string task, string model, JsonNode input, JsonObject? options = null) => new(task, model, input, options);

    internal static TransformersJsRequest Request(string task, string model, string input, JsonObject? options = null) => new(task, model, JsonValue.Create(input), options);

    internal static Task<IReadOnlyList<JsonElement>> RunAsync(string folder, params TransformersJsRequest[] requests)
        => TransformersJs.RunAsync(EncoderModelFolders.Root(folder), requests, Ct);

    internal static void AssertLabels(JsonElement result, params (string Label, float Score)[] expected)
    {
        var items = result.EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => e.Label), items.Select(i => i.GetProperty("label").GetString()));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Score, items[i].GetProperty("score").GetDouble(), Tolerance);
        }
    }

    internal static void AssertEntities(JsonElement result, params (string Entity, float Score, int Index)[] expected)
    {
        var items = result.EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => (e.Entity, e.Index)), items.Select(i => (i.GetProperty("entity").GetString()!, i.GetProperty("index").GetInt32())));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Score, items[i].GetProperty("score").GetDouble(), Tolerance);
        }
    }

    internal static void AssertZeroShot(JsonElement result, string sequence, params (string Label, float Score)[] expected)
    {
        Assert.Equal(sequence, result.GetProperty("sequence").GetString());
        Assert.Equal(expected.Select(e => e.Label), result.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        var scores = result.GetProperty("scores").EnumerateArray().Select(s => s.GetDouble()).ToList();
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Score, scores[i], Tolerance);
        }
    }
}
