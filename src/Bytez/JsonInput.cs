using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Bytez.Protocol;

namespace Bytez;

/// <summary>Turns the input and parameter forms the SDK accepts into the JSON the API receives.</summary>
internal static class JsonInput
{
    internal const string ReflectionMessage =
        "Serializes arbitrary objects with reflection-based System.Text.Json, which trimming and native AOT may break. " +
        "Use an overload that takes a string, ChatMessage list, JsonElement, JsonNode or JsonTypeInfo instead.";

    public static JsonElement FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return JsonSerializer.SerializeToElement(text, RequestJson.Context.String);
    }

    public static JsonElement FromTexts(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return Write(texts, static (writer, items) =>
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                writer.WriteStringValue(item);
            }

            writer.WriteEndArray();
        });
    }

    public static JsonElement FromMessages(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Write(messages, static (writer, items) =>
        {
            writer.WriteStartArray();
            foreach (var message in items)
            {
                JsonSerializer.Serialize(writer, message, ProtocolJsonContext.Default.ChatMessage);
            }

            writer.WriteEndArray();
        });
    }

    /// <summary>A typed input written with its source-generated metadata (trim and AOT safe).</summary>
    public static JsonElement From<TInput>(TInput input, JsonTypeInfo<TInput> typeInfo)
        where TInput : class
    {
        ArgumentNullException.ThrowIfNull(input);
        return JsonSerializer.SerializeToElement(input, typeInfo);
    }

    /// <summary>A JSON <c>null</c> is the same as no value: it is left out of the request.</summary>
    public static JsonElement? FromElement(JsonElement? element) =>
        element is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } value ? value : null;

    public static JsonElement? FromNode(JsonNode? node) =>
        node is null ? null : Write(node, static (writer, value) => value.WriteTo(writer));

    public static JsonElement? FromParameters(ModelParameters? parameters) =>
        parameters is null ? null : JsonSerializer.SerializeToElement(parameters, ProtocolJsonContext.Default.ModelParameters);

    [RequiresUnreferencedCode(ReflectionMessage)]
    [RequiresDynamicCode(ReflectionMessage)]
    public static JsonElement FromDictionary(IReadOnlyDictionary<string, object?> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return Write(parameters, static (writer, items) =>
        {
            writer.WriteStartObject();
            foreach (var (key, value) in items)
            {
                writer.WritePropertyName(key);
                WriteObject(writer, value);
            }

            writer.WriteEndObject();
        });
    }

    /// <summary>
    /// Known forms (strings, string and message lists, JSON values) are converted without reflection; anything else
    /// goes through reflection-based System.Text.Json with default options (property names as declared).
    /// </summary>
    [RequiresUnreferencedCode(ReflectionMessage)]
    [RequiresDynamicCode(ReflectionMessage)]
    public static JsonElement? FromObject(object? input) => input switch
    {
        null => null,
        JsonElement element => FromElement(element),
        JsonDocument document => FromElement(document.RootElement.Clone()),
        JsonNode node => FromNode(node),
        string text => FromText(text),
        IReadOnlyList<ChatMessage> messages => FromMessages(messages),
        IReadOnlyList<string> texts => FromTexts(texts),
        ModelParameters parameters => FromParameters(parameters),
        QuestionAnsweringInput question => From(question, ProtocolJsonContext.Default.QuestionAnsweringInput),
        ZeroShotClassificationInput zeroShot => From(zeroShot, ProtocolJsonContext.Default.ZeroShotClassificationInput),
        TextRankingInput ranking => From(ranking, ProtocolJsonContext.Default.TextRankingInput),
        _ => JsonSerializer.SerializeToElement(input, input.GetType()),
    };

    [RequiresUnreferencedCode(ReflectionMessage)]
    [RequiresDynamicCode(ReflectionMessage)]
    private static void WriteObject(Utf8JsonWriter writer, object? value)
    {
        if (FromObject(value) is { } element)
        {
            element.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private static JsonElement Write<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer, state);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }
}
