using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Protocol;

namespace Bytez.Tests;

public sealed class BytezModelRunTests
{
    private const string Ok = """{"error":null,"output":"done"}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<CapturedRequest> CaptureAsync(Func<BytezModel, Task<BytezResult>> run, string modelId = "openai-community/gpt2", string? providerKey = null)
    {
        var handler = FakeHandler.Json(Ok);
        using var client = TestClients.Create(handler);
        var result = await run(client.Model(modelId, providerKey));
        Assert.True(result.IsSuccess, result.Error);
        return handler.Single;
    }

    [Fact]
    public async Task RunAsync_TextAndParameters_PostsExactBodyToModelPath()
    {
        var request = await CaptureAsync(model => model.RunAsync("x", new ModelParameters { MaxNewTokens = 5 }, Ct));

        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://bytez.test/models/v2/openai-community/gpt2", request.Uri.AbsoluteUri);
        Assert.Equal("application/json", request.ContentType);
        Assert.Equal("""{"input":"x","params":{"max_new_tokens":5}}""", request.Body);
    }

    [Fact]
    public async Task RunAsync_TextWithoutParameters_OmitsParams()
    {
        var request = await CaptureAsync(model => model.RunAsync("x", cancellationToken: Ct));
        Assert.Equal("""{"input":"x"}""", request.Body);
    }

    [Fact]
    public async Task RunAsync_NoInput_SendsEmptyObject()
    {
        var request = await CaptureAsync(model => model.RunAsync(Ct));
        Assert.Equal("{}", request.Body);
    }

    [Fact]
    public async Task RunAsync_ExtensionParameters_PassedThrough()
    {
        var parameters = new ModelParameters { Temperature = 0.5 };
        parameters.AdditionalProperties["enable_thinking"] = JsonSerializer.SerializeToElement(false, ProtocolJsonContext.Default.Boolean);

        var request = await CaptureAsync(model => model.RunAsync("x", parameters, Ct));

        Assert.Equal("""{"input":"x","params":{"temperature":0.5,"enable_thinking":false}}""", request.Body);
    }

    [Fact]
    public async Task RunAsync_DictionaryParameters_PassedThrough()
    {
        var parameters = new Dictionary<string, object?> { ["max_new_tokens"] = 20, ["stop"] = new[] { "\n" }, ["custom"] = null };

        var request = await CaptureAsync(model => model.RunAsync((object)"x", parameters, Ct));

        Assert.Equal("""{"input":"x","params":{"max_new_tokens":20,"stop":["\n"],"custom":null}}""", request.Body);
    }

    [Fact]
    public async Task RunAsync_JsonParameters_SentUnchanged()
    {
        using var parameters = JsonDocument.Parse("""{"tools":[{"type":"function"}],"max_new_tokens":3}""");
        using var input = JsonDocument.Parse("\"hello\"");

        var request = await CaptureAsync(model => model.RunAsync(input.RootElement, parameters.RootElement, Ct));

        Assert.Equal("""{"input":"hello","params":{"tools":[{"type":"function"}],"max_new_tokens":3}}""", request.Body);
    }

    [Fact]
    public async Task RunAsync_ChatMessages_SendsMessageArray()
    {
        ChatMessage[] messages = [new("system", "Be brief"), new("user", "Hi")];

        var request = await CaptureAsync(model => model.RunAsync(messages, cancellationToken: Ct), "Qwen/Qwen3-4B");

        Assert.Equal(
            """{"input":[{"role":"system","content":"Be brief"},{"role":"user","content":"Hi"}]}""",
            request.Body);
    }

    [Fact]
    public async Task RunAsync_ListOfTexts_SendsStringArray()
    {
        var request = await CaptureAsync(model => model.RunAsync(new List<string> { "a", "b" }, cancellationToken: Ct));
        Assert.Equal("""{"input":["a","b"]}""", request.Body);
    }

    [Fact]
    public async Task RunAsync_AnonymousObject_SerializesPropertiesAsDeclared()
    {
        var request = await CaptureAsync(model => model.RunAsync(new { question = "Who?", context = "Ada wrote it." }, cancellationToken: Ct));
        Assert.Equal("""{"input":{"question":"Who?","context":"Ada wrote it."}}""", request.Body);
    }

    [Fact]
    public async Task RunAsync_JsonNode_SendsIt()
    {
        var input = new JsonObject { ["url"] = "https://example.org/cat.jpg", ["candidate_labels"] = new JsonArray("cat", "dog") };

        var request = await CaptureAsync(model => model.RunAsync(input, cancellationToken: Ct));

        Assert.Equal("""{"input":{"url":"https://example.org/cat.jpg","candidate_labels":["cat","dog"]}}""", request.Body);
    }

    [Fact]
    public async Task RunAsync_TypedInputWithTypeInfo_SerializesWithIt()
    {
        var request = await CaptureAsync(model => model.RunAsync(new[] { "a" }, ProtocolJsonContext.Default.StringArray, cancellationToken: Ct));
        Assert.Equal("""{"input":["a"]}""", request.Body);
    }

    [Fact]
    public async Task RunAsync_JsonNullInput_OmitsInput()
    {
        using var input = JsonDocument.Parse("null");
        var request = await CaptureAsync(model => model.RunAsync(input.RootElement, cancellationToken: Ct));
        Assert.Equal("{}", request.Body);
    }

    [Fact]
    public async Task RunAsync_ModelIdWithSlashAndSpecialCharacters_KeepsSlashEscapesRest()
    {
        var request = await CaptureAsync(model => model.RunAsync("x", cancellationToken: Ct), "my org/model name#1");
        Assert.Equal("http://bytez.test/models/v2/my%20org/model%20name%231", request.Uri.AbsoluteUri);
    }

    [Fact]
    public async Task RunAsync_ProviderKey_SendsProviderKeyHeader()
    {
        var request = await CaptureAsync(model => model.RunAsync("x", cancellationToken: Ct), "openai/gpt-4o", "sk-provider");
        Assert.Equal("sk-provider", request.Header("provider-key"));
        Assert.Equal("Key test-key", request.Header("Authorization"));
    }

    [Fact]
    public async Task RunAsync_SuccessEnvelope_ReadsOutputAndProvider()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":{"role":"assistant","content":"Hi!"},"provider":{"id":"resp_1"}}""");
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai/gpt-4o").RunAsync("hi", cancellationToken: Ct);

        Assert.True(result.IsSuccess);
        Assert.Null(result.Error);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal("resp_1", result.Provider!.Value.GetProperty("id").GetString());
        Assert.Equal("Hi!", result.GetChatMessage().Text);
        Assert.Equal("assistant", result.GetChatMessage().Role);
        Assert.Null(result.ResponseBody);
    }

    [Fact]
    public async Task RunAsync_Unauthorized_ReturnsErrorWithoutThrowing()
    {
        const string body = """{"error":"Unauthorized","output":null}""";
        var handler = FakeHandler.Json(body, HttpStatusCode.Unauthorized);
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").RunAsync("x", cancellationToken: Ct);

        Assert.False(result.IsSuccess);
        Assert.Equal("Unauthorized", result.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, result.StatusCode);
        Assert.Null(result.Output);
        Assert.Equal(body, result.ResponseBody);
    }

    [Fact]
    public async Task RunAsync_NonJsonBadGateway_ReturnsReasonPhraseAsError()
    {
        var handler = new FakeHandler((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadGateway)
        {
            Content = new StringContent("<html>bad gateway</html>"),
        }));
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").RunAsync("x", cancellationToken: Ct);

        Assert.Equal("Bad Gateway", result.Error);
        Assert.Equal(HttpStatusCode.BadGateway, result.StatusCode);
        Assert.Equal("<html>bad gateway</html>", result.ResponseBody);
    }

    [Fact]
    public async Task RunAsync_PaymentRequiredWithoutEnvelope_ReturnsItsError()
    {
        var handler = FakeHandler.Json(
            """{"status":402,"error":"Payment Required","message":"Insufficient credits."}""", HttpStatusCode.PaymentRequired);
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").RunAsync("x", cancellationToken: Ct);

        Assert.Equal("Payment Required", result.Error);
    }

    [Fact]
    public async Task RunAsync_ErrorStatusWithNullError_StillFails()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":null}""", HttpStatusCode.ServiceUnavailable);
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").RunAsync("x", cancellationToken: Ct);

        Assert.Equal("Service Unavailable", result.Error);
    }

    [Fact]
    public async Task RunAsync_TransportException_ReturnsErrorWithoutStatus()
    {
        var handler = new FakeHandler((_, _) => throw new HttpRequestException("Connection refused (bytez.test:80)"));
        using var client = TestClients.Create(handler);

        var result = await client.Model("openai-community/gpt2").RunAsync("x", cancellationToken: Ct);

        Assert.False(result.IsSuccess);
        Assert.Equal("Connection refused (bytez.test:80)", result.Error);
        Assert.Null(result.StatusCode);
        var exception = Assert.Throws<BytezException>(() => result.EnsureSuccess());
        Assert.Null(exception.StatusCode);
    }

    [Fact]
    public async Task RunAsync_Timeout_ReturnsErrorWithoutThrowing()
    {
        using var client = TestClients.Create(TestClients.Hanging(), TimeSpan.FromMilliseconds(100));

        var result = await client.Model("openai-community/gpt2").RunAsync("x", cancellationToken: Ct);

        Assert.Contains("timed out", result.Error, StringComparison.Ordinal);
        Assert.Null(result.StatusCode);
    }

    [Fact]
    public async Task RunAsync_InjectedHttpClientTimeout_ReturnsErrorWithoutThrowing()
    {
        using var http = new HttpClient(TestClients.Hanging()) { Timeout = TimeSpan.FromMilliseconds(100) };
        using var client = new BytezClient(http, new BytezClientOptions { ApiKey = "k", BaseAddress = TestClients.BaseAddress });

        var result = await client.Model("openai-community/gpt2").RunAsync("x", cancellationToken: Ct);

        Assert.False(result.IsSuccess);
        Assert.Null(result.StatusCode);
    }

    [Fact]
    public async Task RunAsync_CallerCancels_ThrowsOperationCanceled()
    {
        using var client = TestClients.Create(TestClients.Hanging());
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(100));

        var exception = await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => client.Model("openai-community/gpt2").RunAsync("x", cancellationToken: cancellation.Token));

        Assert.Equal(cancellation.Token, exception.CancellationToken);
    }

    [Fact]
    public async Task RunAsync_AlreadyCancelled_ThrowsOperationCanceled()
    {
        var handler = FakeHandler.Json(Ok);
        using var client = TestClients.Create(handler);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => client.Model("openai-community/gpt2").RunAsync("x", cancellationToken: new CancellationToken(true)));
    }
}
