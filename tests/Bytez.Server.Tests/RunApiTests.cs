using System.Net;
using System.Text.Json;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

public sealed class RunApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";
    private const string ArcticXs = "Snowflake/snowflake-arctic-embed-xs";

    [Theory]
    [InlineData("{\"input\": \"The weather is lovely today.\"}")]
    [InlineData("{\"text\": \"The weather is lovely today.\"}")]
    [InlineData("{\"input\": {\"text\": \"The weather is lovely today.\"}}")]
    public async Task Run_OneText_AnswersOneUnitVector(string json)
    {
        using var client = fixture.Server.CreateHttpClient();
        var (status, body, _) = await PostAsync(client, MiniLm, json);

        Assert.Equal(HttpStatusCode.OK, status);
        var vector = Vector(AssertOutput(body));
        Assert.Equal(384, vector.Length);
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(x => (double)x * x)), 4);
    }

    [Fact]
    public async Task Run_ListOfTexts_AnswersOneVectorPerTextInOrder()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (_, body, _) = await PostAsync(client, MiniLm,
            """{"input": ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]}""");
        var vectors = AssertOutput(body).EnumerateArray().Select(Vector).ToList();
        var (_, single, _) = await PostAsync(client, MiniLm, """{"input": "He drove to the stadium."}""");

        Assert.Equal(3, vectors.Count);
        Assert.Equal(1.0, Cosine(vectors[2], Vector(AssertOutput(single))), 5);
        // The published sentence-transformers values for this model: 0.6660 and 0.1046.
        Assert.Equal(0.6660, Cosine(vectors[0], vectors[1]), 3);
        Assert.Equal(0.1046, Cosine(vectors[0], vectors[2]), 3);
    }

    [Fact]
    public async Task Run_SourceSentenceForm_AnswersSimilarityScores()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (status, body, _) = await PostAsync(client, MiniLm,
            """{"input": {"source_sentence": "The weather is lovely today.", "sentences": ["It's so sunny outside!", "He drove to the stadium."]}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var scores = Vector(AssertOutput(body));
        Assert.Equal(2, scores.Length);
        Assert.Equal(0.6660, scores[0], 3);
        Assert.Equal(0.1046, scores[1], 3);
    }

    [Fact]
    public async Task Run_ArcticWithQueryPrompt_RanksTheRightPassageFirst()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (_, query, _) = await PostAsync(client, ArcticXs, """{"input": "what is snowflake?", "params": {"prompt_name": "query"}}""");
        var (_, docs, _) = await PostAsync(client, ArcticXs, """{"input": ["The Data Cloud!", "Mexico City of Course!"]}""");

        var q = Vector(AssertOutput(query));
        var d = AssertOutput(docs).EnumerateArray().Select(Vector).ToList();
        Assert.True(Cosine(q, d[0]) > Cosine(q, d[1]));
    }

    [Fact]
    public async Task Run_ModelIdInOtherCase_FindsTheModel()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (status, _, _) = await PostAsync(client, "Sentence-Transformers/ALL-MiniLM-L6-v2", """{"input": "hi"}""");

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Run_PythonClientBody_IsAccepted()
    {
        // bytez 3.0.1 (Python) always sends "stream": false and drops null keys.
        using var client = fixture.Server.CreateHttpClient();
        var (status, body, _) = await PostAsync(client, MiniLm, """{"stream": false, "input": "hi"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(384, AssertOutput(body).GetArrayLength());
    }
}
