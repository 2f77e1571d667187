using System.Text.Json;
using Bytez.Engine;

namespace Bytez.Server.Apis;

/// <summary>
/// Typed reads of the top-level fields of a JSON body for the routes of other APIs (rerank, TEI, tokenizer
/// utilities): each absent or null field is "not given", and a value of the wrong type is a bad-input error that
/// names the field and says what it must be.
/// </summary>
public static class BodyFields
{
    /// <summary>The field when it is present and not null.</summary>
    public static JsonElement? Optional(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>A required non-empty string.</summary>
    public static string RequiredString(JsonElement body, string name, string example) =>
        Optional(body, name) is { } value
            ? value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
                ? text
                : throw EngineException.BadInput($"'{name}' must be a non-empty string; got {RunRequestReader.Describe(value)}. Example: {example}")
            : throw EngineException.BadInput($"'{name}' is required. Example: {example}");

    /// <summary>A required string (which may be empty).</summary>
    public static string RequiredText(JsonElement body, string name, string example) =>
        Optional(body, name) is { } value
            ? value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : throw EngineException.BadInput($"'{name}' must be a string; got {RunRequestReader.Describe(value)}. Example: {example}")
            : throw EngineException.BadInput($"'{name}' is required. Example: {example}");

    /// <summary>An optional boolean.</summary>
    public static bool? Bool(JsonElement body, string name) =>
        Optional(body, name) is { } value
            ? value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw EngineException.BadInput($"'{name}' must be true or false; got {RunRequestReader.Describe(value)}."),
            }
            : null;

    /// <summary>An optional integer of at least <paramref name="minimum"/>.</summary>
    public static int? Int(JsonElement body, string name, int minimum) =>
        Optional(body, name) is { } value
            ? value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= minimum
                ? n
                : throw EngineException.BadInput($"'{name}' must be an integer of at least {minimum}; got {RunRequestReader.Describe(value)}.")
            : null;

    /// <summary>An optional string.</summary>
    public static string? String(JsonElement body, string name) =>
        Optional(body, name) is { } value
            ? value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : throw EngineException.BadInput($"'{name}' must be a string; got {RunRequestReader.Describe(value)}.")
            : null;

    /// <summary>Builds a JSON value with a writer (the engine's requests take <see cref="JsonElement"/>s).</summary>
    public static JsonElement Build(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }
}
