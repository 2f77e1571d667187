using System.Text.Json;

namespace Bytez.Engine.Generation.Tools;

/// <summary>
/// Reads the tool parts of a chat request in OpenAI's form: <c>tools</c>, <c>tool_choice</c> and the
/// <c>tool_calls</c> of assistant messages. Everything is checked and bounded; a bad value is refused with an
/// <see cref="EngineException"/> (bad input) that names the field and says what was expected.
/// </summary>
public static class ChatToolsReader
{
    /// <summary>The most tools one request may offer (OpenAI's limit).</summary>
    public const int MaxTools = 128;

    /// <summary>The most characters of one tool's JSON definition.</summary>
    public const int MaxToolChars = 64 * 1024;

    /// <summary>The most tool calls one assistant message may hold.</summary>
    public const int MaxToolCalls = 128;

    /// <summary>The most characters of a function name (OpenAI's limit).</summary>
    public const int MaxNameLength = 64;

    /// <summary>
    /// Reads <c>tools</c>: a list of <c>{"type": "function", "function": {"name", "description"?, "parameters"?}}</c>.
    /// Names are 1 to 64 letters, digits, '_' or '-', and unique; <c>parameters</c> is a JSON schema object
    /// (<c>type</c> "object" when given, <c>properties</c> an object, <c>required</c> a list of strings). Null or
    /// absent gives an empty list.
    /// </summary>
    /// <exception cref="EngineException">The value is malformed or over a bound (bad input, naming the field).</exception>
    public static IReadOnlyList<ChatTool> ReadTools(JsonElement tools)
    {
        if (tools.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return [];
        }

        if (tools.ValueKind != JsonValueKind.Array)
        {
            throw Bad("`tools` must be a list of {\"type\": \"function\", \"function\": {\"name\", \"description\", \"parameters\"}}.");
        }

        var count = tools.GetArrayLength();
        if (count > MaxTools)
        {
            throw Bad($"`tools` has {count} tools; at most {MaxTools} are allowed.");
        }

        var list = new List<ChatTool>(count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var field = $"tools[{index++}]";
            if (tool.ValueKind != JsonValueKind.Object)
            {
                throw Bad($"`{field}` must be an object {{\"type\": \"function\", \"function\": {{...}}}}.");
            }

            if (tool.GetRawText().Length > MaxToolChars)
            {
                throw Bad($"`{field}` is longer than {MaxToolChars} characters of JSON.");
            }

            if (!tool.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "function")
            {
                throw Bad($"`{field}.type` must be \"function\" (the only kind of tool a chat model calls).");
            }

            if (!tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
            {
                throw Bad($"`{field}.function` must be an object {{\"name\", \"description\", \"parameters\"}}.");
            }

            var name = ReadName(function, $"{field}.function.name");
            if (!names.Add(name))
            {
                throw Bad($"`{field}.function.name` repeats the name '{name}'; tool names must be unique.");
            }

            string? description = null;
            if (function.TryGetProperty("description", out var d) && d.ValueKind != JsonValueKind.Null)
            {
                description = d.ValueKind == JsonValueKind.String
                    ? d.GetString()
                    : throw Bad($"`{field}.function.description` must be a string.");
            }

            JsonElement? parameters = null;
            if (function.TryGetProperty("parameters", out var p) && p.ValueKind != JsonValueKind.Null)
            {
                CheckSchema(p, $"{field}.function.parameters");
                parameters = p.Clone();
            }

            list.Add(new ChatTool(name, description, parameters, tool.Clone()));
        }

        return list;
    }

    /// <summary>
    /// Reads <c>tool_choice</c>: "auto", "none", "required", or <c>{"type": "function", "function": {"name"}}</c>
    /// naming one of <paramref name="tools"/>. Null or absent gives auto (none when there are no tools).
    /// </summary>
    /// <exception cref="EngineException">The value is malformed or names no offered tool (bad input).</exception>
    public static ChatToolChoice ReadToolChoice(JsonElement choice, IReadOnlyList<ChatTool> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        if (choice.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return tools.Count == 0 ? ChatToolChoice.None : ChatToolChoice.Auto;
        }

        if (choice.ValueKind == JsonValueKind.String)
        {
            var kind = choice.GetString() switch
            {
                "auto" => ChatToolChoiceKind.Auto,
                "none" => ChatToolChoiceKind.None,
                "required" => ChatToolChoiceKind.Required,
                var other => throw Bad($"`tool_choice` must be \"auto\", \"none\", \"required\" or {{\"type\": \"function\", \"function\": {{\"name\"}}}}; got \"{other}\"."),
            };
            if (kind != ChatToolChoiceKind.None && tools.Count == 0)
            {
                throw Bad($"`tool_choice` is \"{choice.GetString()}\" but `tools` is empty; offer the tools to call.");
            }

            return new ChatToolChoice(kind);
        }

        if (choice.ValueKind != JsonValueKind.Object
            || !choice.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "function"
            || !choice.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
        {
            throw Bad("`tool_choice` must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"function\": {\"name\"}}.");
        }

        var name = ReadName(function, "tool_choice.function.name");
        return tools.Any(t => t.Name == name)
            ? new ChatToolChoice(ChatToolChoiceKind.Function, name)
            : throw Bad($"`tool_choice.function.name` is '{name}', which is not among `tools`.");
    }

    /// <summary>
    /// Reads an assistant message's <c>tool_calls</c>: a list of <c>{"id", "type": "function", "function": {"name",
    /// "arguments"}}</c>. <c>arguments</c> is JSON text (a string, as OpenAI sends it) or a JSON object; absent or
    /// empty means <c>{}</c>. <paramref name="field"/> names the list in errors (say <c>messages[2].tool_calls</c>).
    /// </summary>
    /// <exception cref="EngineException">The value is malformed or over a bound (bad input, naming the field).</exception>
    public static IReadOnlyList<ChatToolCall> ReadToolCalls(JsonElement toolCalls, string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (toolCalls.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return [];
        }

        if (toolCalls.ValueKind != JsonValueKind.Array)
        {
            throw Bad($"`{field}` must be a list of {{\"id\", \"type\": \"function\", \"function\": {{\"name\", \"arguments\"}}}}.");
        }

        if (toolCalls.GetArrayLength() > MaxToolCalls)
        {
            throw Bad($"`{field}` has {toolCalls.GetArrayLength()} calls; at most {MaxToolCalls} are allowed.");
        }

        var calls = new List<ChatToolCall>();
        var index = 0;
        foreach (var call in toolCalls.EnumerateArray())
        {
            var at = $"{field}[{index++}]";
            if (call.ValueKind != JsonValueKind.Object
                || !call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
            {
                throw Bad($"`{at}` must be an object {{\"id\", \"type\": \"function\", \"function\": {{\"name\", \"arguments\"}}}}.");
            }

            if (call.TryGetProperty("type", out var type) && (type.ValueKind != JsonValueKind.String || type.GetString() != "function"))
            {
                throw Bad($"`{at}.type` must be \"function\".");
            }

            var id = string.Empty;
            if (call.TryGetProperty("id", out var idElement) && idElement.ValueKind != JsonValueKind.Null)
            {
                id = idElement.ValueKind == JsonValueKind.String ? idElement.GetString()! : throw Bad($"`{at}.id` must be a string.");
            }

            var name = ReadName(function, $"{at}.function.name");
            var arguments = "{}";
            if (function.TryGetProperty("arguments", out var args))
            {
                arguments = args.ValueKind switch
                {
                    JsonValueKind.Null => "{}",
                    JsonValueKind.String => args.GetString() is { Length: > 0 } text ? text : "{}",
                    JsonValueKind.Object => args.GetRawText(),
                    _ => throw Bad($"`{at}.function.arguments` must be a JSON string (OpenAI's form) or an object."),
                };
            }

            calls.Add(new ChatToolCall(id, name, arguments));
        }

        return calls;
    }

    /// <summary>Whether <paramref name="name"/> is a valid function name: 1 to 64 letters, digits, '_' or '-'.</summary>
    public static bool IsValidName(string? name)
        => name is { Length: > 0 and <= MaxNameLength } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private static string ReadName(JsonElement function, string field)
    {
        if (!function.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String)
        {
            throw Bad($"`{field}` must be a string.");
        }

        var name = n.GetString()!;
        return IsValidName(name)
            ? name
            : throw Bad($"`{field}` must be 1 to {MaxNameLength} letters, digits, '_' or '-'; got '{Shorten(name)}'.");
    }

    private static void CheckSchema(JsonElement schema, string field)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw Bad($"`{field}` must be a JSON schema object such as {{\"type\": \"object\", \"properties\": {{...}}}}.");
        }

        if (schema.TryGetProperty("type", out var type) && (type.ValueKind != JsonValueKind.String || type.GetString() != "object"))
        {
            throw Bad($"`{field}.type` must be \"object\": a function's arguments are an object.");
        }

        if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind != JsonValueKind.Object)
        {
            throw Bad($"`{field}.properties` must be an object mapping each argument to its schema.");
        }

        if (schema.TryGetProperty("required", out var required)
            && (required.ValueKind != JsonValueKind.Array || required.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String)))
        {
            throw Bad($"`{field}.required` must be a list of argument names.");
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";

    private static EngineException Bad(string message) => EngineException.BadInput(message);
}
