using System.Net;
using System.Text.Json;
using static Bytez.Server.Tests.Http;
using Ids = Bytez.Testing.MaskAndPairTasksServer;

namespace Bytez.Server.Tests.Apis.Rerank;

/// <summary>
/// Cohere's (and Jina's) <c>/v1/rerank</c> and <c>/v2/rerank</c> on the real server with the tiny cross-encoders: the
/// results are the Bytez text-ranking route's (index = corpus_id, relevance_score = score, same order), documents are
/// echoed as sent, usage counts the pair tokens of the design, errors are Cohere's <c>{"message"}</c>.
/// </summary>
[Collection(nameof(MaskAndPairTasksCollection))]
public sealed class RerankApiTests(MaskAndPairTasksFixture fixture)
{
    private const string Query = "what is the capital of france";
    private static readonly string[] Documents = ["paris is the capital of france", "berlin lies on a river", "the seine is a river in paris"];

    public static TheoryData<string, string> Routes => new() { { "/v1/rerank", "1" }, { "/v2/rerank", "2" } };

    private async Task<List<(int Index, double Score)>> BytezRankingAsync(HttpClient client, string model, string query, string[] documents)
    {
        var (status, body, _) = await PostAsync(client, model, JsonSerializer.Serialize(new { input = new { query, documents } }));
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. AssertOutput(body).EnumerateArray().Select(r => (r.GetProperty("corpus_id").GetInt32(), r.GetProperty("score").GetDouble()))];
    }

    private static List<(int Index, double Score)> Results(JsonElement body) =>
        [.. body.GetProperty("results").EnumerateArray().Select(r => (r.GetProperty("index").GetInt32(), r.GetProperty("relevance_score").GetDouble()))];

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Rerank_Strings_EqualTheBytezRouteWithCohereMetaAndJinaUsage(string path, string version)
    {
        using var client = fixture.Server.CreateHttpClient();
        var expected = await BytezRankingAsync(client, Ids.Reranker, Query, Documents);

        var (status, body, _) = await PostAsync(client, path, JsonSerializer.Serialize(new { model = Ids.Reranker, query = Query, documents = Documents }));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(expected, Results(body));
        Assert.Equal([0, 2, 1], Results(body).Select(r => r.Index));
        Assert.True(Guid.TryParse(body.GetProperty("id").GetString(), out _));
        Assert.All(body.GetProperty("results").EnumerateArray(), r => Assert.False(r.TryGetProperty("document", out _)));
        Assert.Equal(version, body.GetProperty("meta").GetProperty("api_version").GetProperty("version").GetString());
        Assert.Equal(1, body.GetProperty("meta").GetProperty("billed_units").GetProperty("search_units").GetInt32());
        Assert.Equal(Ids.Reranker, body.GetProperty("model").GetString());
        var v = fixture.Tasks.RerankerModel.Vocabulary;
        string[] Words(string text) => [.. text.Split(' ').Select(v.Word)];
        var tokens = Documents.Sum(d => v.Pair(Words(Query), Words(d)).Length);
        Assert.Equal(tokens, body.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Rerank_ObjectDocumentsTopNReturnDocuments_CutAndEchoEveryField()
    {
        using var client = fixture.Server.CreateHttpClient();
        var documents = Documents.Select((d, i) => new { text = d, id = $"doc-{i}" }).ToArray();

        var (status, body, _) = await PostAsync(client, "/v1/rerank", JsonSerializer.Serialize(new
        {
            model = Ids.UnigramReranker, query = Query, documents, top_n = 2, return_documents = true, max_chunks_per_doc = 10,
        }));

        Assert.Equal(HttpStatusCode.OK, status);
        var expected = await BytezRankingAsync(client, Ids.UnigramReranker, Query, Documents);
        Assert.Equal(expected.Take(2), Results(body));
        var echoed = body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("document")).ToList();
        Assert.Equal(["doc-0", "doc-2"], echoed.Select(d => d.GetProperty("id").GetString()));
        Assert.Equal([Documents[0], Documents[2]], echoed.Select(d => d.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Rerank_StringsReturnDocuments_JinaDocumentText()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, "/v1/rerank", JsonSerializer.Serialize(new { model = Ids.Reranker, query = Query, documents = Documents, return_documents = true }));

        Assert.Equal(HttpStatusCode.OK, status);
        var first = body.GetProperty("results")[0].GetProperty("document");
        Assert.Equal(["text"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Documents[0], first.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Rerank_RankFields_RanksTheNamedFieldsAsLines()
    {
        using var client = fixture.Server.CreateHttpClient();
        var documents = new[] { new { title = "berlin", text = "lies on a river" }, new { title = "paris", text = "is the capital of france" } };
        var expected = await BytezRankingAsync(client, Ids.UnigramReranker, Query, ["title: berlin\ntext: lies on a river", "title: paris\ntext: is the capital of france"]);

        var (status, body, _) = await PostAsync(client, "/v1/rerank", JsonSerializer.Serialize(new { model = Ids.UnigramReranker, query = Query, documents, rank_fields = new[] { "title", "text" } }));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(expected, Results(body));
    }

    [Theory]
    [InlineData("""{"model": "tiny/bert-reranker", "query": "q"}""", "'documents'")]
    [InlineData("""{"query": "q", "documents": ["a"]}""", "'model'")]
    [InlineData("""{"model": "tiny/bert-reranker", "query": "q", "documents": ["a"], "top_n": 0}""", "'top_n'")]
    [InlineData("""{"model": "tiny/bert-reranker", "query": "q", "documents": [{"title": "a"}]}""", "documents[0]")]
    [InlineData("""{"model": "tiny/bert-reranker", "query": "q", "documents": [1]}""", "documents[0]")]
    [InlineData("""{"model": "tiny/bert-reranker", "query": 5, "documents": ["a"]}""", "'query'")]
    [InlineData("""{"model": "tiny/bert-fill-mask", "query": "q", "documents": ["a"]}""", "text-ranking")]
    public async Task Rerank_BadRequest_400CohereMessageNamingTheField(string json, string named)
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, "/v1/rerank", json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["message"], body.EnumerateObject().Select(p => p.Name));
        Assert.Contains(named, body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rerank_UnknownModelOrNoKey_404And401InCohereShape()
    {
        using var client = fixture.Server.CreateHttpClient();
        using var anonymous = fixture.Server.CreateHttpClient(authorization: null);

        var (missing, missingBody, _) = await PostAsync(client, "/v2/rerank", """{"model": "nobody/nothing", "query": "q", "documents": ["a"]}""");
        var (unauthorized, unauthorizedBody, _) = await PostAsync(anonymous, "/v2/rerank", """{"model": "tiny/bert-reranker", "query": "q", "documents": ["a"]}""");

        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Contains("nobody/nothing", missingBody.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized);
        Assert.True(unauthorizedBody.TryGetProperty("message", out _));
    }
}
