using System.Text.Json;
using Bytez.Protocol;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>
/// The official Cohere JavaScript client (<c>cohere-ai</c> 8.1.0 from npm, unchanged) against <c>/v1/rerank</c> and
/// <c>/v2/rerank</c> on the tiny cross-encoders: its parsed results are the Bytez text-ranking route's (as our SDK
/// reads them), its documents and meta as sent, and a bad request surfaces as the client's BadRequestError.
/// </summary>
public sealed class CohereRerankConformanceTests(MaskAndPairTasksFixture fixture) : IClassFixture<MaskAndPairTasksFixture>
{
    private const string Query = "what is the capital of france";
    private static readonly string[] Documents = ["paris is the capital of france", "berlin lies on a river", "the seine is a river in paris"];

    private MaskAndPairTasksServer Tasks => fixture.Tasks;

    private async Task<List<(int Index, double Score)>> BytezRankingAsync(string model)
    {
        using var client = new BytezClient(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = Tasks.Server.ApiBase });
        var result = await client.Model(model).RunAsync(new TextRankingInput(Query, Documents), cancellationToken: TestContext.Current.CancellationToken);
        return [.. result.GetRanking().Select(r => (r.CorpusId, r.Score))];
    }

    private static List<(int Index, double Score)> Results(JsonElement response) =>
        [.. response.GetProperty("results").EnumerateArray().Select(r => (r.GetProperty("index").GetInt32(), r.GetProperty("relevanceScore").GetDouble()))];

    [Theory]
    [InlineData(MaskAndPairTasksServer.Reranker)]
    [InlineData(MaskAndPairTasksServer.UnigramReranker)]
    public async Task CohereClient_RerankV1_TheBytezRoutesRanking(string model)
    {
        var expected = await BytezRankingAsync(model);

        var response = await OfficialJsClient.CallCohereAsync(Tasks.Server, "rerank", new { model, query = Query, documents = Documents });

        Assert.False(response.TryGetProperty("thrown", out var thrown), thrown.ToString());
        Assert.Equal(expected, Results(response));
        Assert.Equal("1", response.GetProperty("meta").GetProperty("apiVersion").GetProperty("version").GetString());
        Assert.Equal(1, response.GetProperty("meta").GetProperty("billedUnits").GetProperty("searchUnits").GetInt32());
        Assert.False(string.IsNullOrEmpty(response.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task CohereClient_RerankV1ObjectDocuments_TopNWithTheDocumentsAsSent()
    {
        var expected = await BytezRankingAsync(MaskAndPairTasksServer.Reranker);
        var documents = Documents.Select((d, i) => new Dictionary<string, string> { ["text"] = d, ["source"] = $"s{i}" }).ToArray();

        var response = await OfficialJsClient.CallCohereAsync(Tasks.Server, "rerank", new
        {
            model = MaskAndPairTasksServer.Reranker, query = Query, documents, topN = 2, returnDocuments = true, maxChunksPerDoc = 4,
        });

        Assert.False(response.TryGetProperty("thrown", out var thrown), thrown.ToString());
        Assert.Equal(expected.Take(2), Results(response));
        var sent = response.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("document")).ToList();
        Assert.Equal([Documents[expected[0].Index], Documents[expected[1].Index]], sent.Select(d => d.GetProperty("text").GetString()));
        Assert.Equal([$"s{expected[0].Index}", $"s{expected[1].Index}"], sent.Select(d => d.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task CohereClientV2_Rerank_TheBytezRoutesRanking()
    {
        var expected = await BytezRankingAsync(MaskAndPairTasksServer.Reranker);

        var response = await OfficialJsClient.CallCohereAsync(Tasks.Server, "rerankV2", new
        {
            model = MaskAndPairTasksServer.Reranker, query = Query, documents = Documents, topN = 3, maxTokensPerDoc = 4096,
        });

        Assert.False(response.TryGetProperty("thrown", out var thrown), thrown.ToString());
        Assert.Equal(expected, Results(response));
        Assert.Equal("2", response.GetProperty("meta").GetProperty("apiVersion").GetProperty("version").GetString());
    }

    [Fact]
    public async Task CohereClientV2_NotARerankerOrUnknown_BadRequestAndNotFoundWithTheServersMessage()
    {
        var wrongTask = await OfficialJsClient.CallCohereAsync(Tasks.Server, "rerankV2", new { model = MaskAndPairTasksServer.FillWordPiece, query = Query, documents = Documents });
        var unknown = await OfficialJsClient.CallCohereAsync(Tasks.Server, "rerankV2", new { model = "nobody/nothing", query = Query, documents = Documents });

        var bad = wrongTask.GetProperty("thrown");
        Assert.Equal("BadRequestError", bad.GetProperty("name").GetString());
        Assert.Equal(400, bad.GetProperty("statusCode").GetInt32());
        Assert.Contains("text-ranking", bad.GetProperty("body").GetProperty("message").GetString(), StringComparison.Ordinal);
        var missing = unknown.GetProperty("thrown");
        Assert.Equal("NotFoundError", missing.GetProperty("name").GetString());
        Assert.Equal(404, missing.GetProperty("statusCode").GetInt32());
    }
}
