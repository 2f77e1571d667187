using System.Net;
using System.Text.Json;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

public sealed class ListApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";
    private const string ArcticXs = "Snowflake/snowflake-arctic-embed-xs";

    [Fact]
    public async Task ListModels_NoFilter_ListsEmbeddedModelsWithExactlyTheReferenceFields()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (status, body, response) = await GetAsync(client, "list/models");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Content.Headers.ContentLength);
        var models = AssertOutput(body).EnumerateArray().ToList();
        var ids = models.Select(m => m.GetProperty("modelId").GetString()).ToList();
        Assert.Contains(MiniLm, ids);
        Assert.Contains(ArcticXs, ids);
        foreach (var model in models)
        {
            Assert.Equal(["meter", "meterPrice", "modelId", "params", "ramRequired", "task"], model.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal(JsonValueKind.Number, model.GetProperty("params").ValueKind);
            Assert.Equal(JsonValueKind.Number, model.GetProperty("ramRequired").ValueKind);
            Assert.True(model.GetProperty("ramRequired").GetDouble() > 0);
            Assert.Matches(@"^\d+(\.\d+)? / sec$", model.GetProperty("meterPrice").GetString());
        }
    }

    [Fact]
    public async Task ListModels_MiniLm_HasParameterCountFromItsWeights()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (_, body, _) = await GetAsync(client, $"list/models?modelId={MiniLm}");

        var model = Assert.Single(AssertOutput(body).EnumerateArray());
        Assert.Equal("sentence-similarity", model.GetProperty("task").GetString());
        // all-MiniLM-L6-v2 has 22.7 million parameters.
        Assert.Equal(0.0227, model.GetProperty("params").GetDouble(), 4);
        Assert.Equal("micro", model.GetProperty("meter").GetString());
    }

    [Theory]
    [InlineData("feature-extraction", ArcticXs)]
    [InlineData("sentence-similarity", MiniLm)]
    public async Task ListModels_TaskFilter_ListsOnlyThatTask(string task, string expectedModel)
    {
        using var client = fixture.Server.CreateHttpClient();
        var (status, body, _) = await GetAsync(client, $"list/models?task={task}");

        Assert.Equal(HttpStatusCode.OK, status);
        var models = AssertOutput(body).EnumerateArray().ToList();
        Assert.All(models, m => Assert.Equal(task, m.GetProperty("task").GetString()));
        Assert.Contains(models, m => m.GetProperty("modelId").GetString() == expectedModel);
    }

    [Fact]
    public async Task ListModels_UnknownTask_IsEmpty()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (status, body, _) = await GetAsync(client, "list/models?task=text-to-video");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(AssertOutput(body).EnumerateArray());
    }

    [Fact]
    public async Task ListModels_BytezJsJoinedQuery_FiltersByBoth()
    {
        // bytez.js 3.0.0 builds "?task=a?modelId=b" when given both filters.
        using var client = fixture.Server.CreateHttpClient();
        var (_, body, _) = await GetAsync(client, $"list/models?task=feature-extraction?modelId={ArcticXs}");

        var model = Assert.Single(AssertOutput(body).EnumerateArray());
        Assert.Equal(ArcticXs, model.GetProperty("modelId").GetString());
    }

    [Fact]
    public async Task ListTasks_Always_ListsTheEmbeddingTasks()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (status, body, _) = await GetAsync(client, "list/tasks");

        Assert.Equal(HttpStatusCode.OK, status);
        var tasks = AssertOutput(body).EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("feature-extraction", tasks);
        Assert.Contains("sentence-similarity", tasks);
    }

    [Theory]
    [InlineData("PaddlePaddle/PP-OCRv4_mobile", "image-to-text")]
    [InlineData("microsoft/dnn-image-featurizer-resnet18", "image-feature-extraction")]
    [InlineData("onnx-community/silero-vad", "audio-classification")]
    public async Task ListModels_EmbeddedMediaModels_AreListedWithTaskAndTheRamOfTheirWeights(string id, string task)
    {
        using var client = fixture.Server.CreateHttpClient();
        var (_, body, _) = await GetAsync(client, $"list/models?modelId={id}");

        var model = Assert.Single(AssertOutput(body).EnumerateArray());
        Assert.Equal(task, model.GetProperty("task").GetString());
        Assert.True(model.GetProperty("params").GetDouble() > 0);
        var weights = Directory.EnumerateFiles(Path.Combine(TestServer.SharedModelsPath, id), "*.onnx", SearchOption.AllDirectories)
            .Sum(f => new FileInfo(f).Length);
        Assert.True(model.GetProperty("ramRequired").GetDouble() >= weights / 1e9, $"ramRequired {model.GetProperty("ramRequired")} GB is under the {weights} bytes of weights");
    }
}
