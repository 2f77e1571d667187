using System.Net;
using System.Text.Json;

namespace Bytez.Server.Tests.Anthropic;

/// <summary><c>thinking</c> on <c>POST /v1/messages</c>: the chat template's thinking switch, and thinking returned as <c>thinking</c> blocks with a signature.</summary>
public sealed class AnthropicThinkingApiTests(ThinkingModelFixture fixture) : IClassFixture<ThinkingModelFixture>
{
    private static string Body(string thinking, bool stream = false) =>
        $$"""{"model": "{{ThinkingModelFixture.Model}}", "max_tokens": 12, "temperature": 0, {{thinking}}"stream": {{(stream ? "true" : "false")}}, "messages": [{"role": "user", "content": "Think."}]}""";

    [Fact]
    public async Task Messages_ThinkingEnabled_AnswersAThinkingBlockWithASignature()
    {
        using var client = AnthropicHttp.Client(fixture.Server);

        var (status, body, _) = await AnthropicHttp.PostAsync(client, "v1/messages", Body("\"thinking\": {\"type\": \"enabled\", \"budget_tokens\": 8}, "));

        Assert.Equal(HttpStatusCode.OK, status);
        var block = Assert.Single(body.GetProperty("content").EnumerateArray());
        Assert.Equal(["type", "thinking", "signature"], block.EnumerateObject().Select(p => p.Name));
        Assert.Equal("thinking", block.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(block.GetProperty("thinking").GetString()));
        Assert.Equal(32, Convert.FromBase64String(block.GetProperty("signature").GetString()!).Length);
        Assert.Equal("max_tokens", body.GetProperty("stop_reason").GetString());
        Assert.Equal(12, body.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Theory]
    [InlineData("")]
    [InlineData("\"thinking\": {\"type\": \"disabled\"}, ")]
    public async Task Messages_ThinkingAbsentOrDisabled_TemplateThinksNotAndTheAnswerIsText(string thinking)
    {
        using var client = AnthropicHttp.Client(fixture.Server);

        var (status, body, _) = await AnthropicHttp.PostAsync(client, "v1/messages", Body(thinking));
        var (_, count, _) = await AnthropicHttp.PostAsync(
            client, "v1/messages/count_tokens", $$"""{"model": "{{ThinkingModelFixture.Model}}", {{thinking}}"messages": [{"role": "user", "content": "Think."}]}""");
        var (_, thinkingCount, _) = await AnthropicHttp.PostAsync(
            client, "v1/messages/count_tokens", $$"""{"model": "{{ThinkingModelFixture.Model}}", "thinking": {"type": "adaptive"}, "messages": [{"role": "user", "content": "Think."}]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(body.GetProperty("content").EnumerateArray(), b => Assert.Equal("text", b.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(AnthropicHttp.Text(body)));
        // The template's empty thinking ("<think>\n\n</think>\n\n") against its open one ("<think>\n").
        Assert.True(count.GetProperty("input_tokens").GetInt32() > thinkingCount.GetProperty("input_tokens").GetInt32());
    }

    [Fact]
    public async Task Messages_ThinkingStreamed_ThinkingDeltasThenASignatureDeltaThenStop()
    {
        using var client = AnthropicHttp.Client(fixture.Server);
        var (_, plain, _) = await AnthropicHttp.PostAsync(client, "v1/messages", Body("\"thinking\": {\"type\": \"enabled\", \"budget_tokens\": 8}, "));

        var (response, events) = await AnthropicHttp.StreamAsync(client, "v1/messages", Body("\"thinking\": {\"type\": \"enabled\", \"budget_tokens\": 8}, ", stream: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"type":"thinking","thinking":"","signature":""}""", events[2].Data.GetProperty("content_block").GetRawText());
        var deltas = events.Where(e => e.Name == "content_block_delta").Select(e => e.Data.GetProperty("delta")).ToList();
        Assert.All(deltas[..^1], d => Assert.Equal("thinking_delta", d.GetProperty("type").GetString()));
        Assert.Equal("signature_delta", deltas[^1].GetProperty("type").GetString());
        var block = plain.GetProperty("content")[0];
        Assert.Equal(block.GetProperty("thinking").GetString(), string.Concat(deltas[..^1].Select(d => d.GetProperty("thinking").GetString())));
        Assert.Equal(block.GetProperty("signature").GetString(), deltas[^1].GetProperty("signature").GetString());
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], events[^3..].Select(e => e.Name));
    }

    [Fact]
    public async Task Messages_ThinkingDisplayOmitted_ThinkingBlockWithoutItsText()
    {
        using var client = AnthropicHttp.Client(fixture.Server);

        var (status, body, _) = await AnthropicHttp.PostAsync(
            client, "v1/messages", Body("\"thinking\": {\"type\": \"enabled\", \"budget_tokens\": 8, \"display\": \"omitted\"}, "));

        Assert.Equal(HttpStatusCode.OK, status);
        var block = Assert.Single(body.GetProperty("content").EnumerateArray());
        Assert.Equal("thinking", block.GetProperty("type").GetString());
        Assert.Equal(string.Empty, block.GetProperty("thinking").GetString());
        Assert.Equal(JsonValueKind.String, block.GetProperty("signature").ValueKind);
    }
}
