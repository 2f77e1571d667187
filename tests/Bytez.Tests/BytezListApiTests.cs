using System.Net;

namespace Bytez.Tests;

public sealed class BytezListApiTests
{
    private const string TwoModels = """
        {"error":null,"output":[
          {"modelId":"Qwen/Qwen3-4B","task":"chat","params":4.02,"ramRequired":16,"meter":"micro-lm","meterPrice":"0.0000872083 / sec"},
          {"modelId":"openai-community/gpt2","task":"text-generation","params":0.124,"ramRequired":1,"meter":"micro","meterPrice":"0.00001 / sec"}
        ]}
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ModelsAsync_NoFilter_GetsWithoutQuery()
    {
        var handler = FakeHandler.Json(TwoModels);
        using var client = TestClients.Create(handler);

        var result = await client.List.ModelsAsync(cancellationToken: Ct);

        Assert.Equal(HttpMethod.Get, handler.Single.Method);
        Assert.Equal("http://bytez.test/models/v2/list/models", handler.Single.Uri.AbsoluteUri);
        Assert.True(result.IsSuccess);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal(2, result.Output!.Count);
        Assert.Equal("Qwen/Qwen3-4B", result.Output[0].ModelId);
        Assert.Equal("chat", result.Output[0].Task);
        Assert.Equal(4.02, result.Output[0].Params);
        Assert.Equal("0.0000872083 / sec", result.Output[0].MeterPrice);
    }

    [Fact]
    public async Task ModelsAsync_Task_SendsTaskQuery()
    {
        var handler = FakeHandler.Json(TwoModels);
        using var client = TestClients.Create(handler);

        await client.List.ModelsAsync("chat", Ct);

        Assert.Equal("http://bytez.test/models/v2/list/models?task=chat", handler.Single.Uri.AbsoluteUri);
    }

    [Fact]
    public async Task ModelsAsync_TaskAndModelId_JoinsWithAmpersandAndEscapes()
    {
        var handler = FakeHandler.Json(TwoModels);
        using var client = TestClients.Create(handler);

        await client.List.ModelsAsync(new ListModelsOptions { Task = "text generation&more", ModelId = "openai-community/gpt2" }, Ct);

        Assert.Equal(
            "http://bytez.test/models/v2/list/models?task=text%20generation%26more&modelId=openai-community%2Fgpt2",
            handler.Single.Uri.AbsoluteUri);
    }

    [Fact]
    public async Task ModelsAsync_ModelIdOnly_SendsModelIdQuery()
    {
        var handler = FakeHandler.Json(TwoModels);
        using var client = TestClients.Create(handler);

        await client.List.ModelsAsync(new ListModelsOptions { ModelId = "Qwen/Qwen3-4B" }, Ct);

        Assert.Equal("http://bytez.test/models/v2/list/models?modelId=Qwen%2FQwen3-4B", handler.Single.Uri.AbsoluteUri);
    }

    [Fact]
    public async Task ModelsAsync_ServerError_ReturnsErrorWithoutThrowing()
    {
        var handler = FakeHandler.Json("""{"error":"Expected parameter(s): modelId","output":[]}""", HttpStatusCode.InternalServerError);
        using var client = TestClients.Create(handler);

        var result = await client.List.ModelsAsync("chat", Ct);

        Assert.False(result.IsSuccess);
        Assert.Equal("Expected parameter(s): modelId", result.Error);
        Assert.Equal(HttpStatusCode.InternalServerError, result.StatusCode);
        Assert.Null(result.Output);
        var exception = Assert.Throws<BytezException>(() => result.EnsureSuccess());
        Assert.Equal(HttpStatusCode.InternalServerError, exception.StatusCode);
    }

    [Fact]
    public async Task ModelsAsync_OutputOfWrongShape_ReturnsError()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":"not a list"}""");
        using var client = TestClients.Create(handler);

        var result = await client.List.ModelsAsync(cancellationToken: Ct);

        Assert.False(result.IsSuccess);
        Assert.Contains("not a list", result.ResponseBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TasksAsync_Envelope_ReturnsTaskNames()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":["chat","feature-extraction","text-generation"]}""");
        using var client = TestClients.Create(handler);

        var result = await client.List.TasksAsync(Ct);

        Assert.Equal("http://bytez.test/models/v2/list/tasks", handler.Single.Uri.AbsoluteUri);
        Assert.Equal(["chat", "feature-extraction", "text-generation"], result.EnsureSuccess().Output);
    }

    [Fact]
    public async Task GetDetailsAsync_CalledTwice_FetchesOnceByModelId()
    {
        var handler = FakeHandler.Json(TwoModels);
        using var client = TestClients.Create(handler);
        var model = client.Model("openai-community/gpt2");

        var first = await model.GetDetailsAsync(Ct);
        var second = await model.GetDetailsAsync(Ct);

        Assert.Equal("http://bytez.test/models/v2/list/models?modelId=openai-community%2Fgpt2", handler.Single.Uri.AbsoluteUri);
        Assert.Equal("text-generation", first!.Task);
        Assert.Same(first, second);
    }

    [Fact]
    public async Task GetDetailsAsync_Failure_ReturnsNullAndRetriesNextTime()
    {
        var handler = FakeHandler.Json("""{"error":"Unauthorized","output":null}""", HttpStatusCode.Unauthorized);
        using var client = TestClients.Create(handler);
        var model = client.Model("openai-community/gpt2");

        Assert.Null(await model.GetDetailsAsync(Ct));
        Assert.Null(await model.GetDetailsAsync(Ct));
        Assert.Equal(2, handler.Requests.Count);
    }
}
