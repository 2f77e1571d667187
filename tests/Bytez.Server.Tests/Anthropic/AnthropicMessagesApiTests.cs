using System.Net;
using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Server.Tests.Anthropic;

/// <summary><c>POST /v1/messages</c> over raw HTTP on the tiny GGUF (llama.cpp) and ONNX decoder models: shapes, stream, errors.</summary>
public sealed class AnthropicMessagesApiTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    public static TheoryData<string> Models => [GenerationServer.GgufModel, GenerationServer.OnnxModel];

    private const string Hello = """[{"role": "user", "content": "Hello"}]""";

    private TestServer Server => fixture.Generation.Server;

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Messages_Plain_AnswersAMessageWithTheBytezRoutesText(string model)
    {
        using var client = AnthropicHttp.Client(Server);
        var (status, body, response) = await AnthropicHttp.PostAsync(
            client, "v1/messages", $$"""{"model": "{{model}}", "max_tokens": 6, "system": "Be brief.", "messages": {{Hello}}, "temperature": 0}""");
        using var bytez = Server.CreateHttpClient();
        var (_, bytezBody, _) = await Http.PostAsync(
            bytez, model, """{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}], "params": {"max_new_tokens": 6, "do_sample": false, "enable_thinking": false}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("req_", response.Headers.GetValues("request-id").Single(), StringComparison.Ordinal);
        Assert.StartsWith("msg_", body.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("message", body.GetProperty("type").GetString());
        Assert.Equal("assistant", body.GetProperty("role").GetString());
        Assert.Equal(model, body.GetProperty("model").GetString());
        var block = Assert.Single(body.GetProperty("content").EnumerateArray());
        Assert.Equal("text", block.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, block.GetProperty("citations").ValueKind);
        Assert.Equal(Http.AssertOutput(bytezBody).GetProperty("content").GetString(), block.GetProperty("text").GetString());
        var usage = body.GetProperty("usage");
        var output = usage.GetProperty("output_tokens").GetInt32();
        var reason = body.GetProperty("stop_reason").GetString();
        Assert.Contains(reason, new[] { "max_tokens", "end_turn" });
        Assert.Equal(reason == "max_tokens" ? 6 : output, output);
        Assert.True(usage.GetProperty("input_tokens").GetInt32() > 3);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("stop_sequence").ValueKind);
    }

    [Fact]
    public async Task Messages_UnderTheBytezPrefixWithBearer_SameAnswerAsUnderV1()
    {
        var json = $$"""{"model": "{{GenerationServer.OnnxModel}}", "max_tokens": 5, "messages": {{Hello}}, "temperature": 0}""";
        using var v1 = AnthropicHttp.Client(Server);
        using var bytez = Server.CreateHttpClient("Bearer " + TestServer.Key);

        var (_, first, _) = await AnthropicHttp.PostAsync(v1, "v1/messages", json);
        var (status, second, _) = await AnthropicHttp.PostAsync(bytez, "anthropic/v1/messages", json);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(AnthropicHttp.Text(first), AnthropicHttp.Text(second));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Messages_Stream_SendsAnthropicsEventSequenceAddingUpToThePlainAnswer(string model)
    {
        using var client = AnthropicHttp.Client(Server);
        var json = $$"""{"model": "{{model}}", "max_tokens": 8, "messages": {{Hello}}, "temperature": 0}""";
        var (_, plain, _) = await AnthropicHttp.PostAsync(client, "v1/messages", json);

        var (response, events) = await AnthropicHttp.StreamAsync(client, "v1/messages", json[..^1] + ", \"stream\": true}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var names = events.Select(e => e.Name).ToList();
        Assert.Equal(["message_start", "ping", "content_block_start"], names[..3]);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], names[^3..]);
        Assert.All(names[3..^3], n => Assert.Equal("content_block_delta", n));
        var start = events[0].Data.GetProperty("message");
        Assert.StartsWith("msg_", start.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Empty(start.GetProperty("content").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, start.GetProperty("stop_reason").ValueKind);
        Assert.Equal(plain.GetProperty("usage").GetProperty("input_tokens").GetInt32(), start.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        var blockStart = events[2].Data;
        Assert.Equal(0, blockStart.GetProperty("index").GetInt32());
        Assert.Equal("""{"type":"text","text":"","citations":null}""", blockStart.GetProperty("content_block").GetRawText());
        var text = string.Concat(events.Where(e => e.Name == "content_block_delta").Select(e =>
        {
            Assert.Equal("text_delta", e.Data.GetProperty("delta").GetProperty("type").GetString());
            return e.Data.GetProperty("delta").GetProperty("text").GetString();
        }));
        Assert.Equal(AnthropicHttp.Text(plain), text);
        var delta = events[^2].Data;
        Assert.Equal(plain.GetProperty("stop_reason").GetString(), delta.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(plain.GetProperty("usage").GetProperty("output_tokens").GetInt32(), delta.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Messages_StopSequence_EndsBeforeItAndNamesIt()
    {
        using var client = AnthropicHttp.Client(Server);
        var (_, free, _) = await AnthropicHttp.PostAsync(
            client, "v1/messages", $$"""{"model": "{{GenerationServer.OnnxModel}}", "max_tokens": 24, "messages": {{Hello}}, "temperature": 0}""");
        var whole = AnthropicHttp.Text(free);
        Assert.True(whole.Length >= 8, $"the greedy answer is too short to cut: '{whole}'");
        var stop = whole.Substring(4, 2);
        var cut = whole[..whole.IndexOf(stop, StringComparison.Ordinal)];

        var (status, body, _) = await AnthropicHttp.PostAsync(
            client, "v1/messages",
            $$"""{"model": "{{GenerationServer.OnnxModel}}", "max_tokens": 24, "messages": {{Hello}}, "temperature": 0, "stop_sequences": [{{JsonSerializer.Serialize(stop)}}, "never-generated"]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("stop_sequence", body.GetProperty("stop_reason").GetString());
        Assert.Equal(stop, body.GetProperty("stop_sequence").GetString());
        Assert.Equal(cut, AnthropicHttp.Text(body));
    }

    [Fact]
    public async Task CountTokens_SameRequest_EqualsTheMessagesInputTokensAndGrowsWithTools()
    {
        using var client = AnthropicHttp.Client(Server);
        const string Tools = """[{"name": "get_weather", "description": "The weather in a city.", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]""";
        var conversation = $$"""{"model": "{{GenerationServer.ToolsModel}}", "system": "You help.", "messages": {{Hello}}""";
        var (_, answer, _) = await AnthropicHttp.PostAsync(client, "v1/messages", conversation + ", \"max_tokens\": 2}");
        var (_, withTools, _) = await AnthropicHttp.PostAsync(client, "v1/messages", conversation + $", \"tools\": {Tools}, \"max_tokens\": 2}}");

        var (status, count, _) = await AnthropicHttp.PostAsync(client, "v1/messages/count_tokens", conversation + "}");
        var (_, countWithTools, _) = await AnthropicHttp.PostAsync(client, "v1/messages/count_tokens", conversation + $", \"tools\": {Tools}}}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["input_tokens"], count.EnumerateObject().Select(p => p.Name));
        Assert.Equal(answer.GetProperty("usage").GetProperty("input_tokens").GetInt32(), count.GetProperty("input_tokens").GetInt32());
        Assert.Equal(withTools.GetProperty("usage").GetProperty("input_tokens").GetInt32(), countWithTools.GetProperty("input_tokens").GetInt32());
        Assert.True(countWithTools.GetProperty("input_tokens").GetInt32() > count.GetProperty("input_tokens").GetInt32() + 10);
    }

    [Theory]
    [InlineData("""{"model": "local/tiny-onnx", "messages": [{"role": "user", "content": "Hi"}]}""", "max_tokens")]
    [InlineData("""{"model": "local/tiny-onnx", "max_tokens": 4}""", "messages")]
    [InlineData("""{"max_tokens": 4, "messages": [{"role": "user", "content": "Hi"}]}""", "model")]
    [InlineData("""{"model": "local/tiny-onnx", "max_tokens": 0, "messages": [{"role": "user", "content": "Hi"}]}""", "max_tokens")]
    [InlineData("""{"model": "local/tiny-onnx", "max_tokens": 4, "temperature": 1.5, "messages": [{"role": "user", "content": "Hi"}]}""", "temperature")]
    [InlineData("""{"model": "local/tiny-onnx", "max_tokens": 4, "frequency_penalty": 1, "messages": [{"role": "user", "content": "Hi"}]}""", "frequency_penalty")]
    [InlineData("""{"model": "local/tiny-onnx", "max_tokens": 4, "messages": [{"role": "tool", "content": "Hi"}]}""", "role")]
    [InlineData("""{"model": "local/tiny-onnx", "max_tokens": 4, "messages": [{"role": "system", "content": "Hi"}]}""", "\"user\"")]
    [InlineData("""{"model": "local/tiny-onnx", "max_tokens": 4, "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "The answer is"}]}""", "prefill")]
    [InlineData("""{"model": "local/tiny-onnx", "max_tokens": 4, "messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}]}]}""", "image")]
    [InlineData("""{"model": "local/tiny-onnx", "max_tokens": 4, "thinking": {"type": "enabled", "budget_tokens": 8}, "messages": [{"role": "user", "content": "Hi"}]}""", "budget_tokens")]
    [InlineData("""{"model": "local/tiny-onnx", "max_tokens": 4, "tool_choice": {"type": "sometimes"}, "messages": [{"role": "user", "content": "Hi"}]}""", "tool_choice")]
    [InlineData("""{"model": "local/tiny-tools", "max_tokens": 4, "tools": [{"type": "web_search_20250305", "name": "web_search"}], "messages": [{"role": "user", "content": "Hi"}]}""", "server tools")]
    [InlineData("""{"model": "local/tiny-tools", "max_tokens": 4, "tools": [{"name": "f"}], "messages": [{"role": "user", "content": "Hi"}]}""", "input_schema")]
    [InlineData("[1, 2]", "JSON object")]
    public async Task Messages_BadRequest_400InvalidRequestErrorNamingWhatIsWrong(string json, string named)
    {
        using var client = AnthropicHttp.Client(Server);

        var (status, body, _) = await AnthropicHttp.PostAsync(client, "v1/messages", json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(named, AnthropicHttp.AssertError(body, "invalid_request_error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_ImageBlock_400SaysTheModelReadsTextOnly()
    {
        using var client = AnthropicHttp.Client(Server);

        var (status, body, _) = await AnthropicHttp.PostAsync(
            client, "v1/messages",
            """{"model": "local/tiny-onnx", "max_tokens": 4, "messages": [{"role": "user", "content": [{"type": "text", "text": "What is it?"}, {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}]}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(
            "`messages[0].content[1]` is an 'image' block, but local/tiny-onnx reads text only; send text blocks {\"type\": \"text\", \"text\": \"...\"}.",
            AnthropicHttp.AssertError(body, "invalid_request_error"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Messages_UnknownModel_404NotFoundErrorEvenWhenStreamed(bool stream)
    {
        using var client = AnthropicHttp.Client(Server);

        var (status, body, response) = await AnthropicHttp.PostAsync(
            client, "v1/messages", $$"""{"model": "nobody/nothing", "max_tokens": 4, "stream": {{(stream ? "true" : "false")}}, "messages": {{Hello}}}""");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("nobody/nothing", AnthropicHttp.AssertError(body, "not_found_error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_WrongKey_401AuthenticationError()
    {
        using var client = AnthropicHttp.Client(Server, key: "wrong-key");

        var (status, body, _) = await AnthropicHttp.PostAsync(client, "v1/messages", $$"""{"model": "{{GenerationServer.OnnxModel}}", "max_tokens": 4, "messages": {{Hello}}}""");
        var (countStatus, countBody, _) = await AnthropicHttp.PostAsync(client, "models/v2/anthropic/v1/messages/count_tokens", "{}");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        AnthropicHttp.AssertError(body, "authentication_error");
        Assert.Equal(HttpStatusCode.Unauthorized, countStatus);
        AnthropicHttp.AssertError(countBody, "authentication_error");
    }

    [Fact]
    public async Task UnknownRoute_UnderMessages_404NotFoundErrorInAnthropicsShape()
    {
        using var client = AnthropicHttp.Client(Server);

        var (status, body, _) = await AnthropicHttp.PostAsync(client, "v1/messages/batches", "{}");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("count_tokens", AnthropicHttp.AssertError(body, "not_found_error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAiRoutes_UnderV1_KeepOpenAisErrorShape()
    {
        using var client = AnthropicHttp.Client(Server);

        var (status, body, _) = await AnthropicHttp.PostAsync(client, "v1/chat/completions", """{"model": "nobody/nothing", "messages": [{"role": "user", "content": "Hi"}]}""");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("model_not_found", body.GetProperty("error").GetProperty("code").GetString());
    }
}
