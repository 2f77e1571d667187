using System.Buffers;
using System.Text;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Tasks;

namespace Bytez.Server.Apis.Anthropic;

/// <summary>
/// Turns Anthropic's <c>system</c> and <c>messages</c> into the chat messages the engine reads (OpenAI's form, which
/// <see cref="Engine.Generation.ChatPromptMessage.FromJson"/> reads and the chat template renders):
/// <list type="bullet">
/// <item><c>system</c> (a string or text blocks) becomes a first <c>system</c> message; a message of the role
/// <c>system</c> in <c>messages</c> (the SDKs' <c>SystemMessageParam</c>) becomes one where it stands.</item>
/// <item>A <c>user</c> message's <c>tool_result</c> blocks become <c>tool</c> messages (<c>tool_call_id</c> the
/// block's <c>tool_use_id</c>; content a string or text blocks, prefixed <c>Error: </c> when <c>is_error</c>), in
/// order, before a <c>user</c> message with its text blocks (joined with newlines).</item>
/// <item>An <c>assistant</c> message's text blocks become its content and its <c>tool_use</c> blocks its
/// <c>tool_calls</c> (the <c>input</c> object as the arguments); <c>thinking</c> and <c>redacted_thinking</c> blocks
/// are dropped, as chat templates drop the thinking of earlier turns.</item>
/// <item><c>image</c>, <c>document</c> and other blocks are refused (400): the chat models this server runs read text only.</item>
/// </list>
/// The last message must be the user's: prefilling the assistant's answer is refused (400), since the model's chat
/// template opens a new assistant turn.
/// </summary>
public static class AnthropicMessages
{
    private const string Shape = "[{\"role\": \"user\", \"content\": \"Hello\"}]";

    /// <summary>The engine's <c>input</c>: the list of chat messages for <paramref name="system"/> and <paramref name="messages"/>.</summary>
    /// <exception cref="EngineException">A message or block is malformed (BadInput, naming it), or not text (BadInput).</exception>
    public static JsonElement ToChat(JsonElement? system, JsonElement? messages, string modelId)
    {
        if (messages is not { ValueKind: JsonValueKind.Array } list || list.GetArrayLength() == 0)
        {
            throw EngineException.BadInput($"`messages` is required: a non-empty list such as {Shape}.");
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            if (system is { ValueKind: not JsonValueKind.Null } s)
            {
                var text = Text(s, "system", modelId);
                if (text.Length > 0)
                {
                    WriteMessage(w, "system", text);
                }
            }

            var index = 0;
            string? last = null;
            foreach (var message in list.EnumerateArray())
            {
                last = WriteTurn(w, message, index++, modelId);
            }

            if (last != "user")
            {
                throw EngineException.BadInput(
                    "The last message must have the role \"user\": prefilling the assistant's answer is not supported (the model's chat template opens a new assistant turn).");
            }

            w.WriteEndArray();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static string WriteTurn(Utf8JsonWriter w, JsonElement message, int index, string modelId)
    {
        var at = $"messages[{index}]";
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw EngineException.BadInput($"`{at}` must be an object {{\"role\": \"user\", \"assistant\" or \"system\", \"content\": string or blocks}}.");
        }

        var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        if (role is not ("user" or "assistant" or "system"))
        {
            throw EngineException.BadInput($"`{at}.role` must be \"user\", \"assistant\" or \"system\"; got {(role is null ? "none" : $"\"{role}\"")}.");
        }

        foreach (var property in message.EnumerateObject())
        {
            if (property.Name is not ("role" or "content"))
            {
                throw EngineException.BadInput($"`{at}.{property.Name}`: Extra inputs are not permitted; a message has `role` and `content`.");
            }
        }

        if (!message.TryGetProperty("content", out var content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            throw EngineException.BadInput($"`{at}.content` must be a string or a list of content blocks such as [{{\"type\": \"text\", \"text\": \"Hello\"}}].");
        }

        if (content.ValueKind == JsonValueKind.String || role == "system")
        {
            WriteMessage(w, role, Text(content, at + ".content", modelId));
            return role;
        }

        var text = new StringBuilder();
        var calls = new List<(string Id, string Name, string Input)>();
        var blockIndex = 0;
        foreach (var block in content.EnumerateArray())
        {
            var where = $"{at}.content[{blockIndex++}]";
            switch (BlockType(block, where))
            {
                case "text":
                    Append(text, RequiredString(block, "text", where));
                    break;
                case "tool_result" when role == "user":
                    WriteToolResult(w, block, where, modelId);
                    break;
                case "tool_use" when role == "assistant":
                    calls.Add((RequiredString(block, "id", where), RequiredString(block, "name", where), Input(block, where)));
                    break;
                case "thinking" or "redacted_thinking" when role == "assistant":
                    break;
                case "tool_result" or "tool_use" or "thinking" or "redacted_thinking":
                    throw EngineException.BadInput($"`{where}` is a '{block.GetProperty("type").GetString()}' block, which a {role} message cannot hold.");
                case var other:
                    throw NotText(where, other, modelId);
            }
        }

        if (text.Length > 0 || calls.Count > 0 || role == "assistant")
        {
            w.WriteStartObject();
            w.WriteString("role", role);
            w.WriteString("content", text.ToString());
            if (calls.Count > 0)
            {
                w.WriteStartArray("tool_calls");
                foreach (var (id, name, input) in calls)
                {
                    w.WriteStartObject();
                    w.WriteString("id", id);
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", name);
                    w.WriteString("arguments", input);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        return role;
    }

    private static void WriteToolResult(Utf8JsonWriter w, JsonElement block, string where, string modelId)
    {
        var id = RequiredString(block, "tool_use_id", where);
        var text = block.TryGetProperty("content", out var content) && content.ValueKind != JsonValueKind.Null
            ? Text(content, where + ".content", modelId)
            : string.Empty;
        if (block.TryGetProperty("is_error", out var isError) && Arguments.Bool(isError, where + ".is_error") == true)
        {
            text = "Error: " + text;
        }

        w.WriteStartObject();
        w.WriteString("role", "tool");
        w.WriteString("tool_call_id", id);
        w.WriteString("content", text);
        w.WriteEndObject();
    }

    /// <summary>A string, or text blocks joined with newlines (<c>system</c>, a tool result's content).</summary>
    private static string Text(JsonElement value, string field, string modelId)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString()!;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw EngineException.BadInput($"`{field}` must be a string or a list of text blocks [{{\"type\": \"text\", \"text\": \"...\"}}].");
        }

        var text = new StringBuilder();
        var index = 0;
        foreach (var block in value.EnumerateArray())
        {
            var where = $"{field}[{index++}]";
            var type = BlockType(block, where);
            if (type != "text")
            {
                throw NotText(where, type, modelId);
            }

            Append(text, RequiredString(block, "text", where));
        }

        return text.ToString();
    }

    private static void WriteMessage(Utf8JsonWriter w, string role, string content)
    {
        w.WriteStartObject();
        w.WriteString("role", role);
        w.WriteString("content", content);
        w.WriteEndObject();
    }

    private static void Append(StringBuilder text, string piece)
    {
        if (text.Length > 0)
        {
            text.Append('\n');
        }

        text.Append(piece);
    }

    private static string BlockType(JsonElement block, string where) =>
        block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()!
            : throw EngineException.BadInput($"`{where}` must be a content block object with a `type`, such as {{\"type\": \"text\", \"text\": \"Hello\"}}.");

    private static string RequiredString(JsonElement block, string name, string where) =>
        block.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw EngineException.BadInput($"`{where}.{name}` must be a string.");

    /// <summary>A <c>tool_use</c> block's <c>input</c> object as JSON text (the engine's arguments).</summary>
    private static string Input(JsonElement block, string where) =>
        block.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object
            ? input.GetRawText()
            : throw EngineException.BadInput($"`{where}.input` must be an object: the tool's arguments.");

    private static EngineException NotText(string where, string type, string modelId) => EngineException.BadInput(
        type is "image" or "document"
            ? $"`{where}` is an '{type}' block, but {modelId} reads text only; send text blocks {{\"type\": \"text\", \"text\": \"...\"}}."
            : $"`{where}` is a '{type}' block, which this server does not take; send text blocks {{\"type\": \"text\", \"text\": \"...\"}}.");
}
