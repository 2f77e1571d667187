using System.Net;
using System.Text.Json;
using Bytez.Testing;
using static Bytez.Server.Tests.OpenAi.OpenAiResponsesApiTests;

namespace Bytez.Server.Tests.OpenAi;

/// <summary>
/// The Responses API's function tools on a model whose chat template offers them (<c>local/tiny-tools</c>):
/// <c>tool_choice</c> forcing a call through the grammar, the call as a <c>function_call</c> output item, plain and
/// streamed as OpenAI's events, then continued with its <c>function_call_output</c>; and <c>text.format</c>.
/// </summary>
public sealed class OpenAiResponsesToolsTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    private const string Tools = """
        "tools": [{"type": "function", "name": "get_weather", "description": "The weather in a city.", "strict": true,
                   "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12}}, "required": ["city"], "additionalProperties": false}}]
        """;

    private HttpClient Client() => OpenAiResponsesApiTests.Client(fixture.Generation.Server);

    private static string Request(string toolChoice, string extra = "") => $$"""
        {"model": "{{GenerationServer.ToolsModel}}", "input": "Weather in Paris?", "max_output_tokens": 200, "temperature": 0,
         "tool_choice": {{toolChoice}}, {{Tools}}{{extra}}}
        """;

    private static JsonElement SingleCall(JsonElement response)
    {
        var calls = response.GetProperty("output").EnumerateArray().Where(i => i.GetProperty("type").GetString() == "function_call").ToList();
        return Assert.Single(calls);
    }

    [Theory]
    [InlineData("""{"type": "function", "name": "get_weather"}""")]
    [InlineData("\"required\"")]
    public async Task Create_ToolChoiceForcesACall_FunctionCallItemWithArgumentsThatFitTheSchema(string toolChoice)
    {
        using var client = Client();
        var (status, body) = await PostAsync(client, Request(toolChoice));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("completed", body.GetProperty("status").GetString());
        var call = SingleCall(body);
        Assert.StartsWith("fc_", call.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("call_", call.GetProperty("call_id").GetString(), StringComparison.Ordinal);
        Assert.Equal("get_weather", call.GetProperty("name").GetString());
        Assert.Equal("completed", call.GetProperty("status").GetString());
        var arguments = JsonDocument.Parse(call.GetProperty("arguments").GetString()!).RootElement;
        Assert.Equal(["city"], arguments.EnumerateObject().Select(p => p.Name));
        var city = arguments.GetProperty("city").GetString()!;
        Assert.True(city.EnumerateRunes().Count() <= 12, $"{city} ({city.EnumerateRunes().Count()} code points)");

        // The request's tools and choice are echoed as sent.
        Assert.Equal("get_weather", Assert.Single(body.GetProperty("tools").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(JsonDocument.Parse(toolChoice).RootElement.ValueKind, body.GetProperty("tool_choice").ValueKind);
    }

    [Fact]
    public async Task Create_ToolChoiceNone_AnswersTextWithoutACall()
    {
        using var client = Client();
        var (status, body) = await PostAsync(client, Request("\"none\"").Replace("200", "6", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(body.GetProperty("output").EnumerateArray(), i => Assert.Equal("message", i.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task Create_Streamed_FunctionCallEventsInOpenAisOrder_SameCallAsPlain()
    {
        using var client = Client();
        var request = Request("""{"type": "function", "name": "get_weather"}""");
        var (_, plain) = await PostAsync(client, request);
        var expected = SingleCall(plain);

        var events = await StreamAsync(client, Request("""{"type": "function", "name": "get_weather"}""", ", \"stream\": true"));

        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));
        Assert.Equal("response.completed", events[^1].Type);
        var added = events.FindIndex(e => e.Type == "response.output_item.added" && e.Data.GetProperty("item").GetProperty("type").GetString() == "function_call");
        Assert.True(added >= 0, string.Join(", ", events.Select(e => e.Type)));
        Assert.Equal(
            ["response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.done", "response.output_item.done"],
            events.Skip(added).Take(4).Select(e => e.Type));
        var item = events[added].Data.GetProperty("item");
        Assert.Equal("in_progress", item.GetProperty("status").GetString());
        Assert.Equal(string.Empty, item.GetProperty("arguments").GetString());
        Assert.Equal("get_weather", item.GetProperty("name").GetString());
        var id = item.GetProperty("id").GetString();
        var index = events[added].Data.GetProperty("output_index").GetInt32();
        Assert.All(events.Skip(added + 1).Take(3), e =>
        {
            Assert.Equal(index, e.Data.GetProperty("output_index").GetInt32());
            Assert.Equal(id, e.Type == "response.output_item.done" ? e.Data.GetProperty("item").GetProperty("id").GetString() : e.Data.GetProperty("item_id").GetString());
        });
        var arguments = events[added + 1].Data.GetProperty("delta").GetString();
        Assert.Equal(expected.GetProperty("arguments").GetString(), arguments);
        Assert.Equal(arguments, events[added + 2].Data.GetProperty("arguments").GetString());
        var done = events[added + 3].Data.GetProperty("item");
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(arguments, done.GetProperty("arguments").GetString());

        // The final response holds the same item, and so does the stored one.
        var final = events[^1].Data.GetProperty("response");
        Assert.Equal(done.GetRawText(), SingleCall(final).GetRawText());
        var (_, stored) = await SendAsync(client, HttpMethod.Get, $"v1/responses/{final.GetProperty("id").GetString()}");
        Assert.Equal(done.GetRawText(), SingleCall(stored).GetRawText());
    }

    [Fact]
    public async Task Continue_FunctionCallOutput_RendersTheCallAndItsResultThroughTheChatTemplate()
    {
        using var client = Client();
        var (_, first) = await PostAsync(client, Request("""{"type": "function", "name": "get_weather"}"""));
        var call = SingleCall(first);
        var callId = call.GetProperty("call_id").GetString();

        var (status, second) = await PostAsync(client, $$"""
            {"model": "{{GenerationServer.ToolsModel}}", "previous_response_id": "{{first.GetProperty("id").GetString()}}", "max_output_tokens": 4, "temperature": 0,
             "input": [{"type": "function_call_output", "call_id": "{{callId}}", "output": "Sunny, 21 C"}], {{Tools}}}
            """);
        Assert.Equal(HttpStatusCode.OK, status);

        // The same conversation as chat messages (the assistant's call, the tool's result) renders to the same prompt.
        var (chatStatus, chat) = await SendAsync(client, HttpMethod.Post, "v1/chat/completions", $$$"""
            {"model": "{{{GenerationServer.ToolsModel}}}", "max_tokens": 1, "temperature": 0,
             "messages": [{"role": "user", "content": "Weather in Paris?"},
                          {"role": "assistant", "content": null, "tool_calls": [{"id": "{{{callId}}}", "type": "function", "function": {"name": "get_weather", "arguments": {{{JsonSerializer.Serialize(call.GetProperty("arguments").GetString())}}}}}]},
                          {"role": "tool", "tool_call_id": "{{{callId}}}", "content": "Sunny, 21 C"}],
             "tools": [{"type": "function", "function": {"name": "get_weather", "description": "The weather in a city.", "strict": true,
                        "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12}}, "required": ["city"], "additionalProperties": false} } }]}
            """);
        Assert.Equal(HttpStatusCode.OK, chatStatus);
        Assert.Equal(chat.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), InputTokens(second));

        // And so does the conversation sent whole as Responses items.
        var (_, whole) = await PostAsync(client, $$"""
            {"model": "{{GenerationServer.ToolsModel}}", "max_output_tokens": 4, "temperature": 0, "store": false, {{Tools}},
             "input": [{"role": "user", "content": "Weather in Paris?"},
                       {"type": "function_call", "call_id": "{{callId}}", "name": "get_weather", "arguments": {{JsonSerializer.Serialize(call.GetProperty("arguments").GetString())}}},
                       {"type": "function_call_output", "call_id": "{{callId}}", "output": "Sunny, 21 C"}]}
            """);
        Assert.Equal(InputTokens(whole), InputTokens(second));
        Assert.Equal(OutputText(whole), OutputText(second));

        // The result is part of the prompt: another result gives another prompt.
        var (_, other) = await PostAsync(client, $$"""
            {"model": "{{GenerationServer.ToolsModel}}", "previous_response_id": "{{first.GetProperty("id").GetString()}}", "max_output_tokens": 1,
             "input": [{"type": "function_call_output", "call_id": "{{callId}}", "output": "Rain"}], {{Tools}}}
            """);
        Assert.True(InputTokens(second) > InputTokens(other));
    }

    [Fact]
    public async Task Create_TextFormatJsonSchema_AnswerIsJsonOfTheSchema()
    {
        using var client = Client();
        var (status, body) = await PostAsync(client, $$$"""
            {"model": "{{{GenerationServer.OnnxModel}}}", "input": "A city", "max_output_tokens": 120, "temperature": 0,
             "text": {"format": {"type": "json_schema", "name": "city", "strict": true,
                      "schema": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 10}}, "required": ["name"], "additionalProperties": false} } } }
            """);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("completed", body.GetProperty("status").GetString());
        Assert.Equal("json_schema", body.GetProperty("text").GetProperty("format").GetProperty("type").GetString());
        var answer = JsonDocument.Parse(OutputText(body)).RootElement;
        Assert.Equal(["name"], answer.EnumerateObject().Select(p => p.Name));
        Assert.InRange(answer.GetProperty("name").GetString()!.Length, 0, 10);
    }

    [Theory]
    [InlineData("""{"model": "local/tiny-tools", "input": "Hi", "tools": [{"type": "function"}]}""", "tools[0].name")]
    [InlineData("""{"model": "local/tiny-tools", "input": "Hi", "tool_choice": "sometimes"}""", "tool_choice")]
    [InlineData("""{"model": "local/tiny-tools", "input": [{"type": "function_call_output", "output": "x"}]}""", "call_id")]
    public async Task Create_BadTools_400NamingTheField(string json, string named)
    {
        using var client = Client();
        var (status, body) = await PostAsync(client, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(named, OpenAiModelsApiTests.AssertOpenAiError(body.GetRawText()).GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
