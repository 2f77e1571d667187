using System.ClientModel;
using System.Text;
using System.Text.Json;
using Bytez.Testing;
using OpenAI;
using OpenAI.Chat;

namespace Bytez.Conformance;

/// <summary>
/// Chat completions and completions through the official OpenAI clients, unchanged, pointed at our server's /v1:
/// the .NET SDK (NuGet <c>OpenAI</c> 2.15.0) and the npm <c>openai</c> package.
/// </summary>
public sealed class OpenAiChatConformanceTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    public static TheoryData<string> Models => [GenerationServer.GgufModel, GenerationServer.OnnxModel];

    private TestServer Server => fixture.Generation.Server;

    private OpenAIClient CreateClient(string key = TestServer.Key) =>
        new(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(Server.BaseAddress, "v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) });

    [Theory]
    [MemberData(nameof(Models))]
    public async Task DotNetSdk_CompleteChat_AnswersWithUsageAndFinishReason(string model)
    {
        var chat = CreateClient().GetChatClient(model);

        ChatCompletion completion = await chat.CompleteChatAsync(
            [new SystemChatMessage("Be brief."), new UserChatMessage("Hello")],
            new ChatCompletionOptions { MaxOutputTokenCount = 6, Temperature = 0 },
            TestContext.Current.CancellationToken);

        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.False(string.IsNullOrEmpty(completion.Content[0].Text));
        Assert.Equal(model, completion.Model);
        // The budget ends the answer ("length") unless the model ends it first ("stop").
        Assert.True(completion.FinishReason is ChatFinishReason.Length or ChatFinishReason.Stop);
        Assert.True(completion.FinishReason == ChatFinishReason.Length ? completion.Usage.OutputTokenCount == 6 : completion.Usage.OutputTokenCount <= 6);
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task DotNetSdk_CompleteChatStreaming_AddsUpToTheNonStreamedAnswerWithUsage(string model)
    {
        var chat = CreateClient().GetChatClient(model);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 };
        ChatCompletion whole = await chat.CompleteChatAsync([new UserChatMessage("Hello")], options, TestContext.Current.CancellationToken);

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Hello")], options, TestContext.Current.CancellationToken))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.Equal(whole.FinishReason, finish);
        Assert.NotNull(usage);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(whole.Usage.OutputTokenCount, usage.OutputTokenCount);
    }

    [Fact]
    public async Task DotNetSdk_UnknownModel_ThrowsWith404()
    {
        var chat = CreateClient().GetChatClient("nobody/nothing");

        var e = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(404, e.Status);
        Assert.Contains("nobody/nothing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DotNetSdk_WrongKey_ThrowsWith401()
    {
        var chat = CreateClient("not-the-key").GetChatClient(GenerationServer.GgufModel);

        var e = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(401, e.Status);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task JsClient_ChatAndStream_GiveTheSameText(string model)
    {
        var body = new { model, messages = new[] { new { role = "user", content = "Hello" } }, max_tokens = 8, temperature = 0 };

        var whole = await OfficialJsClient.CallOpenAiAsync(Server, "chat", body);
        var streamed = await OfficialJsClient.CallOpenAiAsync(Server, "chatStream", new { body.model, body.messages, body.max_tokens, body.temperature, stream_options = new { include_usage = true } });

        Assert.False(whole.TryGetProperty("thrown", out var thrown), thrown.ToString());
        var choice = whole.GetProperty("choices")[0];
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        var chunks = streamed.GetProperty("chunks").EnumerateArray().ToList();
        var text = string.Concat(chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta")).Select(d => d.TryGetProperty("content", out var t) ? t.GetString() : ""));
        Assert.Equal(choice.GetProperty("message").GetProperty("content").GetString(), text);
        Assert.Equal(whole.GetProperty("usage").GetRawText(), chunks[^1].GetProperty("usage").GetRawText());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task JsClient_Completion_ContinuesThePrompt(string model)
    {
        var result = await OfficialJsClient.CallOpenAiAsync(Server, "completion", new { model, prompt = new[] { "Once upon a time", "Hello" }, max_tokens = 4, logprobs = 1 });

        Assert.False(result.TryGetProperty("thrown", out var thrown), thrown.ToString());
        Assert.Equal("text_completion", result.GetProperty("object").GetString());
        var choices = result.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(choices, c => Assert.Equal(JsonValueKind.Array, c.GetProperty("logprobs").GetProperty("token_logprobs").ValueKind));
    }

    [Fact]
    public async Task JsClient_BadTemperature_ThrowsBadRequestWithOpenAisErrorObject()
    {
        var result = await OfficialJsClient.CallOpenAiAsync(Server, "chat",
            new { model = GenerationServer.GgufModel, messages = new[] { new { role = "user", content = "Hi" } }, temperature = 5 });

        var thrown = result.GetProperty("thrown");
        Assert.Equal("BadRequestError", thrown.GetProperty("name").GetString());
        Assert.Equal(400, thrown.GetProperty("status").GetInt32());
        Assert.Contains("temperature", thrown.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
