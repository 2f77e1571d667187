using System.Text.Json;

namespace Bytez.Media.Audio;

/// <summary>
/// Reads the fields of a model's <c>preprocessor_config.json</c> (untrusted): each value checked for type and range,
/// a wrong one refused with an <see cref="InvalidDataException"/> naming the field, what was expected and what was found.
/// </summary>
internal sealed class PreprocessorConfig
{
    private readonly JsonElement root;

    private PreprocessorConfig(JsonElement root) => this.root = root;

    /// <summary>Parses the JSON text; it must be an object.</summary>
    public static PreprocessorConfig Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"preprocessor_config.json must be a JSON object, not {document.RootElement.ValueKind}.");
            }

            return new PreprocessorConfig(document.RootElement.Clone());
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"preprocessor_config.json is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>An integer field in [min, max], or the default when absent or null.</summary>
    public int Int(string name, int fallback, int min, int max)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        // Python writes whole floats such as 16000.0 for some keys; accept them when whole.
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && d == Math.Floor(d) && d >= min && d <= max)
        {
            return (int)d;
        }

        throw new InvalidDataException($"preprocessor_config.json: \"{name}\" must be an integer from {min} to {max}, not {Show(v)}.");
    }

    /// <summary>A number field in [min, max], or the default when absent or null.</summary>
    public double Number(string name, double fallback, double min, double max)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && d >= min && d <= max)
        {
            return d;
        }

        throw new InvalidDataException($"preprocessor_config.json: \"{name}\" must be a number from {min} to {max}, not {Show(v)}.");
    }

    /// <summary>A boolean field, or the default when absent or null.</summary>
    public bool Bool(string name, bool fallback)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"preprocessor_config.json: \"{name}\" must be true or false, not {Show(v)}."),
        };
    }

    /// <summary>A string field, or the default when absent or null.</summary>
    public string? String(string name, string? fallback)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        return v.ValueKind == JsonValueKind.String ? v.GetString()
            : throw new InvalidDataException($"preprocessor_config.json: \"{name}\" must be a string, not {Show(v)}.");
    }

    private static string Show(JsonElement v)
    {
        string text = v.GetRawText();
        return text.Length > 40 ? text[..40] + "…" : text;
    }
}
