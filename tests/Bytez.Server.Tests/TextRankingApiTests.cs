using System.Net;
using System.Text.Json;
using static Bytez.Server.Tests.ScoreAssert;
using static Bytez.Testing.Float32Expected;
using static Bytez.Server.Tests.Http;
using Ids = Bytez.Testing.MaskAndPairTasksServer;

namespace Bytez.Server.Tests;

/// <summary>
/// text-ranking through the real server on tiny cross-encoders whose one logit is a sum over the pair's tokens
/// (paris 2, capital 1, france 1, berlin -1, river -2, seine 0.5; the BERT one adds 0.25 per token of type 1): the
/// scores are the sigmoid of that sum, the order is by score, as sentence-transformers' <c>CrossEncoder.rank</c>.
/// </summary>
[Collection(nameof(MaskAndPairTasksCollection))]
public sealed class TextRankingApiTests(MaskAndPairTasksFixture fixture)
{
    private const string Query = "what is the capital of france";
    private static readonly string[] Documents = ["paris is the capital of france", "berlin lies on a river", "the seine is a river in paris"];
    private static readonly string Input = JsonSerializer.Serialize(new { query = Query, documents = Documents });

    [Fact]
    public async Task Run_AllDocumentsBestFirst_SigmoidOfThePairLogit()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.Reranker, "{\"input\": " + Input + "}");

        Assert.Equal(HttpStatusCode.OK, status);
        var logits = PairLogits(fixture.Tasks.RerankerModel);
        Assert.Equal([7.75f, 0.5f, 4.5f], logits); // the design: 6, -1, 2.5 plus 0.25 per document token and its [SEP]
        var ranked = AssertOutput(body).EnumerateArray().ToList();
        Assert.Equal(["corpus_id", "score"], ranked[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal([0, 2, 1], ranked.Select(r => r.GetProperty("corpus_id").GetInt32()));
        AssertScore(Sigmoid(logits[0]), ranked[0].GetProperty("score").GetDouble());
        AssertScore(Sigmoid(logits[2]), ranked[1].GetProperty("score").GetDouble());
        AssertScore(Sigmoid(logits[1]), ranked[2].GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task Run_TopKAndReturnDocuments_CutAndWithText()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.Reranker, "{\"input\": " + Input + ", \"params\": {\"top_k\": 2, \"return_documents\": true}}");

        Assert.Equal(HttpStatusCode.OK, status);
        var ranked = AssertOutput(body).EnumerateArray().ToList();
        Assert.Equal(["corpus_id", "score", "text"], ranked[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal([(0, Documents[0]), (2, Documents[2])], ranked.Select(r => (r.GetProperty("corpus_id").GetInt32(), r.GetProperty("text").GetString())));
    }

    [Fact]
    public async Task Run_UnigramWithoutTokenTypes_DefaultSigmoidForOneLabel()
    {
        using var client = fixture.Server.CreateHttpClient();

        // No sentence_transformers entry in its config: one label means sigmoid, as CrossEncoder's default.
        var (status, body, _) = await PostAsync(client, Ids.UnigramReranker, "{\"input\": " + Input + ", \"params\": {\"top_k\": null}}");

        Assert.Equal(HttpStatusCode.OK, status);
        var logits = PairLogits(fixture.Tasks.UnigramRerankerModel);
        Assert.Equal([6f, -1f, 2.5f], logits);
        var ranked = AssertOutput(body).EnumerateArray().ToList();
        Assert.Equal([0, 2, 1], ranked.Select(r => r.GetProperty("corpus_id").GetInt32()));
        AssertScore(Sigmoid(-1f), ranked[2].GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task Run_EqualScores_KeepDocumentOrder()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.UnigramReranker, """{"input": {"query": "paris", "documents": ["a city", "the seine", "a city"]}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([1, 0, 2], AssertOutput(body).EnumerateArray().Select(r => r.GetProperty("corpus_id").GetInt32()));
    }

    [Theory]
    [InlineData("""{"text": "capital of france"}""", "text-ranking expects `input` as {\"query\": \"...\", \"documents\": [\"...\", ...]}; got `text`.")]
    [InlineData("""{"input": "capital of france"}""", "expects `input` as {\"query\"")]
    [InlineData("""{"input": {"query": "q"}}""", "`documents` is missing")]
    [InlineData("""{"input": {"documents": ["d"]}}""", "`query` is missing")]
    [InlineData("""{"input": {"query": 1, "documents": ["d"]}}""", "expects `input.query` as a string; got a number (1).")]
    [InlineData("""{"input": {"query": "q", "documents": "d"}}""", "expects `input.documents` as a list of strings; got a string (\"d\").")]
    [InlineData("""{"input": {"query": "q", "documents": ["d", 2]}}""", "item 1 is a number (2)")]
    [InlineData("""{"input": {"query": "q", "documents": ["d"], "top_k": 1}}""", "reads `query` and `documents` from `input`; got `top_k`")]
    [InlineData("""{"input": {"query": "q", "documents": ["d"]}, "params": {"top_k": 0}}""", "Parameter `top_k` must be an integer >= 1; got a number (0).")]
    [InlineData("""{"input": {"query": "q", "documents": ["d"]}, "params": {"return_documents": "yes"}}""", "Parameter `return_documents` must be true or false")]
    [InlineData("""{"input": {"query": "q", "documents": ["d"]}, "params": {"batch_size": 8}}""", "Unknown parameter `batch_size` for text-ranking; supported parameters: top_k, return_documents.")]
    public async Task Run_BadInput_400NamingWhatIsExpected(string json, string expected)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, Ids.Reranker, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    private static float[] PairLogits(Bytez.Testing.TinyModels.RerankerModel model)
    {
        var v = model.Vocabulary;
        string[] Words(string text) => [.. text.Split(' ').Select(v.Word)];
        return [.. Documents.Select(d => model.PairLogit(Words(Query), Words(d)))];
    }
}
