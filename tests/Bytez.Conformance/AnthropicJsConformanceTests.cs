using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>
/// The official Anthropic JavaScript client (npm <c>@anthropic-ai/sdk</c>, unchanged, run by Node through
/// <c>js/anthropic.mjs</c>) against our server: a plain answer under both bases, the SDK's own stream helper (which
/// checks the event order and rebuilds the message from the deltas), a forced tool call then its result, count_tokens,
/// and errors as the SDK's typed errors.
/// </summary>
public sealed class AnthropicJsConformanceTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    private const string Tools = """[{"name": "get_weather", "description": "The weather in a city.", "input_schema": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20}}, "required": ["city"], "additionalProperties": false}}]""";

    private TestServer Server => fixture.Generation.Server;

    private static object Hello(string model, int maxTokens = 8, string? bytezBase = null) => new Dictionary<string, object?>
    {
        ["model"] = model,
        ["max_tokens"] = maxTokens,
        ["temperature"] = 0,
        ["system"] = "Be brief.",
        ["messages"] = new[] { new { role = "user", content = "Hello" } },
        ["base"] = bytezBase,
    };

    private static JsonElement Ok(JsonElement result)
    {
        Assert.True(result.TryGetProperty("ok", out var ok), $"the client failed: {result}");
        return ok;
    }

    [Theory]
    [InlineData(GenerationServer.GgufModel)]
    [InlineData(GenerationServer.OnnxModel)]
    public async Task Create_AndStreamHelper_GiveTheSameMessageUnderBothBases(string model)
    {
        var created = Ok(await OfficialJsClient.CallAnthropicAsync(Server, "create", Hello(model)));
        var bytez = Ok(await OfficialJsClient.CallAnthropicAsync(Server, "create", Hello(model, bytezBase: "bytez")));
        var streamed = Ok(await OfficialJsClient.CallAnthropicAsync(Server, "stream", Hello(model)));

        var message = created.GetProperty("message");
        Assert.StartsWith("req_", created.GetProperty("request_id").GetString(), StringComparison.Ordinal);
        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.Equal(model, message.GetProperty("model").GetString());
        var text = Assert.Single(message.GetProperty("content").EnumerateArray()).GetProperty("text").GetString();
        Assert.False(string.IsNullOrEmpty(text));
        Assert.Equal(text, Assert.Single(bytez.GetProperty("message").GetProperty("content").EnumerateArray()).GetProperty("text").GetString());

        Assert.Equal(text, streamed.GetProperty("text").GetString());
        var final = streamed.GetProperty("message");
        Assert.Equal(text, Assert.Single(final.GetProperty("content").EnumerateArray()).GetProperty("text").GetString());
        Assert.Equal(message.GetProperty("stop_reason").GetString(), final.GetProperty("stop_reason").GetString());
        Assert.Equal(message.GetProperty("usage").GetProperty("input_tokens").GetInt32(), final.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal(message.GetProperty("usage").GetProperty("output_tokens").GetInt32(), final.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        var types = streamed.GetProperty("types").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Equal(["message_start", "content_block_start"], types[..2]);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], types[^3..]);
    }

    [Theory]
    [InlineData("create", """{"type": "any"}""")]
    [InlineData("stream", """{"type": "tool", "name": "get_weather"}""")]
    public async Task ForcedToolChoice_GivesAToolUseBlockAndItsResultIsAnsweredNext(string operation, string toolChoice)
    {
        var question = new[] { new { role = "user", content = "Weather in Paris?" } };
        var result = Ok(await OfficialJsClient.CallAnthropicAsync(Server, operation, new
        {
            model = GenerationServer.ToolsModel,
            max_tokens = 400,
            temperature = 0.8,
            tools = JsonDocument.Parse(Tools).RootElement,
            tool_choice = JsonDocument.Parse(toolChoice).RootElement,
            messages = question,
        }));
        var message = result.GetProperty("message");

        Assert.Equal("tool_use", message.GetProperty("stop_reason").GetString());
        var call = Assert.Single(message.GetProperty("content").EnumerateArray(), b => b.GetProperty("type").GetString() == "tool_use");
        Assert.Equal("get_weather", call.GetProperty("name").GetString());
        var input = call.GetProperty("input");
        Assert.Equal(["city"], input.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.String, input.GetProperty("city").ValueKind);
        if (operation == "stream")
        {
            // The SDK's inputJson event hands out the input parsed so far; the last is the whole input.
            Assert.Equal(input.GetRawText(), result.GetProperty("inputs").EnumerateArray().Last().GetRawText());
        }

        var conversation = new object[]
        {
            question[0],
            new { role = "assistant", content = message.GetProperty("content") },
            new { role = "user", content = new object[] { new { type = "tool_result", tool_use_id = call.GetProperty("id").GetString(), content = "sunny" } } },
        };
        var next = Ok(await OfficialJsClient.CallAnthropicAsync(Server, "create", new
        {
            model = GenerationServer.ToolsModel, max_tokens = 4, temperature = 0, tools = JsonDocument.Parse(Tools).RootElement, messages = conversation,
        }));
        var count = Ok(await OfficialJsClient.CallAnthropicAsync(Server, "count", new
        {
            model = GenerationServer.ToolsModel, tools = JsonDocument.Parse(Tools).RootElement, messages = conversation,
        }));

        var nextInput = next.GetProperty("message").GetProperty("usage").GetProperty("input_tokens").GetInt32();
        Assert.True(nextInput > message.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal(nextInput, count.GetProperty("input_tokens").GetInt32());
    }

    [Fact]
    public async Task CountTokens_EqualsTheInputTokensOfTheAnswer()
    {
        var created = Ok(await OfficialJsClient.CallAnthropicAsync(Server, "create", Hello(GenerationServer.OnnxModel, maxTokens: 1)));

        var count = Ok(await OfficialJsClient.CallAnthropicAsync(Server, "count", new
        {
            model = GenerationServer.OnnxModel, system = "Be brief.", messages = new[] { new { role = "user", content = "Hello" } },
        }));

        Assert.Equal(created.GetProperty("message").GetProperty("usage").GetProperty("input_tokens").GetInt32(), count.GetProperty("input_tokens").GetInt32());
    }

    [Fact]
    public async Task WrongKey_AuthenticationErrorAsTheSdkTypesIt()
    {
        var result = await OfficialJsClient.CallAnthropicAsync(Server, "create", Hello(GenerationServer.OnnxModel), key: "wrong-key");

        var error = result.GetProperty("error");
        Assert.Equal("AuthenticationError", error.GetProperty("name").GetString());
        Assert.Equal(401, error.GetProperty("status").GetInt32());
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("create", "NotFoundError", 404, "not_found_error")]
    [InlineData("stream", "NotFoundError", 404, "not_found_error")]
    [InlineData("count", "NotFoundError", 404, "not_found_error")]
    public async Task UnknownModel_NotFoundErrorAsTheSdkTypesIt(string operation, string name, int status, string type)
    {
        var request = new Dictionary<string, object> { ["model"] = "nobody/nothing", ["messages"] = new[] { new { role = "user", content = "Hi" } } };
        if (operation != "count")
        {
            request["max_tokens"] = 4;
        }

        var result = await OfficialJsClient.CallAnthropicAsync(Server, operation, request);

        var error = result.GetProperty("error");
        Assert.Equal(name, error.GetProperty("name").GetString());
        Assert.Equal(status, error.GetProperty("status").GetInt32());
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Contains("nobody/nothing", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
