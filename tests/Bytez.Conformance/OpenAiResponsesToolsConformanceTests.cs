using System.ClientModel;
using System.Text;
using System.Text.Json;
using Bytez.Testing;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // The Responses client of OpenAI 2.15.0 is marked experimental.

namespace Bytez.Conformance;

/// <summary>
/// Function tools on the Responses API through the official OpenAI clients, unchanged (NuGet <c>OpenAI</c> 2.15.0's
/// <see cref="ResponsesClient"/> and npm <c>openai</c>), on <c>local/tiny-tools</c>, a random-weight model whose chat
/// template offers tools: <c>tool_choice</c> (named or required) makes the grammar write a call, which the clients read
/// as their function-call items, plain and streamed; the call's result goes back as a <c>function_call_output</c>
/// item with <c>previous_response_id</c>.
/// </summary>
public sealed class OpenAiResponsesToolsConformanceTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    private const string Parameters = """{"type": "object", "properties": {"city": {"type": "string", "maxLength": 12}}, "required": ["city"], "additionalProperties": false}""";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private TestServer Server => fixture.Generation.Server;

    private ResponsesClient DotNetClient() =>
        new(new ApiKeyCredential(TestServer.Key), new ResponsesClientOptions { Endpoint = new Uri(Server.BaseAddress, "v1") });

    private static CreateResponseOptions Options(IEnumerable<ResponseItem> input, ResponseToolChoice? choice, int max = 200)
    {
        var options = new CreateResponseOptions(GenerationServer.ToolsModel, [.. input]) { MaxOutputTokenCount = max, Temperature = 0, ToolChoice = choice };
        options.Tools.Add(ResponseTool.CreateFunctionTool("get_weather", BinaryData.FromString(Parameters), strictModeEnabled: true, functionDescription: "The weather in a city."));
        return options;
    }

    private static void AssertArguments(string arguments)
    {
        var value = JsonDocument.Parse(arguments).RootElement;
        Assert.Equal(["city"], value.EnumerateObject().Select(p => p.Name));
        Assert.True(value.GetProperty("city").GetString()!.EnumerateRunes().Count() <= 12, arguments);
    }

    [Fact]
    public async Task DotNet_NamedToolChoice_FunctionCallItem_ThenContinuedWithItsOutput()
    {
        var client = DotNetClient();
        ResponseResult first = await client.CreateResponseAsync(
            Options([ResponseItem.CreateUserMessageItem("Weather in Paris?")], ResponseToolChoice.CreateFunctionChoice("get_weather")), Token);

        var call = Assert.Single(first.OutputItems.OfType<FunctionCallResponseItem>());
        Assert.StartsWith("fc_", call.Id, StringComparison.Ordinal);
        Assert.StartsWith("call_", call.CallId, StringComparison.Ordinal);
        Assert.Equal("get_weather", call.FunctionName);
        AssertArguments(call.FunctionArguments.ToString());

        var next = Options([ResponseItem.CreateFunctionCallOutputItem(call.CallId, "Sunny, 21 C")], choice: null, max: 4);
        next.PreviousResponseId = first.Id;
        ResponseResult second = await client.CreateResponseAsync(next, Token);
        Assert.Equal(first.Id, second.PreviousResponseId);

        // The same conversation sent whole, as the SDK writes the items, is the same prompt.
        var whole = Options(
            [ResponseItem.CreateUserMessageItem("Weather in Paris?"), ResponseItem.CreateFunctionCallItem(call.CallId, call.FunctionName, call.FunctionArguments),
             ResponseItem.CreateFunctionCallOutputItem(call.CallId, "Sunny, 21 C")],
            choice: null,
            max: 4);
        whole.StoredOutputEnabled = false;
        ResponseResult expected = await client.CreateResponseAsync(whole, Token);
        Assert.Equal(expected.Usage.InputTokenCount, second.Usage.InputTokenCount);
        Assert.True(second.Usage.InputTokenCount > first.Usage.InputTokenCount);
        Assert.Equal(expected.GetOutputText(), second.GetOutputText());
    }

    [Fact]
    public async Task DotNet_Streamed_RequiredToolChoice_TheClientReadsTheCallEvents()
    {
        var client = DotNetClient();
        ResponseResult plain = await client.CreateResponseAsync(
            Options([ResponseItem.CreateUserMessageItem("Weather?")], ResponseToolChoice.CreateRequiredChoice()), Token);
        var expected = Assert.Single(plain.OutputItems.OfType<FunctionCallResponseItem>());

        var options = Options([ResponseItem.CreateUserMessageItem("Weather?")], ResponseToolChoice.CreateRequiredChoice());
        options.StreamingEnabled = true;
        FunctionCallResponseItem? added = null, done = null;
        var deltas = new StringBuilder();
        string? argumentsDone = null;
        ResponseResult? completed = null;
        await foreach (var update in await client.CreateResponseStreamingAsync(options, Token))
        {
            switch (update)
            {
                case StreamingResponseOutputItemAddedUpdate { Item: FunctionCallResponseItem item }:
                    added = item;
                    break;
                case StreamingResponseFunctionCallArgumentsDeltaUpdate delta:
                    deltas.Append(delta.Delta.ToString());
                    break;
                case StreamingResponseFunctionCallArgumentsDoneUpdate argumentsUpdate:
                    argumentsDone = argumentsUpdate.FunctionArguments.ToString();
                    break;
                case StreamingResponseOutputItemDoneUpdate { Item: FunctionCallResponseItem item }:
                    done = item;
                    break;
                case StreamingResponseCompletedUpdate end:
                    completed = end.Response;
                    break;
            }
        }

        Assert.NotNull(added);
        Assert.Equal("get_weather", added.FunctionName);
        Assert.Equal(expected.FunctionArguments.ToString(), deltas.ToString());
        Assert.Equal(deltas.ToString(), argumentsDone);
        Assert.NotNull(done);
        Assert.Equal(added.Id, done.Id);
        Assert.Equal(deltas.ToString(), done.FunctionArguments.ToString());
        Assert.NotNull(completed);
        Assert.Equal(done.CallId, Assert.Single(completed.OutputItems.OfType<FunctionCallResponseItem>()).CallId);
    }

    [Fact]
    public async Task JsClient_ToolCall_CreateStreamHelperAndContinue()
    {
        var tools = new[] { new { type = "function", name = "get_weather", description = "The weather in a city.", strict = true, parameters = JsonDocument.Parse(Parameters).RootElement } };
        var request = new
        {
            model = GenerationServer.ToolsModel, input = "Weather in Paris?", max_output_tokens = 200, temperature = 0, tools,
            tool_choice = new { type = "function", name = "get_weather" },
        };

        var created = Ok(await OfficialJsClient.CallOpenAiResponsesAsync(Server, "create", request));
        var call = created.GetProperty("output").EnumerateArray().Single(i => i.GetProperty("type").GetString() == "function_call");
        var arguments = call.GetProperty("arguments").GetString()!;
        AssertArguments(arguments);

        // The raw events, and the client's own stream helper, which rebuilds the response from them.
        var streamed = await OfficialJsClient.CallOpenAiResponsesAsync(Server, "stream", request);
        var types = streamed.GetProperty("types").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("response.function_call_arguments.done", types);
        Assert.Equal(arguments, streamed.GetProperty("arguments").GetString());
        var helped = Ok(await OfficialJsClient.CallOpenAiResponsesAsync(Server, "streamHelper", request));
        var rebuilt = helped.GetProperty("final").GetProperty("output").EnumerateArray().Single(i => i.GetProperty("type").GetString() == "function_call");
        Assert.Equal(arguments, rebuilt.GetProperty("arguments").GetString());
        Assert.Equal("get_weather", rebuilt.GetProperty("name").GetString());

        var next = Ok(await OfficialJsClient.CallOpenAiResponsesAsync(Server, "create", new
        {
            model = GenerationServer.ToolsModel, max_output_tokens = 4, temperature = 0, tools, previous_response_id = created.GetProperty("id").GetString(),
            input = new[] { new { type = "function_call_output", call_id = call.GetProperty("call_id").GetString(), output = "Sunny, 21 C" } },
        }));
        Assert.Equal(created.GetProperty("id").GetString(), next.GetProperty("previous_response_id").GetString());
        Assert.True(next.GetProperty("usage").GetProperty("input_tokens").GetInt32() > created.GetProperty("usage").GetProperty("input_tokens").GetInt32());
    }

    /// <summary>What the JS client answered, failing with what it said when it threw.</summary>
    internal static JsonElement Ok(JsonElement result)
    {
        Assert.True(result.TryGetProperty("ok", out var ok), result.GetRawText());
        return ok;
    }
}

/// <summary>
/// Reasoning items through the official OpenAI clients: a thinking model's thinking as a <c>reasoning</c> item with
/// <c>reasoning_text</c> content, and streamed as <c>response.reasoning_text.delta</c> events, as both clients read them.
/// </summary>
public sealed class OpenAiResponsesReasoningConformanceTests : IAsyncLifetime
{
    private ThinkingServer _thinking = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _thinking = await ThinkingServer.StartAsync();

    public ValueTask DisposeAsync() => _thinking.DisposeAsync();

    [Fact]
    public async Task DotNet_ReasoningItemAndStreamedReasoningText()
    {
        var client = new ResponsesClient(new ApiKeyCredential(TestServer.Key), new ResponsesClientOptions { Endpoint = new Uri(_thinking.Server.BaseAddress, "v1") });
        CreateResponseOptions Options() => new(ThinkingServer.Model, [ResponseItem.CreateUserMessageItem("Why?")])
        {
            MaxOutputTokenCount = 8,
            Temperature = 0,
            ReasoningOptions = new ResponseReasoningOptions { ReasoningEffortLevel = ResponseReasoningEffortLevel.High },
        };

        ResponseResult plain = await client.CreateResponseAsync(Options(), Token);
        var reasoning = Assert.Single(plain.OutputItems.OfType<ReasoningResponseItem>());
        Assert.StartsWith("rs_", reasoning.Id, StringComparison.Ordinal);

        var streaming = Options();
        streaming.StreamingEnabled = true;
        var deltas = new StringBuilder();
        string? doneText = null;
        ReasoningResponseItem? doneItem = null;
        await foreach (var update in await client.CreateResponseStreamingAsync(streaming, Token))
        {
            switch (update)
            {
                case StreamingResponseReasoningTextDeltaUpdate delta:
                    deltas.Append(delta.Delta);
                    break;
                case StreamingResponseReasoningTextDoneUpdate done:
                    doneText = done.Text;
                    break;
                case StreamingResponseOutputItemDoneUpdate { Item: ReasoningResponseItem item }:
                    doneItem = item;
                    break;
            }
        }

        Assert.NotEmpty(deltas.ToString());
        Assert.Equal(deltas.ToString(), doneText);
        Assert.NotNull(doneItem);
        Assert.Equal(PlainText(plain), deltas.ToString());
    }

    [Fact]
    public async Task JsClient_ReasoningItemAndStreamedReasoningText()
    {
        var request = new { model = ThinkingServer.Model, input = "Why?", max_output_tokens = 8, temperature = 0, reasoning = new { effort = "high" } };

        var created = OpenAiResponsesToolsConformanceTests.Ok(await OfficialJsClient.CallOpenAiResponsesAsync(_thinking.Server, "create", request));
        var item = Assert.Single(created.GetProperty("output").EnumerateArray());
        Assert.Equal("reasoning", item.GetProperty("type").GetString());
        var text = item.GetProperty("content")[0].GetProperty("text").GetString();
        Assert.False(string.IsNullOrEmpty(text));

        var streamed = await OfficialJsClient.CallOpenAiResponsesAsync(_thinking.Server, "stream", request);
        Assert.Equal(text, streamed.GetProperty("reasoning").GetString());
        var helped = OpenAiResponsesToolsConformanceTests.Ok(await OfficialJsClient.CallOpenAiResponsesAsync(_thinking.Server, "streamHelper", request));
        Assert.Equal(text, Assert.Single(helped.GetProperty("final").GetProperty("output").EnumerateArray()).GetProperty("content")[0].GetProperty("text").GetString());
    }

    /// <summary>The reasoning text of a response, as the server sent it (the SDK keeps the raw JSON).</summary>
    private static string PlainText(ResponseResult response)
    {
        var json = JsonDocument.Parse(System.ClientModel.Primitives.ModelReaderWriter.Write(response).ToString()).RootElement;
        return json.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString()!;
    }
}
