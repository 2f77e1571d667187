using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Tasks;
using Bytez.Protocol;

namespace Bytez.Server.Apis;

/// <summary>
/// Reads the body of a run request field by field, so that a wrong type gets a message naming the field and what
/// it must be, instead of a serializer's exception. Unknown top-level fields are ignored, as a gateway would.
/// </summary>
public static class RunRequestReader
{
    /// <summary>Reads a run request from the parsed body.</summary>
    /// <exception cref="EngineException">The body is not an object or a field has the wrong type.</exception>
    public static RunRequest Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw EngineException.BadInput(
                $"The request body must be a JSON object such as {{\"input\": \"...\", \"params\": {{}}}}; got {Describe(body)}.");
        }

        return new RunRequest
        {
            Input = Optional(body, "input"),
            Text = String(body, "text"),
            Url = String(body, "url"),
            Base64 = String(body, "base64"),
            Question = String(body, "question"),
            Context = String(body, "context"),
            CandidateLabels = Labels(body),
            Messages = Messages(body),
            Params = Params(body),
            Stream = Bool(body, "stream"),
            Json = Bool(body, "json"),
        };
    }

    /// <summary>Describes a JSON value for error messages (<see cref="Arguments.Describe"/>).</summary>
    public static string Describe(JsonElement value) => Arguments.Describe(value);

    private static JsonElement? Optional(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.Clone() : null;

    private static string? String(JsonElement body, string name) => Optional(body, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { } value => throw EngineException.BadInput($"'{name}' must be a string; got {Describe(value)}."),
    };

    private static bool? Bool(JsonElement body, string name) => Optional(body, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { } value => throw EngineException.BadInput($"'{name}' must be true or false; got {Describe(value)}."),
    };

    private static JsonElement? Params(JsonElement body) => Optional(body, "params") switch
    {
        null => null,
        { ValueKind: JsonValueKind.Object } value => value,
        { } value => throw EngineException.BadInput(
            $"'params' must be an object of model parameters such as {{\"max_new_tokens\": 20}}; got {Describe(value)}."),
    };

    private static List<string>? Labels(JsonElement body)
    {
        switch (Optional(body, "candidate_labels"))
        {
            case null:
                return null;
            case { ValueKind: JsonValueKind.String } single:
                // The Hugging Face pipeline also takes one comma-separated string.
                return single.GetString()!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
            case { ValueKind: JsonValueKind.Array } array:
                var labels = new List<string>(array.GetArrayLength());
                foreach (var item in array.EnumerateArray())
                {
                    labels.Add(item.ValueKind == JsonValueKind.String
                        ? item.GetString()!
                        : throw EngineException.BadInput($"'candidate_labels' must hold strings; got {Describe(item)}."));
                }

                return labels;
            case { } other:
                throw EngineException.BadInput($"'candidate_labels' must be a list of strings; got {Describe(other)}.");
        }
    }

    private static List<ChatMessage>? Messages(JsonElement body)
    {
        switch (Optional(body, "messages"))
        {
            case null:
                return null;
            case { ValueKind: JsonValueKind.Array } array:
                var messages = new List<ChatMessage>(array.GetArrayLength());
                var index = 0;
                foreach (var item in array.EnumerateArray())
                {
                    messages.Add(ReadMessage(item, index++));
                }

                return messages;
            case { } other:
                throw EngineException.BadInput(
                    $"'messages' must be a list of {{\"role\", \"content\"}} objects; got {Describe(other)}.");
        }
    }

    /// <summary>Reads one chat message, checking its role and content.</summary>
    public static ChatMessage ReadMessage(JsonElement item, int index)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw EngineException.BadInput($"messages[{index}] must be an object {{\"role\", \"content\"}}; got {Describe(item)}.");
        }

        if (!item.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
        {
            throw EngineException.BadInput($"messages[{index}].role must be a string (system, user or assistant).");
        }

        if (!item.TryGetProperty("content", out var content)
            || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            throw EngineException.BadInput(
                $"messages[{index}].content must be a string or a list of blocks {{\"type\": \"text\", \"text\": \"...\"}}.");
        }

        return new ChatMessage(role.GetString()!, content.Clone());
    }
}
