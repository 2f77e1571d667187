using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bytez.Server.Tests.Mcp;
using ModelContextProtocol.Protocol;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Auth;

/// <summary>
/// A key's allowed-model patterns hold wherever a request names a model, not only in URLs: OpenAI's and Anthropic's
/// <c>model</c> fields, the v1 body, the tokenizer utilities and MCP's <c>run_model</c> (one check, at the engine's model
/// lookup); each refusal is a 403 naming the model, in the route family's shape, and the allowed model still runs.
/// </summary>
[Collection(McpCollection.Name)]
public sealed class AllowedModelsTests(McpFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<string> GeneratorOnlyKeyAsync() =>
        ScopeTests.CreateKeyAsync(fixture.Server, """{"name": "generator only", "scopes": ["run", "models:request"], "allowedModels": ["local/*"]}""");

    [Fact]
    public async Task OpenAiChat_ModelField_NotAllowed_Is403PermissionError_AllowedOneRuns()
    {
        var key = await GeneratorOnlyKeyAsync();
        using var client = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        using var refused = await client.PostAsync("v1/embeddings", Json($$"""{"model": "{{McpFixture.Embedder}}", "input": "hi"}"""), Ct);
        using var refusedChat = await client.PostAsync("v1/chat/completions", Json($$"""{"model": "{{McpFixture.Embedder}}", "messages": [{"role": "user", "content": "hi"}]}"""), Ct);
        using var allowed = await client.PostAsync("v1/chat/completions", Json($$"""{"model": "{{McpFixture.Generator}}", "max_tokens": 3, "messages": [{"role": "user", "content": "hi"}]}"""), Ct);

        foreach (var response in new[] { refused, refusedChat })
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error");
            Assert.Equal("permission_error", error.GetProperty("type").GetString());
            Assert.Contains(McpFixture.Embedder, error.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Contains("may not use", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task BytezRoutes_UrlAndV1Body_NotAllowed_Are403InTheEnvelope()
    {
        var key = await GeneratorOnlyKeyAsync();
        using var client = fixture.Server.CreateHttpClient("Key " + key);

        var (url, urlBody, _) = await PostAsync(client, McpFixture.Embedder, """{"input": "hi"}""");
        var (v1, v1Body, _) = await PostAsync(client, "/model/run", $$"""{"model": "{{McpFixture.Embedder}}", "input": "hi"}""");
        var (tokenize, tokenizeBody, _) = await PostAsync(client, "/tokenize", $$"""{"model": "{{McpFixture.Embedder}}", "prompt": "hi"}""");
        var (ran, _, _) = await PostAsync(client, McpFixture.Generator, """{"input": "Once", "params": {"max_new_tokens": 2}}""");

        Assert.Equal(HttpStatusCode.Forbidden, url);
        Assert.Contains(McpFixture.Embedder, AssertErrorEnvelope(urlBody), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, v1);
        Assert.Contains(McpFixture.Embedder, AssertErrorEnvelope(v1Body), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, tokenize);
        Assert.Contains(McpFixture.Embedder, tokenizeBody.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ran);
    }

    [Fact]
    public async Task AnthropicMessages_ModelField_NotAllowed_Is403PermissionError()
    {
        var key = await ScopeTests.CreateKeyAsync(fixture.Server, """{"name": "embedder only", "scopes": ["run"], "allowedModels": ["sentence-transformers/*"]}""");
        using var client = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        client.DefaultRequestHeaders.Add("x-api-key", key);

        using var response = await client.PostAsync("v1/messages", Json($$"""{"model": "{{McpFixture.Generator}}", "max_tokens": 3, "messages": [{"role": "user", "content": "hi"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error");
        Assert.Equal("permission_error", error.GetProperty("type").GetString());
        Assert.Contains(McpFixture.Generator, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpRunModel_NotAllowed_IsAToolErrorNamingTheModel_AllowedOneRuns()
    {
        var key = await GeneratorOnlyKeyAsync();
        await using var mcp = await fixture.ConnectAsync("Bearer " + key);

        var refused = await mcp.CallToolAsync("run_model", new Dictionary<string, object?> { ["model"] = McpFixture.Embedder, ["input"] = "hi" }, cancellationToken: Ct);
        var ran = await mcp.CallToolAsync("run_model", new Dictionary<string, object?> { ["model"] = McpFixture.Generator, ["input"] = "Once", ["params"] = new { max_new_tokens = 2 } }, cancellationToken: Ct);
        var requested = await mcp.CallToolAsync("request_model", new Dictionary<string, object?> { ["model"] = "other-org/other-model" }, cancellationToken: Ct);

        Assert.True(refused.IsError);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(refused.Content)).Text;
        Assert.StartsWith("403 Forbidden", text, StringComparison.Ordinal);
        Assert.Contains(McpFixture.Embedder, text, StringComparison.Ordinal);
        Assert.NotEqual(true, ran.IsError);
        Assert.True(requested.IsError);
        Assert.Contains("other-org/other-model", Assert.IsType<TextContentBlock>(Assert.Single(requested.Content)).Text, StringComparison.Ordinal);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
