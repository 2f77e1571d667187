using System.Text.Json;

namespace Bytez.Conformance;

/// <summary>The official JavaScript client, bytez.js 3.0.0 from npm, unchanged, against our server.</summary>
public sealed class JsClientConformanceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ListModels_All_ReturnsTheCatalogInTheEnvelope()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "listModels", new { });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var ids = result.GetProperty("output").EnumerateArray().Select(m => m.GetProperty("modelId").GetString()).ToList();
        Assert.Contains(Models.MiniLm, ids);
        Assert.Contains(Models.ArcticXs, ids);
    }

    [Fact]
    public async Task ListModels_ByTask_ReturnsOnlyThatTask()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "listModels", new { task = "feature-extraction" });

        var models = result.GetProperty("output").EnumerateArray().ToList();
        Assert.NotEmpty(models);
        Assert.All(models, m => Assert.Equal("feature-extraction", m.GetProperty("task").GetString()));
    }

    [Fact]
    public async Task ListTasks_ReturnsTheEmbeddingTasks()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "listTasks");

        var tasks = result.GetProperty("output").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("feature-extraction", tasks);
        Assert.Contains("sentence-similarity", tasks);
    }

    [Fact]
    public async Task Model_Details_AreFilledFromListModels()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "details", new { modelId = Models.MiniLm });

        var details = result.GetProperty("details");
        Assert.Equal(Models.MiniLm, details.GetProperty("modelId").GetString());
        Assert.Equal("sentence-similarity", details.GetProperty("task").GetString());
    }

    [Theory]
    [InlineData(Models.MiniLm)]
    [InlineData(Models.ArcticXs)]
    public async Task Run_EmbeddingModel_ReturnsTheEmbedding(string modelId)
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId, input = Models.Sentences[0] });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        Assert.Equal(384, result.GetProperty("output").GetArrayLength());
    }

    [Fact]
    public async Task Run_ListOfSentences_MatchesThePublishedSimilarities()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = Models.MiniLm, input = Models.Sentences });

        var vectors = result.GetProperty("output").EnumerateArray().Select(Models.Vector).ToList();
        Assert.Equal(Models.PublishedSimilarity01, Models.Cosine(vectors[0], vectors[1]), 3);
        Assert.Equal(Models.PublishedSimilarity02, Models.Cosine(vectors[0], vectors[2]), 3);
        Assert.Equal(Models.PublishedSimilarity12, Models.Cosine(vectors[1], vectors[2]), 3);
    }

    [Fact]
    public async Task Run_WithParams_PassesThem()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = Models.MiniLm, input = "hi", @params = new { normalize = false } });

        var vector = Models.Vector(result.GetProperty("output"));
        Assert.NotEqual(1.0, Math.Sqrt(vector.Sum(x => (double)x * x)), 3);
    }

    [Fact]
    public async Task Run_UnknownModel_GivesTheErrorNotAnException()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = "openai-community/gpt2", input = "hi" });

        Assert.StartsWith("Model does not exist", result.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("output").ValueKind);
    }

    [Fact]
    public async Task Run_BadInput_GivesTheServersMessage()
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = Models.MiniLm, input = 42 });

        Assert.Contains("a number", result.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("output").ValueKind);
    }

    [Fact]
    public async Task AnyCall_WithBadKey_IsUnauthorized()
    {
        var list = await OfficialJsClient.CallAsync(fixture.Server, "listModels", new { }, key: "wrong");
        var run = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = Models.MiniLm, input = "hi" }, key: "wrong");

        Assert.Equal("Unauthorized", list.GetProperty("error").GetString());
        Assert.Equal("Unauthorized", run.GetProperty("error").GetString());
    }
}
