using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>
/// Generation through the server's MCP endpoint and the official MCP TypeScript SDK: a chat answers the Bytez route's
/// text, and a streamed generation arrives as progress notifications that add up, in order, to the result.
/// </summary>
public sealed class McpGenerationConformanceTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    public static TheoryData<string> Models => [GenerationServer.GgufModel, GenerationServer.OnnxModel];

    private TestServer Server => fixture.Generation.Server;

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Chat_IsTheBytezRoutesAnswer(string modelId)
    {
        var messages = new[] { new { role = "user", content = "Hello" } };
        var parameters = new { max_new_tokens = 6, min_new_tokens = 6 };

        var result = await OfficialJsClient.CallMcpAsync(Server, "call", new { name = "run_model", arguments = new { model = modelId, messages, @params = parameters } });
        var bytez = await OfficialJsClient.CallAsync(Server, "run", new { modelId, input = messages, @params = parameters });

        var call = result.GetProperty("ok").GetProperty("result");
        var text = call.GetProperty("content")[0].GetProperty("text").GetString();
        Assert.NotEmpty(text!);
        Assert.Equal(bytez.GetProperty("output").GetProperty("content").GetString(), text);
        Assert.Equal("assistant", call.GetProperty("structuredContent").GetProperty("output").GetProperty("role").GetString());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Stream_ProgressNotificationsAddUpToTheText(string modelId)
    {
        var parameters = new { max_new_tokens = 8, min_new_tokens = 8 };

        var result = await OfficialJsClient.CallMcpAsync(Server, "call", new
        {
            name = "run_model",
            arguments = new { model = modelId, input = "Once upon a time", stream = true, @params = parameters },
            progress = true,
        });
        var unstreamed = await OfficialJsClient.CallMcpAsync(Server, "call", new { name = "run_model", arguments = new { model = modelId, input = "Once upon a time", @params = parameters } });

        var ok = result.GetProperty("ok");
        var text = ok.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString()!;
        var progress = ok.GetProperty("progress").EnumerateArray().ToList();
        Assert.True(progress.Count >= 2, ok.GetRawText());
        Assert.Equal(Enumerable.Range(1, progress.Count).Select(i => (double)i), progress.Select(p => p.GetProperty("progress").GetDouble()));
        Assert.Equal(text, string.Concat(progress.Select(p => p.GetProperty("message").GetString())));
        Assert.Equal(unstreamed.GetProperty("ok").GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString(), text);
    }
}
