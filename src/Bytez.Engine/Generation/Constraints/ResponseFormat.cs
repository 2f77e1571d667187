using System.Text.Json;

namespace Bytez.Engine.Generation.Constraints;

/// <summary>
/// Reads OpenAI's <c>response_format</c> parameter: <c>{"type": "text"}</c>, <c>{"type": "json_object"}</c> or
/// <c>{"type": "json_schema", "json_schema": {"name": ..., "schema": {...}, "strict": true}}</c>, validated, into the
/// grammar that constrains decoding (<see langword="null"/> for plain text).
/// </summary>
public static class ResponseFormat
{
    /// <summary>Parses and compiles a <c>response_format</c> value.</summary>
    /// <exception cref="EngineException">The value is malformed or its schema unsupported (bad input, saying what was expected).</exception>
    public static CompiledGrammar? Parse(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            throw Bad("must be an object with a `type` of \"text\", \"json_object\" or \"json_schema\"");
        }

        var kind = type.GetString();
        foreach (var p in value.EnumerateObject())
        {
            if (p.Name != "type" && !(p.Name == "json_schema" && kind == "json_schema"))
            {
                throw Bad($"has an unexpected key `{p.Name}` (expected `type`{(kind == "json_schema" ? " and `json_schema`" : string.Empty)})");
            }
        }

        switch (kind)
        {
            case "text":
                return null;
            case "json_object":
                return CompiledGrammarCache.Shared.GetOrCompile(GrammarPattern.JsonObject());
            case "json_schema":
                break;
            default:
                throw Bad($"has type \"{kind}\"; expected \"text\", \"json_object\" or \"json_schema\"");
        }

        if (!value.TryGetProperty("json_schema", out var spec) || spec.ValueKind != JsonValueKind.Object)
        {
            throw Bad("of type \"json_schema\" needs a `json_schema` object: {\"name\": ..., \"schema\": {...}, \"strict\": true}");
        }

        JsonElement? schema = null;
        var named = false;
        foreach (var p in spec.EnumerateObject())
        {
            switch (p.Name)
            {
                case "name":
                    var name = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : string.Empty;
                    if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                    {
                        throw Bad("`json_schema.name` must be 1 to 64 letters, digits, underscores or dashes");
                    }

                    named = true;
                    break;
                case "description":
                    _ = p.Value.ValueKind == JsonValueKind.String ? 0 : throw Bad("`json_schema.description` must be a string");
                    break;
                case "strict":
                    _ = p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null ? 0 : throw Bad("`json_schema.strict` must be true or false");
                    break;
                case "schema":
                    schema = p.Value.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False
                        ? p.Value
                        : throw Bad("`json_schema.schema` must be a JSON Schema object");
                    break;
                default:
                    throw Bad($"`json_schema` has an unexpected key `{p.Name}` (expected name, description, schema, strict)");
            }
        }

        if (!named)
        {
            throw Bad("`json_schema.name` is required");
        }

        // Without a schema any JSON object is accepted, as for json_object. Strict or not, the schema is enforced.
        // Compiled once per schema text: the next request with the same schema shares the grammar and its token masks.
        return CompiledGrammarCache.Shared.GetOrCompile(schema is { } s ? GrammarPattern.JsonSchema(s) : GrammarPattern.JsonObject());
    }

    private static EngineException Bad(string what) => EngineException.BadInput($"Parameter `response_format` {what}.");
}
