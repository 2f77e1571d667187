using System.Net;
using System.Text.Json;
using static Bytez.Server.Tests.Http;
using Ids = Bytez.Testing.MaskAndPairTasksServer;

namespace Bytez.Server.Tests.Apis.Tei;

/// <summary>
/// TEI's <c>POST /rerank</c> on the tiny cross-encoders: <c>[{index, score, text?}]</c> best first with the Bytez
/// route's scores, <c>raw_scores</c> the design's logits, errors in TEI's <c>{"error", "error_type"}</c>.
/// </summary>
[Collection(nameof(MaskAndPairTasksCollection))]
public sealed class TeiRerankApiTests(MaskAndPairTasksFixture fixture)
{
    private const string Query = "what is the capital of france";
    private static readonly string[] Texts = ["paris is the capital of france", "berlin lies on a river", "the seine is a river in paris"];

    [Fact]
    public async Task Rerank_Default_TheBytezRoutesScoresBestFirst()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (_, bytez, _) = await PostAsync(client, Ids.Reranker, JsonSerializer.Serialize(new { input = new { query = Query, documents = Texts } }));
        var expected = AssertOutput(bytez).EnumerateArray().Select(r => (r.GetProperty("corpus_id").GetInt32(), r.GetProperty("score").GetDouble())).ToList();

        var (status, body, _) = await PostAsync(client, "/rerank", JsonSerializer.Serialize(new { model = Ids.Reranker, query = Query, texts = Texts }));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(expected, body.EnumerateArray().Select(r => (r.GetProperty("index").GetInt32(), r.GetProperty("score").GetDouble())));
        Assert.Equal(["index", "score"], body[0].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Rerank_RawScoresReturnText_TheLogitsOfTheDesignWithText()
    {
        using var client = fixture.Server.CreateHttpClient();
        var model = fixture.Tasks.RerankerModel;
        string[] Words(string text) => [.. text.Split(' ').Select(model.Vocabulary.Word)];

        var (status, body, _) = await PostAsync(client, "/rerank", JsonSerializer.Serialize(new { model = Ids.Reranker, query = Query, texts = Texts, raw_scores = true, return_text = true, truncate = true }));

        Assert.Equal(HttpStatusCode.OK, status);
        var results = body.EnumerateArray().ToList();
        Assert.Equal([0, 2, 1], results.Select(r => r.GetProperty("index").GetInt32()));
        foreach (var r in results)
        {
            var index = r.GetProperty("index").GetInt32();
            Assert.Equal(Texts[index], r.GetProperty("text").GetString());
            Assert.Equal(model.PairLogit(Words(Query), Words(Texts[index])), r.GetProperty("score").GetSingle());
        }
    }

    [Theory]
    [InlineData("""{"model": "tiny/bert-reranker", "query": "q", "texts": "a"}""", HttpStatusCode.BadRequest, "'texts'")]
    [InlineData("""{"model": "tiny/bert-reranker", "query": "q", "texts": ["a"], "truncation_direction": "Left"}""", HttpStatusCode.BadRequest, "truncation_direction")]
    [InlineData("""{"model": "nobody/nothing", "query": "q", "texts": ["a"]}""", HttpStatusCode.NotFound, "nobody/nothing")]
    public async Task Rerank_Bad_TeiErrorShape(string json, HttpStatusCode expected, string named)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, "/rerank", json);

        Assert.Equal(expected, status);
        Assert.Equal(["error", "error_type"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("validation", body.GetProperty("error_type").GetString());
        Assert.Contains(named, body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
