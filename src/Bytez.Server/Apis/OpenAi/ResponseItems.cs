using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bytez.Engine;
using Bytez.Engine.Tasks;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// The items of the Responses API, in the normalized form they are stored, listed and answered in: messages
/// <c>{id, type: "message", role, status, content: [{type: "input_text" | "output_text", text}]}</c>, function calls
/// <c>{id, type: "function_call", call_id, name, arguments, status}</c> and their outputs
/// <c>{id, type: "function_call_output", call_id, output, status}</c>; and their translation into the chat messages
/// the engine renders with the model's chat template.
/// </summary>
internal static class ResponseItems
{
    /// <summary>
    /// Reads <c>input</c>: a string (one user message) or a list of items: messages (role user, system, developer or
    /// assistant; content a string or a list of <c>input_text</c> / <c>output_text</c> parts), <c>function_call</c> and
    /// <c>function_call_output</c> items. <c>reasoning</c> items (echoed back by some agents) are kept but not rendered.
    /// </summary>
    /// <exception cref="EngineException">An item is malformed (BadInput) or of a kind this server cannot read (NotSupported).</exception>
    public static JsonArray ReadInput(JsonElement input)
    {
        if (input.ValueKind == JsonValueKind.String)
        {
            return [Message(ResponsesRequest.NewId("msg"), "user", "input_text", input.GetString()!)];
        }

        if (input.ValueKind != JsonValueKind.Array || input.GetArrayLength() == 0)
        {
            throw Arguments.Bad("input", "a string, or a non-empty list of items (messages {\"role\", \"content\"}, function_call, function_call_output)", input);
        }

        var items = new JsonArray();
        var index = 0;
        foreach (var item in input.EnumerateArray())
        {
            items.Add(ReadItem(item, $"input[{index++}]"));
        }

        return items;
    }

    private static JsonObject ReadItem(JsonElement item, string name)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw Arguments.Bad(name, "an item object (a message {\"role\", \"content\"}, function_call or function_call_output)", item);
        }

        var type = item.TryGetProperty("type", out var t) ? Arguments.String(t, $"{name}.type") : null;
        var id = item.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String && i.GetString()!.Length is > 0 and <= 128 ? i.GetString()! : null;
        switch (type ?? "message")
        {
            case "message":
                return ReadMessage(item, name, id);
            case "function_call":
                return new JsonObject
                {
                    ["id"] = id ?? ResponsesRequest.NewId("fc"),
                    ["type"] = "function_call",
                    ["status"] = "completed",
                    ["call_id"] = RequiredString(item, "call_id", name),
                    ["name"] = RequiredString(item, "name", name),
                    ["arguments"] = RequiredString(item, "arguments", name),
                };
            case "function_call_output":
                return new JsonObject
                {
                    ["id"] = id ?? ResponsesRequest.NewId("fco"),
                    ["type"] = "function_call_output",
                    ["status"] = "completed",
                    ["call_id"] = RequiredString(item, "call_id", name),
                    ["output"] = item.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.Array
                        ? Text(output, $"{name}.output", "input_text")
                        : RequiredString(item, "output", name),
                };
            case "reasoning":
                return (JsonObject)JsonNode.Parse(item.GetRawText())!;
            default:
                throw EngineException.NotSupported(
                    $"`{name}.type` '{type}' is not supported by this server; input items may be messages, function_call, function_call_output and reasoning.");
        }
    }

    private static JsonObject ReadMessage(JsonElement item, string name, string? id)
    {
        var role = item.TryGetProperty("role", out var r) ? Arguments.String(r, $"{name}.role") : null;
        if (role is not ("user" or "system" or "developer" or "assistant"))
        {
            throw EngineException.BadInput($"`{name}.role` must be user, system, developer or assistant; got {(role is null ? "nothing" : $"'{role}'")}.");
        }

        var partType = role == "assistant" ? "output_text" : "input_text";
        if (!item.TryGetProperty("content", out var content))
        {
            throw EngineException.BadInput($"`{name}.content` is required: a string or a list of {partType} parts.");
        }

        var text = content.ValueKind == JsonValueKind.String ? content.GetString()! : Text(content, $"{name}.content", partType);
        return Message(id ?? ResponsesRequest.NewId("msg"), role, partType, text);
    }

    /// <summary>The text of a list of text parts (<c>input_text</c>, <c>output_text</c>; <c>text</c> too), joined by newlines.</summary>
    private static string Text(JsonElement parts, string name, string partType)
    {
        if (parts.ValueKind != JsonValueKind.Array)
        {
            throw Arguments.Bad(name, $"a string or a list of parts {{\"type\": \"{partType}\", \"text\"}}", parts);
        }

        var text = new StringBuilder();
        var index = 0;
        foreach (var part in parts.EnumerateArray())
        {
            var partName = $"{name}[{index++}]";
            var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (type is "input_image" or "input_file" or "input_audio")
            {
                throw EngineException.NotSupported($"`{partName}` is an {type} part; the models of this route read text only ({partType} parts).");
            }

            if (type is not ("input_text" or "output_text" or "text") || !part.TryGetProperty("text", out var value) || value.ValueKind != JsonValueKind.String)
            {
                throw Arguments.Bad(partName, $"a part {{\"type\": \"{partType}\", \"text\": \"...\"}}", part);
            }

            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(value.GetString());
        }

        return text.ToString();
    }

    private static string RequiredString(JsonElement item, string field, string name) =>
        item.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw EngineException.BadInput($"`{name}.{field}` is required: a string.");

    /// <summary>A normalized message item with one text part.</summary>
    public static JsonObject Message(string id, string role, string partType, string text, string status = "completed")
    {
        var part = new JsonObject { ["type"] = partType, ["text"] = text };
        if (partType == "output_text")
        {
            part["annotations"] = new JsonArray();
            part["logprobs"] = new JsonArray();
        }

        return new JsonObject { ["id"] = id, ["type"] = "message", ["status"] = status, ["role"] = role, ["content"] = new JsonArray(part) };
    }

    /// <summary>
    /// The chat messages of a conversation: <paramref name="instructions"/> as a system message first, then the items
    /// in order. <c>developer</c> becomes <c>system</c>; function calls become an assistant message's <c>tool_calls</c>
    /// (consecutive calls in one message) and their outputs <c>tool</c> messages, in the chat shape chat templates
    /// read; reasoning items are not rendered.
    /// </summary>
    public static JsonArray ToMessages(string? instructions, IEnumerable<JsonNode?> items)
    {
        var messages = new JsonArray();
        if (!string.IsNullOrEmpty(instructions))
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = instructions });
        }

        JsonObject? last = null;
        foreach (var node in items)
        {
            var item = node!.AsObject();
            switch (item["type"]?.GetValue<string>())
            {
                case "message":
                    var role = item["role"]!.GetValue<string>();
                    var text = string.Join("\n", item["content"]!.AsArray().Select(p => p!["text"]!.GetValue<string>()));
                    last = new JsonObject { ["role"] = role == "developer" ? "system" : role, ["content"] = text };
                    messages.Add(last);
                    break;
                case "function_call":
                    var call = new JsonObject
                    {
                        ["id"] = item["call_id"]!.GetValue<string>(),
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = item["name"]!.GetValue<string>(), ["arguments"] = item["arguments"]!.GetValue<string>() },
                    };
                    if (last is not null && last["role"]!.GetValue<string>() == "assistant")
                    {
                        ((last["tool_calls"] ??= new JsonArray()) as JsonArray)!.Add(call);
                    }
                    else
                    {
                        last = new JsonObject { ["role"] = "assistant", ["content"] = "", ["tool_calls"] = new JsonArray(call) };
                        messages.Add(last);
                    }

                    break;
                case "function_call_output":
                    last = new JsonObject
                    {
                        ["role"] = "tool",
                        ["tool_call_id"] = item["call_id"]!.GetValue<string>(),
                        ["content"] = item["output"]!.GetValue<string>(),
                    };
                    messages.Add(last);
                    break;
            }
        }

        return messages;
    }
}
