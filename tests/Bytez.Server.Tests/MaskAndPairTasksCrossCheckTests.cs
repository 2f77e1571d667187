using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;
using Ids = Bytez.Testing.MaskAndPairTasksServer;

namespace Bytez.Server.Tests;

/// <summary>
/// The server's fill-mask, zero-shot and text-ranking answers against Hugging Face's own JavaScript pipelines
/// (<c>@huggingface/transformers</c> 4.3.1) on the same model folders, where their semantics equal Python's (one mask
/// without targets; labels without ties and entailment not at id 0; rerankers with sigmoid).
/// </summary>
[Collection(nameof(MaskAndPairTasksCollection))]
public sealed class MaskAndPairTasksCrossCheckTests(MaskAndPairTasksFixture fixture)
{
    private const double Tolerance = 1e-6;

    [Fact]
    public async Task FillMask_SameCandidatesAsTransformersJs()
    {
        foreach (var (model, id, text) in new[]
        {
            (fixture.Tasks.WordPieceMask, Ids.FillWordPiece, "Paris is the [MASK] of France."),
            (fixture.Tasks.ByteLevelMask, Ids.FillByteLevel, "paris is the <mask> of france."),
        })
        {
            var oracle = await OracleAsync(model.Folder, "fill-mask", JsonValue.Create(text), new JsonObject { ["top_k"] = 3 });
            var ours = await RunAsync(id, JsonSerializer.Serialize(new { text, @params = new { top_k = 3 } }));

            var expected = oracle.EnumerateArray().ToList();
            var actual = ours.EnumerateArray().ToList();
            Assert.Equal(expected.Select(c => (c.GetProperty("token").GetInt32(), c.GetProperty("token_str").GetString(), c.GetProperty("sequence").GetString())),
                actual.Select(c => (c.GetProperty("token").GetInt32(), c.GetProperty("token_str").GetString(), c.GetProperty("sequence").GetString())));
            AssertClose(expected.Select(c => c.GetProperty("score").GetDouble()), actual.Select(c => c.GetProperty("score").GetDouble()));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ZeroShot_SameLabelsAndScoresAsTransformersJs(bool multiLabel)
    {
        string[] labels = ["sports", "politics", "cooking"];
        var oracle = await OracleAsync(fixture.Tasks.NliModel.Folder, "zero-shot-classification",
            new JsonObject { ["text"] = "the game was great", ["labels"] = new JsonArray([.. labels.Select(l => (JsonNode)l)]) },
            new JsonObject { ["multi_label"] = multiLabel });
        var ours = await RunAsync(Ids.Nli, JsonSerializer.Serialize(new
        {
            input = new { text = "the game was great", candidate_labels = labels },
            @params = new { multi_label = multiLabel },
        }));

        Assert.Equal(oracle.GetProperty("sequence").GetString(), ours.GetProperty("sequence").GetString());
        Assert.Equal(oracle.GetProperty("labels").EnumerateArray().Select(l => l.GetString()), ours.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        AssertClose(oracle.GetProperty("scores").EnumerateArray().Select(s => s.GetDouble()), ours.GetProperty("scores").EnumerateArray().Select(s => s.GetDouble()));
    }

    [Fact]
    public async Task TextRanking_SameOrderAndScoresAsTransformersJs()
    {
        string[] documents = ["paris is the capital of france", "berlin lies on a river", "the seine is a river in paris", "a city"];
        foreach (var (model, id) in new[] { (fixture.Tasks.RerankerModel, Ids.Reranker), (fixture.Tasks.UnigramRerankerModel, Ids.UnigramReranker) })
        {
            var oracle = await OracleAsync(model.Folder, "text-ranking",
                new JsonObject { ["query"] = "what is the capital of france", ["documents"] = new JsonArray([.. documents.Select(d => (JsonNode)d)]) });
            var ours = await RunAsync(id, JsonSerializer.Serialize(new { input = new { query = "what is the capital of france", documents } }));

            var expected = oracle.EnumerateArray().ToList();
            var actual = ours.EnumerateArray().ToList();
            Assert.Equal(expected.Select(r => r.GetProperty("corpus_id").GetInt32()), actual.Select(r => r.GetProperty("corpus_id").GetInt32()));
            AssertClose(expected.Select(r => r.GetProperty("score").GetDouble()), actual.Select(r => r.GetProperty("score").GetDouble()));
        }
    }

    private static async Task<JsonElement> OracleAsync(string folder, string task, JsonNode input, JsonObject? options = null)
    {
        var results = await TransformersJs.RunAsync(
            EncoderModelFolders.Root(folder), [new TransformersJsRequest(task, EncoderModelFolders.Id(folder), input, options)], TestContext.Current.CancellationToken);
        return results[0];
    }

    private async Task<JsonElement> RunAsync(string model, string json)
    {
        using var client = fixture.Server.CreateHttpClient();
        var (status, body, _) = await PostAsync(client, model, json);
        Assert.Equal(HttpStatusCode.OK, status);
        return AssertOutput(body);
    }

    private static void AssertClose(IEnumerable<double> expected, IEnumerable<double> actual)
    {
        var e = expected.ToList();
        var a = actual.ToList();
        Assert.Equal(e.Count, a.Count);
        for (var i = 0; i < e.Count; i++)
        {
            Assert.Equal(e[i], a[i], Tolerance);
        }
    }
}
