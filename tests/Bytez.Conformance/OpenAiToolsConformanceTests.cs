using System.ClientModel;
using System.Text;
using System.Text.Json;
using Bytez.Testing;
using OpenAI;
using OpenAI.Chat;

namespace Bytez.Conformance;

/// <summary>
/// Tool calls through the official OpenAI .NET SDK against our server: a model whose chat template offers tools,
/// <c>tool_choice</c> naming a function (enforced while decoding), the call read back as the SDK reads OpenAI's, plain
/// and streamed, then the tool's result sent back in the next turn.
/// </summary>
public sealed class OpenAiToolsConformanceTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    private static readonly ChatTool Weather = ChatTool.CreateFunctionTool(
        "get_weather", "The weather in a city.",
        BinaryData.FromString("""{"type": "object", "properties": {"city": {"type": "string", "maxLength": 20}}, "required": ["city"], "additionalProperties": false}"""));

    private ChatClient Chat() => new OpenAIClient(
            new ApiKeyCredential(TestServer.Key),
            new OpenAIClientOptions { Endpoint = new Uri(fixture.Generation.Server.BaseAddress, "v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) })
        .GetChatClient(GenerationServer.ToolsModel);

    private static ChatCompletionOptions Options(int seed) => new()
    {
        Tools = { Weather },
        ToolChoice = ChatToolChoice.CreateFunctionChoice("get_weather"),
        MaxOutputTokenCount = 400,
        Temperature = 0.8f,
#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK.
        Seed = seed,
#pragma warning restore OPENAI001
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task CompleteChat_NamedToolChoice_ReturnsTheCallWithArgumentsThatValidate(int seed)
    {
        ChatCompletion completion = await Chat().CompleteChatAsync([new UserChatMessage("Weather in Paris?")], Options(seed), TestContext.Current.CancellationToken);

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.StartsWith("call_", call.Id, StringComparison.Ordinal);
        var arguments = JsonDocument.Parse(call.FunctionArguments.ToString()).RootElement;
        Assert.Equal(["city"], arguments.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.String, arguments.GetProperty("city").ValueKind);

        // The result goes back as the SDK sends it; the model answers the next turn.
        ChatCompletion next = await Chat().CompleteChatAsync(
            [new UserChatMessage("Weather in Paris?"), new AssistantChatMessage(completion.ToolCalls), new ToolChatMessage(call.Id, "sunny")],
            new ChatCompletionOptions { Tools = { Weather }, MaxOutputTokenCount = 4, Temperature = 0 },
            TestContext.Current.CancellationToken);
        Assert.True(next.Usage.InputTokenCount > completion.Usage.InputTokenCount);
    }

    [Fact]
    public async Task CompleteChatStreaming_NamedToolChoice_StreamsTheSameCall()
    {
        ChatCompletion whole = await Chat().CompleteChatAsync([new UserChatMessage("Weather?")], Options(3), TestContext.Current.CancellationToken);

        var name = new StringBuilder();
        var arguments = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage("Weather?")], Options(3), TestContext.Current.CancellationToken))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                name.Append(part.FunctionName);
                arguments.Append(part.FunctionArgumentsUpdate?.ToString());
            }

            finish = update.FinishReason ?? finish;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal("get_weather", name.ToString());
        Assert.Equal(whole.ToolCalls[0].FunctionArguments.ToString(), arguments.ToString());
    }
}
