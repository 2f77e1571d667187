using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Mcp;

/// <summary>
/// The tools an MCP client sees (<c>tools/list</c>) and the catalog tools <c>list_models</c> and <c>list_tasks</c>,
/// through the official C# MCP client: what they list agrees with the Bytez list routes.
/// </summary>
[Collection(McpCollection.Name)]
public sealed class CatalogToolsTests(McpFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ToolsList_NamesEveryToolWithItsSchemaAndHints()
    {
        await using var mcp = await fixture.ConnectAsync();

        var tools = (await mcp.ListToolsAsync(cancellationToken: Ct)).ToDictionary(t => t.Name, t => t.ProtocolTool);

        Assert.Equal(["get_request", "list_models", "list_tasks", "request_model", "run_model"], tools.Keys.Order(StringComparer.Ordinal));
        var run = tools["run_model"];
        Assert.Equal("object", run.InputSchema.GetProperty("type").GetString());
        Assert.Equal(["model"], run.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.True(run.InputSchema.GetProperty("properties").TryGetProperty("params", out _));
        Assert.Contains("list_models", run.Description, StringComparison.Ordinal);
        Assert.True(tools["list_models"].Annotations!.ReadOnlyHint);
        Assert.False(tools["request_model"].Annotations!.ReadOnlyHint);
        Assert.False(tools["request_model"].Annotations!.DestructiveHint);
    }

    [Fact]
    public async Task ListModels_IsTheCatalogWithMemoryAndState()
    {
        await using var mcp = await fixture.ConnectAsync();
        using var http = fixture.Server.CreateHttpClient();
        await mcp.CallToolAsync("run_model", new Dictionary<string, object?> { ["model"] = McpFixture.Embedder, ["input"] = "load it" }, cancellationToken: Ct);

        var all = await mcp.CallToolAsync("list_models", cancellationToken: Ct);
        var (_, listed, _) = await GetAsync(http, "list/models");

        var models = all.StructuredContent!.Value.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("modelId").GetString()!);
        var bytez = AssertOutput(listed).EnumerateArray().ToDictionary(m => m.GetProperty("modelId").GetString()!);
        Assert.Equal(bytez.Keys.Order(StringComparer.Ordinal), models.Keys);
        foreach (var (id, model) in models)
        {
            Assert.Equal(bytez[id].GetProperty("task").GetString(), model.GetProperty("task").GetString());
            Assert.Equal(bytez[id].GetProperty("ramRequired").GetDouble(), model.GetProperty("ramRequired").GetDouble());
            Assert.Equal(bytez[id].GetProperty("params").GetDouble(), model.GetProperty("params").GetDouble());
        }

        var embedder = models[McpFixture.Embedder];
        Assert.Equal("running", embedder.GetProperty("state").GetString());
        Assert.True(embedder.GetProperty("ramMeasured").GetBoolean());
        Assert.True(embedder.GetProperty("instances").GetInt32() >= 1);
        Assert.Equal(all.StructuredContent!.Value.GetRawText(), Assert.IsType<TextContentBlock>(Assert.Single(all.Content)).Text);
    }

    [Fact]
    public async Task ListModels_ByTask_GivesThatTasksModelsOnly()
    {
        await using var mcp = await fixture.ConnectAsync();

        var result = await mcp.CallToolAsync("list_models", new Dictionary<string, object?> { ["task"] = "text-to-speech" }, cancellationToken: Ct);
        var none = await mcp.CallToolAsync("list_models", new Dictionary<string, object?> { ["task"] = "object-detection" }, cancellationToken: Ct);

        var model = Assert.Single(result.StructuredContent!.Value.GetProperty("models").EnumerateArray());
        Assert.Equal(McpFixture.Voice, model.GetProperty("modelId").GetString());
        Assert.Equal("text-to-speech", model.GetProperty("task").GetString());
        Assert.Equal(0, none.StructuredContent!.Value.GetProperty("models").GetArrayLength());
    }

    [Fact]
    public async Task ListTasks_IsEveryTaskWithWhatItTakes()
    {
        await using var mcp = await fixture.ConnectAsync();
        using var http = fixture.Server.CreateHttpClient();

        var result = await mcp.CallToolAsync("list_tasks", cancellationToken: Ct);
        var (_, listed, _) = await GetAsync(http, "list/tasks");

        var tasks = result.StructuredContent!.Value.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("task").GetString()!);
        Assert.Equal(AssertOutput(listed).EnumerateArray().Select(t => t.GetString()!), tasks.Keys);
        var generation = tasks["text-generation"];
        Assert.True(generation.GetProperty("streams").GetBoolean());
        Assert.Contains(generation.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "max_new_tokens");
        Assert.False(tasks["feature-extraction"].GetProperty("streams").GetBoolean());
    }

    [Fact]
    public async Task ListTasks_UnknownTask_IsAToolError()
    {
        await using var mcp = await fixture.ConnectAsync();

        var result = await mcp.CallToolAsync("list_tasks", new Dictionary<string, object?> { ["task"] = "telepathy" }, cancellationToken: Ct);

        Assert.True(result.IsError);
        Assert.StartsWith("404 Not Found: This server does not run the task 'telepathy'", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }
}
