using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Bytez.Tests;

/// <summary>
/// The IChatClient adapter against recorded wire JSON of the OpenAI-compatible chat route (Golden/): the request it
/// writes for a conversation with every mapped option, and the answer and stream it reads back.
/// </summary>
public sealed class BytezChatClientTests
{
    private const string Model = "Qwen/Qwen2.5-0.5B-Instruct";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static string Golden(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", name));

    private static JsonElement Schema(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>The conversation and options whose request is Golden/chat-request.json.</summary>
    internal static (List<AIChatMessage> Messages, ChatOptions Options) GoldenConversation()
    {
        var messages = new List<AIChatMessage>
        {
            new(ChatRole.System, "You are a weather bot."),
            new(ChatRole.User,
            [
                new TextContent("What is the weather where this photo was taken?"),
                new UriContent("https://example.org/paris.jpg", "image/jpeg"),
                new DataContent(Convert.FromBase64String("iVBORw0K"), "image/png"),
            ]) { AuthorName = "ana" },
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris", ["days"] = 2 })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", Schema("""{"temperature":21,"sky":"sunny"}"""))]),
            new(ChatRole.Assistant, "It is 21 degrees and sunny in Paris."),
            new(ChatRole.User, "And tomorrow?"),
        };
        var options = new ChatOptions
        {
            Instructions = "Answer briefly.",
            MaxOutputTokens = 64,
            Temperature = 0.2f,
            TopP = 0.9f,
            TopK = 40,
            FrequencyPenalty = 0.5f,
            PresencePenalty = 0.25f,
            Seed = 7,
            StopSequences = ["\n\n"],
            ResponseFormat = ChatResponseFormat.ForJsonSchema(
                Schema("""{"type":"object","properties":{"summary":{"type":"string"}},"required":["summary"]}"""), "weather", "A weather report"),
            Tools =
            [
                AIFunctionFactory.CreateDeclaration(
                    "get_weather", "Gets the weather of a city",
                    Schema("""{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city"]}""")),
            ],
            ToolMode = ChatToolMode.RequireSpecific("get_weather"),
            AllowMultipleToolCalls = false,
            Reasoning = new ReasoningOptions { Effort = ReasoningEffort.Low },
            AdditionalProperties = new() { ["enable_thinking"] = false, ["temperature"] = 1.5 },
        };
        return (messages, options);
    }

    private static (IChatClient Chat, FakeHandler Handler) Create(FakeHandler handler) =>
        (TestClients.Create(handler).Model(Model).AsIChatClient(), handler);

    private static FakeHandler Sse(string body) => new((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
    {
        Content = new StringContent(body, Encoding.UTF8, "text/event-stream"),
    }));

    [Fact]
    public async Task GetStreamingResponseAsync_EveryOption_WritesTheGoldenRequest()
    {
        var (chat, handler) = Create(Sse(Golden("chat-stream-tool-call.sse")));
        var (messages, options) = GoldenConversation();

        await foreach (var _ in chat.GetStreamingResponseAsync(messages, options, Ct))
        {
        }

        var request = handler.Single;
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://bytez.test/models/v2/openai/v1/chat/completions", request.Uri.AbsoluteUri);
        Assert.Equal("Bearer " + TestClients.Key, request.Header("Authorization"));
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        AssertJsonEqual(Golden("chat-request.json"), request.Body!);
    }

    [Fact]
    public async Task GetResponseAsync_SameConversation_WritesTheGoldenRequestWithoutStreaming()
    {
        var (chat, handler) = Create(FakeHandler.Json(Golden("chat-response-tool-call.json")));
        var (messages, options) = GoldenConversation();

        await chat.GetResponseAsync(messages, options, Ct);

        var expected = JsonNode.Parse(Golden("chat-request.json"))!.AsObject();
        expected.Remove("stream");
        expected.Remove("stream_options");
        AssertJsonEqual(expected.ToJsonString(), handler.Single.Body!);
    }

    [Fact]
    public async Task GetResponseAsync_ToolCallAnswer_ReadsTextReasoningCallsUsageAndFinishReason()
    {
        var (chat, _) = Create(FakeHandler.Json(Golden("chat-response-tool-call.json")));

        var response = await chat.GetResponseAsync("Weather in Paris and Lyon?", cancellationToken: Ct);

        Assert.Equal("chatcmpl-7QyqpwdfhqwajicIEznoc6Q47XAyW", response.ResponseId);
        Assert.Equal(Model, response.ModelId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1735689600), response.CreatedAt);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        var message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.Equal("Let me look that up.", message.Text);
        Assert.Equal("The user wants the weather; call the tool.", Assert.Single(message.Contents.OfType<TextReasoningContent>()).Text);
        var calls = message.Contents.OfType<FunctionCallContent>().ToList();
        Assert.Equal(["call_1", "call_2"], calls.Select(c => c.CallId));
        Assert.All(calls, c => Assert.Equal("get_weather", c.Name));
        Assert.Equal("Paris", calls[0].Arguments!["city"]?.ToString());
        Assert.Equal(2, ((JsonElement)calls[0].Arguments!["days"]!).GetInt32());
        Assert.Equal("Lyon", calls[1].Arguments!["city"]?.ToString());
        Assert.Equal(82, response.Usage!.InputTokenCount);
        Assert.Equal(41, response.Usage.OutputTokenCount);
        Assert.Equal(123, response.Usage.TotalTokenCount);
        Assert.Equal(16, response.Usage.CachedInputTokenCount);
        Assert.Equal(9, response.Usage.ReasoningTokenCount);
        Assert.Equal("fp_bytez", response.AdditionalProperties!["system_fingerprint"]);
        Assert.IsType<JsonElement>(response.RawRepresentation);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolCallStream_YieldsPiecesThenWholeCallsWithTheFinishReasonThenUsage()
    {
        var (chat, _) = Create(Sse(Golden("chat-stream-tool-call.sse")));

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync("Weather in Paris and Lyon?", cancellationToken: Ct))
        {
            updates.Add(update);
        }

        Assert.Equal(["Let me ", "look that up."], updates.Where(u => u.Contents.OfType<TextContent>().Any()).Select(u => u.Text));
        var finish = Assert.Single(updates, u => u.FinishReason is not null);
        Assert.Equal(ChatFinishReason.ToolCalls, finish.FinishReason);
        Assert.Equal(["call_1", "call_2"], finish.Contents.OfType<FunctionCallContent>().Select(c => c.CallId));
        Assert.Equal(2, updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>().Count());
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());
        Assert.Equal(123, usage.Details.TotalTokenCount);
        Assert.Same(updates[^1], updates.Single(u => u.Contents.OfType<UsageContent>().Any()));
        Assert.All(updates, u => Assert.Equal("chatcmpl-7QyqpwdfhqwajicIEznoc6Q47XAyW", u.ResponseId));
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
    }

    [Fact]
    public async Task GetResponseAsync_EqualsTheFoldOfTheStreamOfTheSameAnswer()
    {
        var (plain, _) = Create(FakeHandler.Json(Golden("chat-response-tool-call.json")));
        var (streaming, _) = Create(Sse(Golden("chat-stream-tool-call.sse")));

        var response = await plain.GetResponseAsync("Weather?", cancellationToken: Ct);
        var folded = await streaming.GetStreamingResponseAsync("Weather?", cancellationToken: Ct).ToChatResponseAsync(Ct);

        Assert.Equal(response.ResponseId, folded.ResponseId);
        Assert.Equal(response.ModelId, folded.ModelId);
        Assert.Equal(response.CreatedAt, folded.CreatedAt);
        Assert.Equal(response.FinishReason, folded.FinishReason);
        Assert.Equal(response.Text, folded.Text);
        Assert.Equal(Describe(response), Describe(folded));
        Assert.Equal(
            (response.Usage!.InputTokenCount, response.Usage.OutputTokenCount, response.Usage.TotalTokenCount, response.Usage.CachedInputTokenCount, response.Usage.ReasoningTokenCount),
            (folded.Usage!.InputTokenCount, folded.Usage.OutputTokenCount, folded.Usage.TotalTokenCount, folded.Usage.CachedInputTokenCount, folded.Usage.ReasoningTokenCount));
    }

    /// <summary>The contents of a response's messages as comparable text: kind, text, call id, name and arguments.</summary>
    private static string Describe(ChatResponse response) => string.Join("\n", response.Messages.SelectMany(m => m.Contents).Select(c => c switch
    {
        TextContent t => "text:" + t.Text,
        TextReasoningContent r => "reasoning:" + r.Text,
        FunctionCallContent f => $"call:{f.CallId}:{f.Name}:{string.Join(",", f.Arguments!.Select(a => $"{a.Key}={a.Value}"))}",
        _ => c.GetType().Name,
    }).OrderBy(s => s[..s.IndexOf(':', StringComparison.Ordinal)], StringComparer.Ordinal).ThenBy(s => s, StringComparer.Ordinal));

    [Fact]
    public async Task GetStreamingResponseAsync_ServerIgnoresStream_YieldsTheWholeAnswersUpdates()
    {
        var (chat, _) = Create(FakeHandler.Json(Golden("chat-response-tool-call.json")));

        var folded = await chat.GetStreamingResponseAsync("Weather?", cancellationToken: Ct).ToChatResponseAsync(Ct);

        Assert.Equal("Let me look that up.", folded.Text);
        Assert.Equal(ChatFinishReason.ToolCalls, folded.FinishReason);
        Assert.Equal(2, folded.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Count());
    }

    [Fact]
    public async Task GetResponseAsync_OpenAIErrorObject_ThrowsBytezExceptionWithStatusAndMessage()
    {
        var (chat, _) = Create(FakeHandler.Json(
            """{"error":{"message":"The model 'x/y' does not exist","type":"invalid_request_error","param":"model","code":"model_not_found"}}""",
            HttpStatusCode.NotFound));

        var error = await Assert.ThrowsAsync<BytezException>(() => chat.GetResponseAsync("hi", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("The model 'x/y' does not exist", error.Message);
        Assert.Contains("model_not_found", error.ResponseBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_BytezEnvelopeError_ThrowsWithItsMessage()
    {
        var (chat, _) = Create(FakeHandler.Json("""{"error":"Unauthorized","output":null}""", HttpStatusCode.Unauthorized));

        var error = await Assert.ThrowsAsync<BytezException>(() => chat.GetResponseAsync("hi", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal("Unauthorized", error.Message);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ErrorEventMidStream_ThrowsAfterTheTextBeforeIt()
    {
        var (chat, _) = Create(Sse(
            "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n" +
            "data: {\"error\":{\"message\":\"the model failed\",\"type\":\"server_error\"}}\n\n"));

        var texts = new List<string>();
        var error = await Assert.ThrowsAsync<BytezException>(async () =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync("hi", cancellationToken: Ct))
            {
                texts.Add(update.Text);
            }
        });

        Assert.Equal(["Hel"], texts);
        Assert.Equal("the model failed", error.Message);
    }

    [Fact]
    public async Task GetResponseAsync_NotAChatCompletion_ThrowsSayingSo()
    {
        var (chat, _) = Create(FakeHandler.Json("[1,2,3]"));

        var error = await Assert.ThrowsAsync<BytezException>(() => chat.GetResponseAsync("hi", cancellationToken: Ct));

        Assert.Contains("not a chat completion", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_OptionsModelId_ReplacesTheModel()
    {
        var (chat, handler) = Create(FakeHandler.Json(Golden("chat-response-tool-call.json")));

        await chat.GetResponseAsync("hi", new ChatOptions { ModelId = "other/model" }, Ct);

        Assert.Equal("other/model", JsonNode.Parse(handler.Single.Body!)!["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetResponseAsync_JsonWithoutSchema_IsJsonObject_AndToolModesMap()
    {
        var (chat, handler) = Create(Scripted(Golden("chat-response-tool-call.json")));
        var tool = AIFunctionFactory.CreateDeclaration("f", null, Schema("""{"type":"object"}"""));

        await chat.GetResponseAsync("hi", new ChatOptions { ResponseFormat = ChatResponseFormat.Json }, Ct);
        await chat.GetResponseAsync("hi", new ChatOptions { Tools = [tool], ToolMode = ChatToolMode.RequireAny }, Ct);
        await chat.GetResponseAsync("hi", new ChatOptions { Tools = [tool], ToolMode = ChatToolMode.None }, Ct);
        await chat.GetResponseAsync("hi", new ChatOptions { Tools = [tool], ToolMode = ChatToolMode.Auto }, Ct);
        await chat.GetResponseAsync("hi", new ChatOptions { ToolMode = ChatToolMode.RequireAny }, Ct);

        var bodies = handler.Requests.Select(r => JsonNode.Parse(r.Body!)!.AsObject()).ToList();
        AssertJsonEqual("""{"type":"json_object"}""", bodies[0]["response_format"]!.ToJsonString());
        Assert.Equal("required", bodies[1]["tool_choice"]!.GetValue<string>());
        Assert.Equal("none", bodies[2]["tool_choice"]!.GetValue<string>());
        Assert.Equal("auto", bodies[3]["tool_choice"]!.GetValue<string>());
        Assert.False(bodies[4].ContainsKey("tool_choice"));   // no tools: OpenAI refuses a tool_choice without tools
        AssertJsonEqual("""{"model":"Qwen/Qwen2.5-0.5B-Instruct","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"required"}""", bodies[1].ToJsonString());
    }

    [Fact]
    public async Task GetResponseAsync_AudioForUser_IsInputAudio_ButMediaInAssistantMessageIsRefused()
    {
        var (chat, handler) = Create(FakeHandler.Json(Golden("chat-response-tool-call.json")));
        var wav = new DataContent(new byte[] { 1, 2, 3 }, "audio/wav");

        await chat.GetResponseAsync([new AIChatMessage(ChatRole.User, [new TextContent("Transcribe"), wav])], cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<NotSupportedException>(() =>
            chat.GetResponseAsync([new AIChatMessage(ChatRole.Assistant, [wav])], cancellationToken: Ct));
        var ogg = await Assert.ThrowsAsync<NotSupportedException>(() =>
            chat.GetResponseAsync([new AIChatMessage(ChatRole.User, [new DataContent(new byte[] { 1 }, "audio/ogg")])], cancellationToken: Ct));

        var content = JsonNode.Parse(handler.Single.Body!)!["messages"]![0]!["content"]!;
        AssertJsonEqual("""[{"type":"text","text":"Transcribe"},{"type":"input_audio","input_audio":{"data":"AQID","format":"wav"}}]""", content.ToJsonString());
        Assert.Contains("user messages only", error.Message, StringComparison.Ordinal);
        Assert.Contains("wav and mp3", ogg.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_NullMessages_ThrowsArgumentNull()
    {
        var (chat, handler) = Create(FakeHandler.Json("{}"));

        await Assert.ThrowsAsync<ArgumentNullException>(() => chat.GetResponseAsync((IEnumerable<AIChatMessage>)null!, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(async () =>
        {
            await foreach (var _ in chat.GetStreamingResponseAsync((IEnumerable<AIChatMessage>)null!, cancellationToken: Ct))
            {
            }
        });
        Assert.Throws<ArgumentNullException>(() => chat.GetService(null!));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task GetResponseAsync_CancelledWhileWaiting_ThrowsOperationCanceled()
    {
        var (chat, _) = Create(TestClients.Hanging());
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => chat.GetResponseAsync("hi", cancellationToken: cancel.Token));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CancelledMidStream_ThrowsOperationCanceled()
    {
        var body = new ChunkedStream();
        var (chat, _) = Create(TestClients.Streaming(body));
        body.Write("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync("hi", cancellationToken: cancel.Token))
            {
                Assert.Equal("Hi", update.Text);
                await cancel.CancelAsync();
            }
        });
    }

    [Fact]
    public void GetService_GivesMetadataModelAndClient_AndNothingForAKey()
    {
        var client = TestClients.Create(FakeHandler.Json("{}"));
        var model = client.Model(Model);
        var chat = model.AsIChatClient();

        var metadata = chat.GetService<ChatClientMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal("bytez", metadata.ProviderName);
        Assert.Equal(Model, metadata.DefaultModelId);
        Assert.Equal("http://bytez.test/models/v2/openai/v1/", metadata.ProviderUri!.AbsoluteUri);
        Assert.Same(model, chat.GetService<BytezModel>());
        Assert.Same(client, chat.GetService<BytezClient>());
        Assert.Same(chat, chat.GetService<IChatClient>());
        Assert.Null(chat.GetService<ChatClientMetadata>("key"));
        Assert.Null(chat.GetService<string>());
    }

    internal static FakeHandler Scripted(string body) => new((_, _) => Task.FromResult(FakeHandler.JsonResponse(body)));

    internal static void AssertJsonEqual(string expected, string actual)
    {
        var expectedNode = JsonNode.Parse(expected);
        var actualNode = JsonNode.Parse(actual);
        Assert.True(JsonNode.DeepEquals(expectedNode, actualNode), $"Expected:\n{expectedNode}\nActual:\n{actualNode}");
    }
}
