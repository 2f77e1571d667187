using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Bytez.Engine.Tests.Generation.Constraints;

/// <summary>The reference the constraint tests check against: System.Text.Json parses, JsonSchema.Net validates (formats asserted).</summary>
internal static class SchemaOracle
{
    private static readonly EvaluationOptions Options = new() { RequireFormatValidation = true };

    /// <summary>Whether <paramref name="text"/> is one JSON document (System.Text.Json's parser).</summary>
    public static bool Parses(string text, out JsonElement value)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 256 });
            value = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            value = default;
            return false;
        }
    }

    /// <summary>Whether <paramref name="text"/> parses and validates against <paramref name="schema"/> (null: any object).</summary>
    public static bool Valid(string? schema, string text)
    {
        if (!Parses(text, out var value))
        {
            return false;
        }

        if (schema is null)
        {
            return value.ValueKind == JsonValueKind.Object;
        }

        var compiled = JsonSchema.FromText(schema);
        return compiled.Evaluate(value, Options).IsValid;
    }
}
