using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Engine.Generation.Tools;

namespace Bytez.Engine.Tests.Generation;

public sealed class ChatPromptMessageTests
{
    private static ChatPromptMessage Read(string json) => ChatPromptMessage.FromJson(JsonDocument.Parse(json).RootElement, 2);

    [Fact]
    public void FromJson_AssistantWithToolCallsAndNullContent_EmptyContentAndTheCalls()
    {
        var m = Read("""{"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}""");
        Assert.Equal(string.Empty, m.Content);
        Assert.Equal([new ChatToolCall("c1", "f", "{}")], m.ToolCalls);
    }

    [Fact]
    public void FromJson_ToolMessage_KeepsTheCallIdAndName()
    {
        var m = Read("""{"role": "tool", "tool_call_id": "c1", "name": "f", "content": [{"type": "text", "text": "22"}]}""");
        Assert.Equal(("tool", "22", "c1", "f"), (m.Role, m.Content, m.ToolCallId, m.Name));
        Assert.Empty(m.ToolCalls);
    }

    [Theory]
    [InlineData("""{"content": "x"}""", "messages[2] must be an object {\"role\": string")]
    [InlineData("""{"role": "user", "content": null}""", "messages[2].content is missing; only an assistant message may leave it null.")]
    [InlineData("""{"role": "user", "content": "x", "tool_calls": []}""", "messages[2] has `tool_calls`, which only an assistant message may carry.")]
    [InlineData("""{"role": "tool", "content": "x", "tool_call_id": 7}""", "messages[2].tool_call_id must be a string.")]
    public void FromJson_Malformed_RefusedNamingTheMessage(string json, string expected)
    {
        var e = Assert.Throws<EngineException>(() => Read(json));
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }
}
