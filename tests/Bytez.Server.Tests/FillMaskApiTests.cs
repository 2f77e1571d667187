using System.Net;
using System.Text.Json;
using static Bytez.Server.Tests.ScoreAssert;
using static Bytez.Testing.Float32Expected;
using static Bytez.Server.Tests.Http;
using Ids = Bytez.Testing.MaskAndPairTasksServer;

namespace Bytez.Server.Tests;

/// <summary>
/// fill-mask through the real server on tiny masked language models whose logits at a mask are capital 6, city 4,
/// river 2 and 0 for every other token: each score is a closed-form softmax over the whole vocabulary.
/// </summary>
[Collection(nameof(MaskAndPairTasksCollection))]
public sealed class FillMaskApiTests(MaskAndPairTasksFixture fixture)
{
    [Fact]
    public async Task Run_OneMask_TopFiveOverTheVocabulary_WithTokenStrAndCleanedSequence()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.FillWordPiece, """{"text": "Paris is the [MASK] of France."}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var candidates = AssertOutput(body).EnumerateArray().ToList();
        Assert.Equal(5, candidates.Count);
        var model = fixture.Tasks.WordPieceMask;
        var v = model.Vocabulary;
        var probabilities = Softmax(model.MaskRow);
        Assert.Equal(["score", "token", "token_str", "sequence"], candidates[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal([v["capital"], v["city"], v["river"]], candidates.Take(3).Select(c => c.GetProperty("token").GetInt32()));
        Assert.Equal(["capital", "city", "river"], candidates.Take(3).Select(c => c.GetProperty("token_str").GetString()));
        // BERT lower-cases; clean_up_tokenization_spaces joins " ." to the word before it.
        Assert.Equal(["paris is the capital of france.", "paris is the city of france.", "paris is the river of france."],
            candidates.Take(3).Select(c => c.GetProperty("sequence").GetString()));
        AssertScore(probabilities[v["capital"]], candidates[0].GetProperty("score").GetDouble());
        AssertScore(probabilities[v["city"]], candidates[1].GetProperty("score").GetDouble());
        AssertScore(probabilities[v["river"]], candidates[2].GetProperty("score").GetDouble());
        // Every other token has logit 0: the last two share that probability.
        AssertScore(probabilities[v["paris"]], candidates[3].GetProperty("score").GetDouble());
        AssertScore(probabilities[v["paris"]], candidates[4].GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task Run_ByteLevel_TokenStrKeepsItsSpace_SequenceIsTheText()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.FillByteLevel, """{"input": "paris is the <mask> of france.", "params": {"top_k": 2}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var candidates = AssertOutput(body).EnumerateArray().ToList();
        var v = fixture.Tasks.ByteLevelMask.Vocabulary;
        Assert.Equal([v["Ġcapital"], v["Ġcity"]], candidates.Select(c => c.GetProperty("token").GetInt32()));
        Assert.Equal([" capital", " city"], candidates.Select(c => c.GetProperty("token_str").GetString()));
        Assert.Equal(["paris is the capital of france.", "paris is the city of france."], candidates.Select(c => c.GetProperty("sequence").GetString()));
        AssertScore(Softmax(fixture.Tasks.ByteLevelMask.MaskRow)[v["Ġcapital"]], candidates[0].GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task Run_Targets_RestrictedNotRenormalised_UnknownTargetUsesItsFirstToken()
    {
        using var client = fixture.Server.CreateHttpClient();

        // "citys" is not in the vocabulary: it tokenizes to city ##s and its first token, city, is the target.
        var (status, body, _) = await PostAsync(client, Ids.FillWordPiece,
            """{"text": "paris is the [MASK] of france.", "params": {"targets": ["river", "citys"], "top_k": 5}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var candidates = AssertOutput(body).EnumerateArray().ToList();
        var v = fixture.Tasks.WordPieceMask.Vocabulary;
        var probabilities = Softmax(fixture.Tasks.WordPieceMask.MaskRow);
        Assert.Equal(["city", "river"], candidates.Select(c => c.GetProperty("token_str").GetString()));
        AssertScore(probabilities[v["city"]], candidates[0].GetProperty("score").GetDouble());
        AssertScore(probabilities[v["river"]], candidates[1].GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task Run_TwoMasks_OneListPerMask_SequencesKeepSpecialTokensAndTheOtherMask()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.FillWordPiece, """{"text": "paris is the [MASK] of [MASK].", "params": {"top_k": 1}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var masks = AssertOutput(body).EnumerateArray().ToList();
        Assert.Equal(2, masks.Count);
        var first = Assert.Single(masks[0].EnumerateArray());
        var second = Assert.Single(masks[1].EnumerateArray());
        Assert.Equal("[CLS] paris is the capital of [MASK]. [SEP]", first.GetProperty("sequence").GetString());
        Assert.Equal("[CLS] paris is the [MASK] of capital. [SEP]", second.GetProperty("sequence").GetString());
    }

    [Fact]
    public async Task Run_ListOfTexts_OneAnswerPerText()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.FillWordPiece, """{"input": ["the [MASK] is big.", "a [MASK]."], "params": {"top_k": 1}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var answers = AssertOutput(body).EnumerateArray().ToList();
        Assert.Equal(["the capital is big.", "a capital."], answers.Select(a => Assert.Single(a.EnumerateArray()).GetProperty("sequence").GetString()));
    }

    [Theory]
    [InlineData("""{"text": "paris is the capital of france."}""", "No mask_token ([MASK]) found on the input.")]
    [InlineData("""{"text": "the [MASK].", "params": {"top_k": "two"}}""", "Parameter `top_k` must be an integer >= 1; got a string (\"two\").")]
    [InlineData("""{"text": "the [MASK].", "params": {"top_k": 0}}""", "Parameter `top_k` must be an integer >= 1")]
    [InlineData("""{"text": "the [MASK].", "params": {"targets": 3}}""", "Parameter `targets` must be a string or a list of strings")]
    [InlineData("""{"text": "the [MASK].", "params": {"candidate_labels": ["a"]}}""", "Unknown parameter `candidate_labels` for fill-mask; supported parameters: top_k, targets.")]
    [InlineData("""{"input": {"text": "the [MASK]."}}""", "fill-mask expects `input` (or `text`) as a string holding the model's mask token [MASK]")]
    [InlineData("""{"params": {"top_k": 1}}""", "fill-mask expects `text` (or `input`)")]
    public async Task Run_BadInput_400NamingWhatIsExpected(string json, string expected)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.FillWordPiece, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListTasks_IncludesTheThreeTasks()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (_, body, _) = await GetAsync(client, "list/tasks");

        var tasks = AssertOutput(body).EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("fill-mask", tasks);
        Assert.Contains("zero-shot-classification", tasks);
        Assert.Contains("text-ranking", tasks);
    }
}
