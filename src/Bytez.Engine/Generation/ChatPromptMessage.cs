using System.Text;
using System.Text.Json;
using Bytez.Engine.Generation.Tools;

namespace Bytez.Engine.Generation;

/// <summary>
/// A chat message as a text model's template reads it: a role and text content, and for tool use the assistant's
/// tool calls or, in a <c>tool</c> message, the id of the call it answers.
/// </summary>
/// <param name="Role">system, user, assistant, tool (or another role the template knows).</param>
/// <param name="Content">The text; empty for an assistant message that only calls tools (OpenAI's null content).</param>
public sealed record ChatPromptMessage(string Role, string Content)
{
    /// <summary>The calls an assistant message made; empty when it made none.</summary>
    public IReadOnlyList<ChatToolCall> ToolCalls { get; init; } = [];

    /// <summary>In a <c>tool</c> message, the id of the call it answers (OpenAI's <c>tool_call_id</c>).</summary>
    public string? ToolCallId { get; init; }

    /// <summary>The name a message carries: in a <c>tool</c> message, the function that answered.</summary>
    public string? Name { get; init; }

    /// <summary>
    /// Reads a whole message in OpenAI's form: <c>role</c>, <c>content</c> (a string or text blocks; null only for an
    /// assistant message), an assistant's <c>tool_calls</c> (read by <see cref="ChatToolsReader.ReadToolCalls"/>),
    /// a tool message's <c>tool_call_id</c> and an optional <c>name</c>. <paramref name="index"/> names the message in errors.
    /// </summary>
    /// <exception cref="EngineException">A field is missing or malformed (bad input, naming it), or a block is not text (not supported).</exception>
    public static ChatPromptMessage FromJson(JsonElement message, int index)
    {
        if (message.ValueKind != JsonValueKind.Object
            || !message.TryGetProperty("role", out var roleElement) || roleElement.ValueKind != JsonValueKind.String)
        {
            throw EngineException.BadInput($"messages[{index}] must be an object {{\"role\": string, \"content\": string or blocks}}.");
        }

        var role = roleElement.GetString()!;
        message.TryGetProperty("content", out var content);
        var toolCalls = message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind != JsonValueKind.Null
            ? role == "assistant"
                ? ChatToolsReader.ReadToolCalls(calls, $"messages[{index}].tool_calls")
                : throw EngineException.BadInput($"messages[{index}] has `tool_calls`, which only an assistant message may carry.")
            : [];
        var read = content.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined
            ? role == "assistant"
                ? new ChatPromptMessage(role, string.Empty)
                : throw EngineException.BadInput($"messages[{index}].content is missing; only an assistant message may leave it null.")
            : From(role, content, index);
        return read with
        {
            ToolCalls = toolCalls,
            ToolCallId = OptionalString(message, "tool_call_id", index),
            Name = OptionalString(message, "name", index),
        };
    }

    private static string? OptionalString(JsonElement message, string property, int index)
        => !message.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null
            ? null
            : value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : throw EngineException.BadInput($"messages[{index}].{property} must be a string.");

    /// <summary>
    /// Reads a message whose content is a string or a list of blocks. Text blocks are joined with newlines (this
    /// model reads text only); a block of another type is refused.
    /// </summary>
    /// <exception cref="EngineException">The content is neither, or holds a non-text block.</exception>
    public static ChatPromptMessage From(string role, JsonElement content, int index)
    {
        ArgumentNullException.ThrowIfNull(role);
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return new ChatPromptMessage(role, content.GetString()!);
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (var block in content.EnumerateArray())
                {
                    var type = block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                        ? t.GetString()
                        : null;
                    if (type != "text" || !block.TryGetProperty("text", out var blockText) || blockText.ValueKind != JsonValueKind.String)
                    {
                        throw EngineException.NotSupported(type is null
                            ? $"messages[{index}].content blocks must be objects {{\"type\": \"text\", \"text\": \"...\"}}."
                            : $"messages[{index}] has a '{type}' block; this model reads text only (blocks {{\"type\": \"text\", \"text\": \"...\"}}).");
                    }

                    if (text.Length > 0)
                    {
                        text.Append('\n');
                    }

                    text.Append(blockText.GetString());
                }

                return new ChatPromptMessage(role, text.ToString());
            default:
                throw EngineException.BadInput($"messages[{index}].content must be a string or a list of text blocks.");
        }
    }
}
