using System.Text.Json;

namespace Bytez.Server.Apis.Anthropic;

/// <summary>
/// Writes Anthropic's <c>message</c> object, <c>{"id", "type": "message", "role": "assistant", "model", "content",
/// "stop_reason", "stop_sequence", "stop_details", "usage"}</c>, and its parts: content blocks and usage, as the
/// official SDKs' types declare them (a text block's <c>citations</c> null, a tool_use block's <c>caller</c> direct).
/// </summary>
public static class AnthropicMessage
{
    /// <summary>A new message id: <c>msg_</c> and 32 random hex digits.</summary>
    public static string NewId() => "msg_" + Guid.NewGuid().ToString("N");

    /// <summary>Writes the whole message of a finished answer.</summary>
    public static void Write(Utf8JsonWriter w, string id, string model, AnthropicContent content)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(content);
        WriteStart(w, id, model);
        w.WriteStartArray("content");
        foreach (var block in content.Blocks)
        {
            WriteBlock(w, block, whole: true);
        }

        w.WriteEndArray();
        w.WriteString("stop_reason", content.StopReason);
        w.WriteString("stop_sequence", content.StopSequence);
        w.WriteNull("stop_details");
        WriteUsage(w, content.InputTokens, content.OutputTokens);
        w.WriteEndObject();
    }

    /// <summary>The message of <c>message_start</c>: no content yet, no stop reason, the prompt's tokens.</summary>
    public static void WriteEmpty(Utf8JsonWriter w, string id, string model, int inputTokens)
    {
        ArgumentNullException.ThrowIfNull(w);
        WriteStart(w, id, model);
        w.WriteStartArray("content");
        w.WriteEndArray();
        w.WriteNull("stop_reason");
        w.WriteNull("stop_sequence");
        w.WriteNull("stop_details");
        WriteUsage(w, inputTokens, 0);
        w.WriteEndObject();
    }

    private static void WriteStart(Utf8JsonWriter w, string id, string model)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", model);
    }

    /// <summary>
    /// Writes a content block: whole (a finished answer's), or as <c>content_block_start</c> carries it (text and
    /// thinking empty, a tool's <c>input</c> <c>{}</c>, its JSON following as <c>input_json_delta</c>).
    /// </summary>
    public static void WriteBlock(Utf8JsonWriter w, AnthropicBlock block, bool whole)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(block);
        w.WriteStartObject();
        switch (block.Type)
        {
            case AnthropicBlockType.Text:
                w.WriteString("type", "text");
                w.WriteString("text", whole ? block.Text.ToString() : string.Empty);
                w.WriteNull("citations");
                break;
            case AnthropicBlockType.Thinking:
                w.WriteString("type", "thinking");
                w.WriteString("thinking", whole ? block.Text.ToString() : string.Empty);
                w.WriteString("signature", whole ? block.Signature ?? AnthropicContent.Signature(block.Text.ToString()) : string.Empty);
                break;
            case AnthropicBlockType.ToolUse:
                var call = block.Call!;
                w.WriteString("type", "tool_use");
                w.WriteString("id", call.Id);
                w.WriteString("name", call.Name);
                w.WritePropertyName("input");
                if (whole)
                {
                    w.WriteRawValue(AnthropicToolInput.Json(call.Arguments), skipInputValidation: true);
                }
                else
                {
                    w.WriteStartObject();
                    w.WriteEndObject();
                }

                w.WriteStartObject("caller");
                w.WriteString("type", "direct");
                w.WriteEndObject();
                break;
        }

        w.WriteEndObject();
    }

    /// <summary>
    /// Writes <c>usage</c>: <c>input_tokens</c> and <c>output_tokens</c>; the cache counters 0 (this server caches no
    /// prompts), <c>cache_creation</c> and <c>server_tool_use</c> null, <c>service_tier</c> standard.
    /// </summary>
    public static void WriteUsage(Utf8JsonWriter w, int inputTokens, int outputTokens)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", inputTokens);
        w.WriteNumber("output_tokens", outputTokens);
        w.WriteNumber("cache_creation_input_tokens", 0);
        w.WriteNumber("cache_read_input_tokens", 0);
        w.WriteNull("cache_creation");
        w.WriteNull("server_tool_use");
        w.WriteString("service_tier", "standard");
        w.WriteEndObject();
    }
}
