using System.Net;
using Bytez.Protocol;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>Our C# SDK against our server: the same checks the official client passes.</summary>
public sealed class SdkConformanceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private BytezClient CreateClient(string key = TestServer.Key) =>
        new(new BytezClientOptions { ApiKey = key, BaseAddress = fixture.Server.ApiBase });

    [Fact]
    public async Task ListModels_All_ReturnsTheCatalog()
    {
        using var client = CreateClient();
        var result = await client.List.ModelsAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        var ids = result.Output!.Select(m => m.ModelId).ToList();
        Assert.Contains(Models.MiniLm, ids);
        Assert.Contains(Models.ArcticXs, ids);
        Assert.All(result.Output!, m => Assert.True(m.RamRequired > 0 && m.Params > 0));
    }

    [Fact]
    public async Task ListModels_ByTask_ReturnsOnlyThatTask()
    {
        using var client = CreateClient();
        var result = await client.List.ModelsAsync("feature-extraction", TestContext.Current.CancellationToken);

        Assert.NotEmpty(result.Output!);
        Assert.All(result.Output!, m => Assert.Equal("feature-extraction", m.Task));
    }

    [Fact]
    public async Task ListTasks_ReturnsTheEmbeddingTasks()
    {
        using var client = CreateClient();
        var result = await client.List.TasksAsync(TestContext.Current.CancellationToken);

        Assert.Contains(BytezTasks.FeatureExtraction, result.Output!);
        Assert.Contains(BytezTasks.SentenceSimilarity, result.Output!);
    }

    [Fact]
    public async Task Model_Details_ComeFromListModels()
    {
        using var client = CreateClient();
        var details = await client.Model(Models.MiniLm).GetDetailsAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(details);
        Assert.Equal(BytezTasks.SentenceSimilarity, details.Task);
    }

    [Theory]
    [InlineData(Models.MiniLm)]
    [InlineData(Models.ArcticXs)]
    public async Task Run_EmbeddingModel_ReturnsTheEmbedding(string modelId)
    {
        using var client = CreateClient();
        var result = await client.Model(modelId).RunAsync(Models.Sentences[0], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.Equal(384, result.GetEmbedding().Length);
    }

    [Fact]
    public async Task Run_ListOfSentences_MatchesThePublishedSimilarities()
    {
        using var client = CreateClient();
        var result = await client.Model(Models.MiniLm).RunAsync(Models.Sentences, cancellationToken: TestContext.Current.CancellationToken);

        var vectors = result.EnsureSuccess().GetEmbeddings();
        Assert.Equal(Models.PublishedSimilarity01, Models.Cosine(vectors[0], vectors[1]), 3);
        Assert.Equal(Models.PublishedSimilarity02, Models.Cosine(vectors[0], vectors[2]), 3);
        Assert.Equal(Models.PublishedSimilarity12, Models.Cosine(vectors[1], vectors[2]), 3);
    }

    [Fact]
    public async Task Run_WithParams_PassesThem()
    {
        using var client = CreateClient();
        var arctic = client.Model(Models.ArcticXs);
        var plain = await arctic.RunAsync("what is snowflake?", cancellationToken: TestContext.Current.CancellationToken);
        var query = await arctic.RunAsync("what is snowflake?", new ModelParameters { PromptName = "query" }, TestContext.Current.CancellationToken);

        Assert.True(Models.Cosine(plain.GetEmbedding(), query.GetEmbedding()) < 0.999);
    }

    [Fact]
    public async Task Run_UnknownModel_GivesErrorAnd404WithoutThrowing()
    {
        using var client = CreateClient();
        var result = await client.Model("openai-community/gpt2").RunAsync("hi", cancellationToken: TestContext.Current.CancellationToken);

        Assert.StartsWith("Model does not exist", result.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, result.StatusCode);
        var thrown = Assert.Throws<BytezException>(() => result.EnsureSuccess());
        Assert.Equal(HttpStatusCode.NotFound, thrown.StatusCode);
    }

    [Fact]
    public async Task Run_BadInput_GivesTheServersMessage()
    {
        using var client = CreateClient();
        var result = await client.Model(Models.MiniLm).RunAsync(42, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, result.StatusCode);
        Assert.Contains("a number", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCall_WithBadKey_IsUnauthorized()
    {
        using var client = CreateClient("wrong");
        var list = await client.List.ModelsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var run = await client.Model(Models.MiniLm).RunAsync("hi", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Unauthorized", list.Error);
        Assert.Equal("Unauthorized", run.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, run.StatusCode);
    }

    [Fact]
    public async Task RequestModel_AvailableModel_SaysSo()
    {
        using var client = CreateClient();
        var result = await client.RequestModelAsync(Models.MiniLm, TestContext.Current.CancellationToken);

        Assert.Equal("Model available", result.GetText());
    }

    [Fact]
    public async Task Stream_NonStreamingTask_ThrowsWithTheServersMessage()
    {
        using var client = CreateClient();
        var error = await Assert.ThrowsAsync<BytezException>(async () =>
        {
            await foreach (var _ in client.Model(Models.MiniLm).StreamAsync("hi", cancellationToken: TestContext.Current.CancellationToken))
            {
            }
        });

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("stream", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>The cluster lifecycle through our SDK against our server.</summary>
public sealed class SdkClusterTests
{
    [Fact]
    public async Task Lifecycle_LoadStatusUpdateShutdown_ThroughTheSdk()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new BytezClient(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = server.ApiBase });
        var model = client.Model(Models.ArcticXs);

        var loaded = await model.LoadAsync(
            new ClusterRequest { Timeout = 3, Capacity = new ClusterCapacity { Min = 1, Desired = 1, Max = 2 } },
            timeout: TimeSpan.FromMinutes(2),
            pollInterval: TimeSpan.FromMilliseconds(50),
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(loaded.Error);
        Assert.Equal(ClusterStatuses.Running, loaded.Output!.Status);
        Assert.Equal(3, loaded.Output.Timeout);

        (await model.RunAsync("hello", cancellationToken: TestContext.Current.CancellationToken)).EnsureSuccess();
        var status = await model.StatusAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, status.Output!.Inferences);
        Assert.NotNull(status.Output.LastInference);

        var updated = await model.UpdateAsync(new ClusterRequest { Timeout = 30 }, TestContext.Current.CancellationToken);
        Assert.Equal(30, updated.Output!.Timeout);

        var clusters = await client.List.ClustersAsync(TestContext.Current.CancellationToken);
        Assert.Contains(clusters.Output!, c => c.ModelId == Models.ArcticXs);

        var shutdown = await model.ShutdownAsync(TestContext.Current.CancellationToken);
        Assert.Null(shutdown.Error);
        var after = await model.StatusAsync(TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, after.StatusCode);
    }

    [Fact]
    public async Task Load_ModelTooBigForTheBudget_ReportsTheMemoryRefusal()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Bytez:Scheduler:MemoryBudgetBytes"] = "1000000" });
        using var client = new BytezClient(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = server.ApiBase });

        var result = await client.Model(Models.MiniLm).LoadAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains("Not enough memory", result.Error, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, result.StatusCode);
    }
}
