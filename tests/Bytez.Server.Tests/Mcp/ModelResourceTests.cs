using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Bytez.Server.Tests.Mcp;

/// <summary>The catalog as MCP resources: <c>bytez://models</c> and one <c>bytez://models/{org}/{name}</c> per model.</summary>
[Collection(McpCollection.Name)]
public sealed class ModelResourceTests(McpFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ResourcesList_HasTheCatalogAndEachModel_AndTheTemplate()
    {
        await using var mcp = await fixture.ConnectAsync();

        var resources = (await mcp.ListResourcesAsync(cancellationToken: Ct)).Select(r => r.Uri).ToList();
        var templates = (await mcp.ListResourceTemplatesAsync(cancellationToken: Ct)).Select(t => t.UriTemplate).ToList();

        Assert.Contains("bytez://models", resources);
        Assert.Contains($"bytez://models/{McpFixture.Embedder}", resources);
        Assert.Contains($"bytez://models/{McpFixture.Generator}", resources);
        Assert.Contains($"bytez://models/{McpFixture.Voice}", resources);
        Assert.Equal(["bytez://models/{org}/{name}"], templates);
    }

    [Fact]
    public async Task ReadModel_IsItsDescriptionWithItsTasksInputs()
    {
        await using var mcp = await fixture.ConnectAsync();

        var result = await mcp.ReadResourceAsync($"bytez://models/{McpFixture.Generator}", cancellationToken: Ct);

        var contents = Assert.IsType<TextResourceContents>(Assert.Single(result.Contents));
        Assert.Equal("application/json", contents.MimeType);
        var model = JsonDocument.Parse(contents.Text).RootElement;
        Assert.Equal(McpFixture.Generator, model.GetProperty("modelId").GetString());
        Assert.Equal("chat", model.GetProperty("task").GetString()); // a decoder with a chat template
        Assert.True(model.GetProperty("ramRequired").GetDouble() > 0);
        Assert.Contains("messages", model.GetProperty("inputKeys").EnumerateArray().Select(k => k.GetString()));
        Assert.Contains(model.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "temperature");
    }

    [Fact]
    public async Task ReadCatalog_ListsEveryModel()
    {
        await using var mcp = await fixture.ConnectAsync();

        var result = await mcp.ReadResourceAsync("bytez://models", cancellationToken: Ct);

        var contents = Assert.IsType<TextResourceContents>(Assert.Single(result.Contents));
        var ids = JsonDocument.Parse(contents.Text).RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("modelId").GetString());
        Assert.Equal(new[] { McpFixture.Generator, McpFixture.Embedder, McpFixture.Voice }.Order(StringComparer.Ordinal), ids);
    }

    [Theory]
    [InlineData("bytez://models/nobody/nothing")]
    [InlineData("bytez://models/only-one-part")]
    [InlineData("bytez://elsewhere")]
    public async Task ReadUnknown_IsAResourceNotFoundError(string uri)
    {
        await using var mcp = await fixture.ConnectAsync();

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => mcp.ReadResourceAsync(uri, cancellationToken: Ct).AsTask());
        var still = await mcp.ReadResourceAsync("bytez://models", cancellationToken: Ct);

        Assert.Contains(uri, error.Message, StringComparison.Ordinal);
        Assert.Single(still.Contents);
    }
}
