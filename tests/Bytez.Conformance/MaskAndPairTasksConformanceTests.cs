using System.Text.Json;
using Bytez.Protocol;
using Bytez.Testing;
using static Bytez.Testing.Float32Expected;

namespace Bytez.Conformance;

/// <summary>One server with the tiny fill-mask, NLI and reranker models per test class.</summary>
public sealed class MaskAndPairTasksFixture : IAsyncLifetime
{
    public MaskAndPairTasksServer Tasks { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Tasks = await MaskAndPairTasksServer.StartAsync();

    public ValueTask DisposeAsync() => Tasks.DisposeAsync();
}

/// <summary>
/// fill-mask, zero-shot-classification and text-ranking through the official bytez.js client (the bodies it sends:
/// <c>{"input": ..., "params": ...}</c>) and through our SDK's typed inputs and accessors, on the tiny models whose
/// answers are known by design.
/// </summary>
public sealed class MaskAndPairTasksConformanceTests(MaskAndPairTasksFixture fixture) : IClassFixture<MaskAndPairTasksFixture>
{
    private static readonly string[] Documents = ["paris is the capital of france", "berlin lies on a river", "the seine is a river in paris"];

    private MaskAndPairTasksServer Tasks => fixture.Tasks;

    private BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = Tasks.Server.ApiBase });

    [Fact]
    public async Task JsClient_FillMask_TheDesignedCandidates()
    {
        var result = await OfficialJsClient.CallAsync(Tasks.Server, "run",
            new { modelId = MaskAndPairTasksServer.FillWordPiece, input = "Paris is the [MASK] of France.", @params = new { top_k = 2 } });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var candidates = result.GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(["capital", "city"], candidates.Select(c => c.GetProperty("token_str").GetString()));
        Assert.Equal("paris is the capital of france.", candidates[0].GetProperty("sequence").GetString());
        var v = Tasks.WordPieceMask.Vocabulary;
        Assert.True(IsScore(Softmax(Tasks.WordPieceMask.MaskRow)[v["capital"]], candidates[0].GetProperty("score").GetDouble()));
    }

    [Fact]
    public async Task JsClient_ZeroShot_InputObjectWithLabels_BestFirst()
    {
        var result = await OfficialJsClient.CallAsync(Tasks.Server, "run", new
        {
            modelId = MaskAndPairTasksServer.Nli,
            input = new { text = "the game was great", candidate_labels = new[] { "sports", "politics", "cooking" } },
            @params = new { multi_label = true },
        });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var output = result.GetProperty("output");
        Assert.Equal("the game was great", output.GetProperty("sequence").GetString());
        Assert.Equal(["sports", "cooking", "politics"], output.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        var model = Tasks.NliModel;
        var sports = model.PairLogits(["the", "game", "was", "great"], ["this", "example", "is", "sports", "."]);
        Assert.True(IsScore(Softmax(sports[model.LabelId("contradiction")], sports[model.LabelId("entailment")])[1], output.GetProperty("scores")[0].GetDouble()));
    }

    [Fact]
    public async Task JsClient_ZeroShotWithoutLabels_GivesTheServersMessage()
    {
        var result = await OfficialJsClient.CallAsync(Tasks.Server, "run", new { modelId = MaskAndPairTasksServer.Nli, input = "the game was great" });

        Assert.Contains("candidate_labels", result.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsClient_TextRanking_TopKWithDocuments()
    {
        var result = await OfficialJsClient.CallAsync(Tasks.Server, "run", new
        {
            modelId = MaskAndPairTasksServer.Reranker,
            input = new { query = "what is the capital of france", documents = Documents },
            @params = new { top_k = 2, return_documents = true },
        });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var ranked = result.GetProperty("output").EnumerateArray().ToList();
        Assert.Equal([(0, Documents[0]), (2, Documents[2])], ranked.Select(r => (r.GetProperty("corpus_id").GetInt32(), r.GetProperty("text").GetString())));
        Assert.True(IsScore(Sigmoid(7.75f), ranked[0].GetProperty("score").GetDouble()));
    }

    [Fact]
    public async Task Sdk_GetFillMask_AndGetFillMasks()
    {
        using var client = CreateClient();
        var model = client.Model(MaskAndPairTasksServer.FillByteLevel);

        var one = await model.RunAsync("paris is the <mask> of france.", new ModelParameters { Targets = ["Ġriver", "Ġcity"] }, TestContext.Current.CancellationToken);
        var two = await model.RunAsync("the <mask> is a <mask>.", new ModelParameters { TopK = 1 }, TestContext.Current.CancellationToken);

        var candidates = one.GetFillMask();
        Assert.Equal([" city", " river"], candidates.Select(c => c.TokenStr));
        Assert.Equal("paris is the city of france.", candidates[0].Sequence);
        var v = Tasks.ByteLevelMask.Vocabulary;
        Assert.Equal(v["Ġcity"], candidates[0].Token);
        Assert.True(IsScore(Softmax(Tasks.ByteLevelMask.MaskRow)[v["Ġcity"]], candidates[0].Score));
        var masks = two.GetFillMasks();
        Assert.Equal(2, masks.Count);
        Assert.Equal("<s>the capital is a<mask>.</s>", masks[0][0].Sequence);
    }

    [Fact]
    public async Task Sdk_GetZeroShot_WithTemplate()
    {
        using var client = CreateClient();

        var result = await client.Model(MaskAndPairTasksServer.Nli).RunAsync(
            new ZeroShotClassificationInput("the game was great", ["politics", "sports"]),
            new ModelParameters { HypothesisTemplate = "The topic is {}." },
            TestContext.Current.CancellationToken);

        var answer = result.GetZeroShot();
        Assert.Equal(["sports", "politics"], answer.Labels);
        var model = Tasks.NliModel;
        var e = model.LabelId("entailment");
        float[] Logits(string label) => model.PairLogits(["the", "game", "was", "great"], ["the", "topic", "is", label, "."]);
        var p = Softmax(Logits("politics")[e], Logits("sports")[e]);
        Assert.True(IsScore(p[1], answer.Scores[0]));
        Assert.True(IsScore(p[0], answer.Scores[1]));
    }

    [Fact]
    public async Task Sdk_GetRanking_AllBestFirst()
    {
        using var client = CreateClient();

        var result = await client.Model(MaskAndPairTasksServer.Reranker).RunAsync(
            new TextRankingInput("what is the capital of france", Documents), cancellationToken: TestContext.Current.CancellationToken);

        var ranked = result.GetRanking();
        Assert.Equal([0, 2, 1], ranked.Select(r => r.CorpusId));
        Assert.All(ranked, r => Assert.Null(r.Text));
        Assert.True(IsScore(Sigmoid(0.5f), ranked[2].Score));
    }

    [Fact]
    public async Task Sdk_BadParameter_IsTheServersMessage()
    {
        using var client = CreateClient();

        var result = await client.Model(MaskAndPairTasksServer.Reranker).RunAsync(
            new TextRankingInput("q", ["d"]), new ModelParameters { MaxNewTokens = 3 }, TestContext.Current.CancellationToken);

        Assert.False(result.IsSuccess);
        Assert.Contains("supported parameters: top_k, return_documents", result.Error, StringComparison.Ordinal);
    }
}
