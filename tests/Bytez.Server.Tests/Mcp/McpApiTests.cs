using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bytez.Testing;
using ModelContextProtocol.Client;

namespace Bytez.Server.Tests.Mcp;

/// <summary>
/// The <c>/mcp</c> endpoint itself: the API key guards it as every other route (the official client without it is
/// refused with 401), and it keeps no session, so any replica behind a load balancer can answer any request.
/// </summary>
[Collection(McpCollection.Name)]
public sealed class McpApiTests(McpFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Bearer " + TestServer.Key)]
    [InlineData("Key " + TestServer.Key)]
    [InlineData(TestServer.Key)]
    public async Task Connect_WithTheKey_Succeeds(string authorization)
    {
        await using var mcp = await fixture.ConnectAsync(authorization);

        Assert.Equal("bytez", mcp.ServerInfo?.Name);
        Assert.NotEmpty(await mcp.ListToolsAsync(cancellationToken: Ct));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key")]
    [InlineData("Key " + TestServer.Key + "x")]
    public async Task Connect_WithoutTheKey_IsRefusedWith401(string? authorization)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => fixture.ConnectAsync(authorization));

        var http = error as HttpRequestException ?? error.InnerException as HttpRequestException;
        Assert.True(http?.StatusCode == HttpStatusCode.Unauthorized, $"expected a 401, got {error}");
    }

    [Fact]
    public async Task Post_WithoutTheKey_Is401InTheEnvelope()
    {
        using var client = new HttpClient { BaseAddress = fixture.Server.BaseAddress };

        using var response = await client.SendAsync(Rpc("tools/list", null), Ct);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Unauthorized", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Requests_AreStateless_NoSessionIsIssuedOrNeeded()
    {
        using var client = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestServer.Key);

        using var initialize = await client.SendAsync(Rpc("initialize", """{"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}"""), Ct);
        // A request with no session at all, as one landing on another replica would be.
        using var list = await client.SendAsync(Rpc("tools/list", "{}"), Ct);
        var listed = await list.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, initialize.StatusCode);
        Assert.False(initialize.Headers.Contains("Mcp-Session-Id"));
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains("\"run_model\"", listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RawToolCall_WithAProgressToken_StreamsProgressThenTheResult()
    {
        using var client = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestServer.Key);

        using var response = await client.SendAsync(Rpc("tools/call", """{"name": "run_model", "_meta": {"progressToken": 1}, "arguments": {"model": "local/tiny-onnx", "input": "Once upon a time", "stream": true, "params": {"max_new_tokens": 4, "min_new_tokens": 4}}}"""), Ct);
        var events = (await response.Content.ReadAsStringAsync(Ct)).Split('\n')
            .Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[6..]).RootElement).ToList();
        using var get = await client.GetAsync("mcp", Ct);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var progress = events.Where(e => e.TryGetProperty("method", out var m) && m.GetString() == "notifications/progress").ToList();
        Assert.True(progress.Count >= 2);
        var result = events.Last().GetProperty("result");
        Assert.Equal(string.Concat(progress.Select(p => p.GetProperty("params").GetProperty("message").GetString())), result.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
    }

    /// <summary>A JSON-RPC request to <c>/mcp</c> as a Streamable HTTP client sends it.</summary>
    private static HttpRequestMessage Rpc(string method, string? parameters)
    {
        var json = parameters is null
            ? $$"""{"jsonrpc": "2.0", "id": 1, "method": "{{method}}"}"""
            : $$"""{"jsonrpc": "2.0", "id": 1, "method": "{{method}}", "params": {{parameters}}}""";
        var request = new HttpRequestMessage(HttpMethod.Post, "mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-06-18");
        return request;
    }
}
