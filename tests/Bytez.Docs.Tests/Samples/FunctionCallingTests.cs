using Bytez.Samples;
using Bytez.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Bytez.Docs.Tests.Samples;

/// <summary>The server with <c>local/tiny-tools</c>, a model whose chat template offers tools.</summary>
public sealed class ToolsServerFixture : IAsyncLifetime
{
    /// <summary>The server and its models.</summary>
    public GenerationServer Generation { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Generation = await GenerationServer.StartAsync();

    public ValueTask DisposeAsync() => Generation.DisposeAsync();
}

/// <summary>
/// samples/FunctionCalling against a real server: the SDK's <see cref="IChatClient"/> with function invocation, wired as
/// the sample's program wires it, on a random-weight model whose chat template offers tools. The first answer is
/// required to be a call (enforced while decoding), so the whole loop runs: the call, the program's function, its
/// result sent back, the model's answer.
/// </summary>
public sealed class FunctionCallingTests(ToolsServerFixture fixture) : IClassFixture<ToolsServerFixture>
{
    [Fact]
    public async Task RunAsync_RequiredTool_CallsTheProgramsFunctionAndAnswersWithItsResult()
    {
        var services = new ServiceCollection();
        services.AddBytezClient(options =>
        {
            options.ApiKey = TestServer.Key;
            options.BaseAddress = fixture.Generation.Server.ApiBase;
        });
        services.AddBytezChatClient(GenerationServer.ToolsModel).UseFunctionInvocation();
        await using var provider = services.BuildServiceProvider();
        using var output = new StringWriter();

        var response = await FunctionCalling.RunAsync(
            provider.GetRequiredService<IChatClient>(), "How much do 3 pears cost?", output, ChatToolMode.RequireAny, TestContext.Current.CancellationToken);

        // The model's call, the program's function run on it, and its result sent back before the last answer.
        var messages = response.Messages.ToList();
        var call = messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().First();
        Assert.Contains(call.Name, new[] { "get_stock", "list_fruits" });
        var result = messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single(r => r.CallId == call.CallId);
        Assert.Null(result.Exception);
        var text = result.Result?.ToString() ?? string.Empty;
        Assert.True(
            call.Name == "list_fruits" ? text == "apples, pears, plums" : text.Contains("in stock", StringComparison.Ordinal) || text.StartsWith("The shop does not sell", StringComparison.Ordinal),
            text);
        Assert.Equal(ChatRole.Assistant, messages[^1].Role);
        Assert.True(messages.FindIndex(m => m.Contents.Contains(result)) < messages.Count - 1);

        var printed = output.ToString().Split(Environment.NewLine);
        Assert.StartsWith($"called {call.Name}(", printed[0], StringComparison.Ordinal);
        Assert.Contains(response.Text, output.ToString(), StringComparison.Ordinal);
    }
}
