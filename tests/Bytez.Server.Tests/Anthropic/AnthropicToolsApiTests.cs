using System.Net;
using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Server.Tests.Anthropic;

/// <summary>
/// Tools on <c>POST /v1/messages</c> with the tiny ONNX model whose chat template offers tools (Hermes-style calls):
/// <c>tool_choice</c> any or tool makes the random-weight model call through the grammar; the call comes back as a
/// <c>tool_use</c> block (plain and streamed), and its <c>tool_result</c> goes into the next turn.
/// </summary>
public sealed class AnthropicToolsApiTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    private const string Tools = """[{"name": "get_weather", "description": "The weather in a city.", "input_schema": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20}}, "required": ["city"], "additionalProperties": false}}]""";

    private static string Body(string toolChoice, string messages = """[{"role": "user", "content": "Weather in Paris?"}]""", bool stream = false) =>
        $$"""{"model": "{{GenerationServer.ToolsModel}}", "max_tokens": 400, "temperature": 0.8, "tools": {{Tools}}, "tool_choice": {{toolChoice}}, "messages": {{messages}}, "stream": {{(stream ? "true" : "false")}}}""";

    private static void AssertWeatherInput(JsonElement input)
    {
        Assert.Equal(["city"], input.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.String, input.GetProperty("city").ValueKind);
    }

    [Theory]
    [InlineData("""{"type": "any"}""")]
    [InlineData("""{"type": "tool", "name": "get_weather"}""")]
    [InlineData("""{"type": "tool", "name": "get_weather", "disable_parallel_tool_use": true}""")]
    public async Task Messages_ForcedToolChoice_AnswersAToolUseBlockAndTakesItsResultNext(string toolChoice)
    {
        using var client = AnthropicHttp.Client(fixture.Generation.Server);

        var (status, body, _) = await AnthropicHttp.PostAsync(client, "v1/messages", Body(toolChoice));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("tool_use", body.GetProperty("stop_reason").GetString());
        var call = Assert.Single(body.GetProperty("content").EnumerateArray(), b => b.GetProperty("type").GetString() == "tool_use");
        Assert.Equal("get_weather", call.GetProperty("name").GetString());
        Assert.Equal("direct", call.GetProperty("caller").GetProperty("type").GetString());
        AssertWeatherInput(call.GetProperty("input"));

        // The assistant's turn goes back as the client got it, then the result in a user turn.
        var id = call.GetProperty("id").GetString();
        var next = $$"""
            [{"role": "user", "content": "Weather in Paris?"},
             {"role": "assistant", "content": {{body.GetProperty("content").GetRawText()}}},
             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "{{id}}", "content": "sunny"}, {"type": "text", "text": "And so?"}]}]
            """;
        var (nextStatus, nextBody, _) = await AnthropicHttp.PostAsync(client, "v1/messages", Body("""{"type": "none"}""", next));
        var (_, count, _) = await AnthropicHttp.PostAsync(
            client, "v1/messages/count_tokens", $$"""{"model": "{{GenerationServer.ToolsModel}}", "tools": {{Tools}}, "messages": {{next}}}""");

        Assert.Equal(HttpStatusCode.OK, nextStatus);
        Assert.DoesNotContain(nextBody.GetProperty("content").EnumerateArray(), b => b.GetProperty("type").GetString() == "tool_use");
        Assert.NotEqual("tool_use", nextBody.GetProperty("stop_reason").GetString());
        var input = nextBody.GetProperty("usage").GetProperty("input_tokens").GetInt32();
        Assert.True(input > body.GetProperty("usage").GetProperty("input_tokens").GetInt32() + 10);
        Assert.Equal(input, count.GetProperty("input_tokens").GetInt32());
    }

    [Fact]
    public async Task Messages_ForcedToolChoiceStreamed_SendsTheCallAsAToolUseBlockWithInputJsonDelta()
    {
        using var client = AnthropicHttp.Client(fixture.Generation.Server);

        var (response, events) = await AnthropicHttp.StreamAsync(client, "v1/messages", Body("""{"type": "any"}""", stream: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var start = Assert.Single(events, e => e.Name == "content_block_start" && e.Data.GetProperty("content_block").GetProperty("type").GetString() == "tool_use");
        var index = start.Data.GetProperty("index").GetInt32();
        var block = start.Data.GetProperty("content_block");
        Assert.Equal("get_weather", block.GetProperty("name").GetString());
        Assert.Equal("{}", block.GetProperty("input").GetRawText());
        var json = string.Concat(events
            .Where(e => e.Name == "content_block_delta" && e.Data.GetProperty("index").GetInt32() == index)
            .Select(e =>
            {
                Assert.Equal("input_json_delta", e.Data.GetProperty("delta").GetProperty("type").GetString());
                return e.Data.GetProperty("delta").GetProperty("partial_json").GetString();
            }));
        AssertWeatherInput(JsonDocument.Parse(json).RootElement);
        var stopAt = events.FindIndex(e => e.Name == "content_block_stop" && e.Data.GetProperty("index").GetInt32() == index);
        Assert.True(stopAt > events.IndexOf(start));
        Assert.Equal("tool_use", events[^2].Data.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal("message_stop", events[^1].Name);
    }

    [Fact]
    public async Task Messages_ToolChoiceNamingAnUnofferedTool_400()
    {
        using var client = AnthropicHttp.Client(fixture.Generation.Server);

        var (status, body, _) = await AnthropicHttp.PostAsync(client, "v1/messages", Body("""{"type": "tool", "name": "get_time"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("get_time", AnthropicHttp.AssertError(body, "invalid_request_error"), StringComparison.Ordinal);
    }
}
