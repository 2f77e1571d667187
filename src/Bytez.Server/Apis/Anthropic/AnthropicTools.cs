using System.Buffers;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Tasks;

namespace Bytez.Server.Apis.Anthropic;

/// <summary>
/// Turns Anthropic's <c>tools</c> and <c>tool_choice</c> into the engine's (OpenAI's) form, which the engine checks
/// and uses as for the OpenAI routes (<see cref="Engine.Generation.Tools.ChatToolsReader"/>: names, schemas, bounds;
/// the chat template's tool format; a forced call decoded under a grammar):
/// <list type="bullet">
/// <item><c>{name, description, input_schema}</c> (type absent or <c>custom</c>) becomes
/// <c>{"type": "function", "function": {name, description, "parameters": input_schema}}</c>; Anthropic's server tools
/// (web search, code execution, ...) are refused.</item>
/// <item><c>tool_choice</c> <c>auto</c>, <c>any</c>, <c>tool</c> (with <c>name</c>) and <c>none</c> become
/// "auto", "required", <c>{"type": "function", "function": {"name"}}</c> and "none";
/// <c>disable_parallel_tool_use</c> becomes <c>parallel_tool_calls</c> false.</item>
/// </list>
/// </summary>
public static class AnthropicTools
{
    /// <summary>The engine's <c>tools</c> for Anthropic's, or <see langword="null"/> when the list is empty.</summary>
    /// <exception cref="EngineException">The list or a tool is malformed (BadInput, naming it), or a server tool.</exception>
    public static JsonElement? ToEngineTools(JsonElement tools)
    {
        if (tools.ValueKind != JsonValueKind.Array)
        {
            throw EngineException.BadInput("`tools` must be a list of {\"name\", \"description\", \"input_schema\"}.");
        }

        if (tools.GetArrayLength() == 0)
        {
            return null;
        }

        return Build(w =>
        {
            w.WriteStartArray();
            var index = 0;
            foreach (var tool in tools.EnumerateArray())
            {
                var at = $"tools[{index++}]";
                if (tool.ValueKind != JsonValueKind.Object)
                {
                    throw EngineException.BadInput($"`{at}` must be an object {{\"name\", \"description\", \"input_schema\"}}.");
                }

                if (tool.TryGetProperty("type", out var type) && type.ValueKind != JsonValueKind.Null
                    && !(type.ValueKind == JsonValueKind.String && type.GetString() == "custom"))
                {
                    throw EngineException.BadInput(
                        $"`{at}.type` is {type.GetRawText()}: Anthropic's server tools are not supported; offer client tools {{\"name\", \"description\", \"input_schema\"}}.");
                }

                if (!tool.TryGetProperty("input_schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
                {
                    throw EngineException.BadInput($"`{at}.input_schema` is required: the JSON schema of the tool's input, such as {{\"type\": \"object\", \"properties\": {{...}}}}.");
                }

                w.WriteStartObject();
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WritePropertyName("name");
                (tool.TryGetProperty("name", out var name) ? name : throw EngineException.BadInput($"`{at}.name` is required.")).WriteTo(w);
                if (tool.TryGetProperty("description", out var description) && description.ValueKind != JsonValueKind.Null)
                {
                    w.WritePropertyName("description");
                    description.WriteTo(w);
                }

                w.WritePropertyName("parameters");
                schema.WriteTo(w);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    /// <summary>The engine's <c>tool_choice</c> for Anthropic's, and whether parallel calls are off (<c>disable_parallel_tool_use</c>).</summary>
    /// <exception cref="EngineException">The choice is malformed (BadInput).</exception>
    public static (JsonElement Choice, bool DisableParallel) ToEngineChoice(JsonElement choice)
    {
        const string Expected = "`tool_choice` must be {\"type\": \"auto\"}, {\"type\": \"any\"}, {\"type\": \"tool\", \"name\": \"...\"} or {\"type\": \"none\"}";
        if (choice.ValueKind != JsonValueKind.Object || !choice.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            throw EngineException.BadInput(Expected + ".");
        }

        var disable = choice.TryGetProperty("disable_parallel_tool_use", out var d) && Arguments.Bool(d, "tool_choice.disable_parallel_tool_use") == true;
        var engine = type.GetString() switch
        {
            "auto" => Build(w => w.WriteStringValue("auto")),
            "any" => Build(w => w.WriteStringValue("required")),
            "none" => Build(w => w.WriteStringValue("none")),
            "tool" => Build(w =>
            {
                var name = choice.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                    ? n.GetString()!
                    : throw EngineException.BadInput("`tool_choice.name` is required with {\"type\": \"tool\"}: the tool to call.");
                w.WriteStartObject();
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", name);
                w.WriteEndObject();
                w.WriteEndObject();
            }),
            var other => throw EngineException.BadInput($"{Expected}; got \"{other}\"."),
        };
        return (engine, disable);
    }

    private static JsonElement Build(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }
}
