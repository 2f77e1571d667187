using Bytez.Server.Tests.Auth;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Bytez.Server.Tests.Mcp;

/// <summary>
/// The MCP endpoint takes any valid key and each tool checks its own scope: <c>request_model</c> needs
/// <c>models:request</c>, <c>run_model</c> needs <c>run</c>; a key without it gets a tool error naming the scope, and
/// the reading tools work for every key.
/// </summary>
[Collection(McpCollection.Name)]
public sealed class ToolScopesTests(McpFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RequestModel_WithoutModelsRequest_IsAToolErrorNamingTheScope()
    {
        var key = await ScopeTests.CreateKeyAsync(fixture.Server, """{"name": "runner", "scopes": ["run"]}""");
        await using var mcp = await fixture.ConnectAsync("Bearer " + key);

        var result = await mcp.CallToolAsync("request_model", new Dictionary<string, object?> { ["model"] = "test-org/some-model" }, cancellationToken: Ct);
        var ran = await mcp.CallToolAsync("run_model", new Dictionary<string, object?> { ["model"] = McpFixture.Embedder, ["input"] = "hi" }, cancellationToken: Ct);

        Assert.True(result.IsError);
        var text = Text(result);
        Assert.StartsWith("403 Forbidden", text, StringComparison.Ordinal);
        Assert.Contains("'models:request'", text, StringComparison.Ordinal);
        Assert.Contains("request_model", text, StringComparison.Ordinal);
        Assert.NotEqual(true, ran.IsError);
    }

    [Fact]
    public async Task RunModel_WithoutRun_IsAToolErrorNamingTheScope_ReadingToolsStillWork()
    {
        var key = await ScopeTests.CreateKeyAsync(fixture.Server, """{"name": "requester", "scopes": ["models:request"]}""");
        await using var mcp = await fixture.ConnectAsync("Bearer " + key);

        var run = await mcp.CallToolAsync("run_model", new Dictionary<string, object?> { ["model"] = McpFixture.Embedder, ["input"] = "hi" }, cancellationToken: Ct);
        var listed = await mcp.CallToolAsync("list_models", new Dictionary<string, object?>(), cancellationToken: Ct);
        var tools = await mcp.ListToolsAsync(cancellationToken: Ct);

        Assert.True(run.IsError);
        Assert.Contains("'run'", Text(run), StringComparison.Ordinal);
        Assert.Contains("run_model", Text(run), StringComparison.Ordinal);
        Assert.NotEqual(true, listed.IsError);
        Assert.Contains(tools, t => t.Name == "request_model");
    }

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
}
