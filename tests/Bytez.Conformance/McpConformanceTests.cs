using System.Net.Http.Json;
using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>
/// The server's MCP endpoint through the official MCP TypeScript SDK (<c>@modelcontextprotocol/sdk</c> from npm,
/// unchanged; js/mcp.mjs): it connects with the key and lists the tools, embeds with the real MiniLM model (the
/// similarities the sentence-transformers documentation prints), reads a model's resource, and is refused with a
/// wrong key.
/// </summary>
public sealed class McpConformanceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Tools_AreListedWithTheirSchemas()
    {
        var result = await OfficialJsClient.CallMcpAsync(fixture.Server, "tools");

        var tools = Ok(result).EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal(["get_request", "list_models", "list_tasks", "request_model", "run_model"], tools.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("model", tools["run_model"].GetProperty("inputSchema").GetProperty("required")[0].GetString());
        Assert.True(tools["list_models"].GetProperty("annotations").GetProperty("readOnlyHint").GetBoolean());
    }

    [Fact]
    public async Task RunModel_Embedding_GivesThePublishedSimilarities_AndTheBytezRoutesVectors()
    {
        var result = await OfficialJsClient.CallMcpAsync(fixture.Server, "call", new
        {
            name = "run_model",
            arguments = new { model = Models.MiniLm, input = Models.Sentences },
        });
        using var http = fixture.Server.CreateHttpClient();
        using var bytez = await http.PostAsJsonAsync(Models.MiniLm, new { input = Models.Sentences }, TestContext.Current.CancellationToken);
        var expected = (await bytez.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("output");

        var call = Ok(result).GetProperty("result");
        Assert.False(call.TryGetProperty("isError", out var isError) && isError.GetBoolean());
        var vectors = call.GetProperty("structuredContent").GetProperty("output").EnumerateArray().Select(Models.Vector).ToList();
        Assert.Equal(Models.PublishedSimilarity01, Models.Cosine(vectors[0], vectors[1]), 3);
        Assert.Equal(Models.PublishedSimilarity02, Models.Cosine(vectors[0], vectors[2]), 3);
        Assert.Equal(Models.PublishedSimilarity12, Models.Cosine(vectors[1], vectors[2]), 3);
        Assert.Equal(expected.EnumerateArray().Select(Models.Vector), vectors);
        var text = call.GetProperty("content")[0];
        Assert.Equal("text", text.GetProperty("type").GetString());
        Assert.Equal(vectors, JsonDocument.Parse(text.GetProperty("text").GetString()!).RootElement.GetProperty("output").EnumerateArray().Select(Models.Vector));
    }

    [Fact]
    public async Task RunModel_UnknownModel_IsAToolError()
    {
        var result = await OfficialJsClient.CallMcpAsync(fixture.Server, "call", new { name = "run_model", arguments = new { model = "nobody/nothing", input = "hi" } });

        var call = Ok(result).GetProperty("result");
        Assert.True(call.GetProperty("isError").GetBoolean());
        Assert.StartsWith("404 Not Found: Model does not exist", call.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resources_ListTheModels_AndReadOne()
    {
        var listed = await OfficialJsClient.CallMcpAsync(fixture.Server, "resources");
        var templates = await OfficialJsClient.CallMcpAsync(fixture.Server, "templates");
        var read = await OfficialJsClient.CallMcpAsync(fixture.Server, "read", new { uri = $"bytez://models/{Models.MiniLm}" });

        var uris = Ok(listed).EnumerateArray().Select(r => r.GetProperty("uri").GetString()).ToList();
        Assert.Contains("bytez://models", uris);
        Assert.Contains($"bytez://models/{Models.MiniLm}", uris);
        Assert.Equal("bytez://models/{org}/{name}", Assert.Single(Ok(templates).EnumerateArray()).GetProperty("uriTemplate").GetString());
        var contents = Assert.Single(Ok(read).GetProperty("contents").EnumerateArray());
        Assert.Equal("application/json", contents.GetProperty("mimeType").GetString());
        var model = JsonDocument.Parse(contents.GetProperty("text").GetString()!).RootElement;
        Assert.Equal(Models.MiniLm, model.GetProperty("modelId").GetString());
        Assert.Equal("sentence-similarity", model.GetProperty("task").GetString()); // the embedded model's task
    }

    [Theory]
    [InlineData("wrong-key")]
    [InlineData("")]
    public async Task WrongKey_IsRefusedWith401(string key)
    {
        var result = await OfficialJsClient.CallMcpAsync(fixture.Server, "tools", key: key);

        Assert.False(result.TryGetProperty("ok", out _), result.GetRawText());
        var error = result.GetProperty("error");
        Assert.Equal(401, error.GetProperty("code").GetInt32());
    }

    private static JsonElement Ok(JsonElement result) =>
        result.TryGetProperty("ok", out var ok) ? ok : throw new Xunit.Sdk.XunitException($"the MCP client failed: {result.GetRawText()}");
}
