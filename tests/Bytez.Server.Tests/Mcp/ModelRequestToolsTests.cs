using System.Text.Json;
using Bytez.Protocol;
using Bytez.Testing;
using Bytez.Testing.Hub;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Bytez.Server.Tests.Mcp;

/// <summary>
/// <c>request_model</c> and <c>get_request</c> through the official C# MCP client, against a fake hub on loopback
/// serving a tiny real-format model: the job is queued, followed to <c>ready</c>, and the model then runs through
/// <c>run_model</c>; the answers are those of the Bytez request routes.
/// </summary>
public sealed class ModelRequestToolsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RequestModel_QueuesAJob_GetRequestFollowsItToReady_ThenTheModelRuns()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddOnnxDecoder("test-org/tiny-onnx");
        await using var mcp = await McpClients.ConnectAsync(env.Server, "Bearer " + TestServer.Key);

        var queued = await mcp.CallToolAsync("request_model", new Dictionary<string, object?> { ["model"] = repo.Id }, cancellationToken: Ct);
        var final = await WaitAsync(mcp, repo.Id);
        var again = await mcp.CallToolAsync("request_model", new Dictionary<string, object?> { ["model"] = repo.Id }, cancellationToken: Ct);
        var run = await mcp.CallToolAsync("run_model", new Dictionary<string, object?> { ["model"] = repo.Id, ["input"] = "Hello", ["params"] = new { max_new_tokens = 3 } }, cancellationToken: Ct);

        Assert.Equal("Job queued", Text(queued));
        Assert.True(final.GetProperty("state").GetString() == ModelRequestStates.Ready, final.GetRawText());
        Assert.Equal(repo.Commit, final.GetProperty("commit").GetString());
        Assert.True(final.GetProperty("ramRequired").GetDouble() > 0);
        Assert.Equal("Model available", Text(again));
        Assert.NotEqual(true, run.IsError);
    }

    [Fact]
    public async Task GetRequest_NoSuchJob_IsA404ToolError_AndABadIdIsA400()
    {
        await using var env = await HubTestServer.StartAsync();
        await using var mcp = await McpClients.ConnectAsync(env.Server, "Bearer " + TestServer.Key);

        var missing = await mcp.CallToolAsync("get_request", new Dictionary<string, object?> { ["model"] = "nobody/nothing" }, cancellationToken: Ct);
        var bad = await mcp.CallToolAsync("request_model", new Dictionary<string, object?> { ["model"] = "../etc" }, cancellationToken: Ct);

        Assert.True(missing.IsError);
        Assert.Equal("404 Not Found: There is no request for nobody/nothing on this server; request_model makes one.", Text(missing));
        Assert.True(bad.IsError);
        Assert.StartsWith("400 Bad Request: ", Text(bad), StringComparison.Ordinal);
    }

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    private static async Task<JsonElement> WaitAsync(McpClient mcp, string modelId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var result = await mcp.CallToolAsync("get_request", new Dictionary<string, object?> { ["model"] = modelId }, cancellationToken: Ct);
            Assert.NotEqual(true, result.IsError);
            var status = result.StructuredContent!.Value;
            if (ModelRequestStates.IsFinal(status.GetProperty("state").GetString()) || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(100, Ct);
        }
    }
}
