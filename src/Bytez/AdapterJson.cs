using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Bytez;

/// <summary>
/// How the Microsoft.Extensions.AI adapters turn the <c>object</c> values of options' <c>AdditionalProperties</c>, tool
/// arguments and tool results into JSON: JSON values as they are, strings and numbers directly, anything else with
/// <see cref="AIJsonUtilities.DefaultOptions"/> (the resolver Microsoft.Extensions.AI itself serializes with).
/// </summary>
internal static class AdapterJson
{
    /// <summary>
    /// <see cref="AIJsonUtilities.DefaultOptions"/> written compactly (it indents) with JSON's own escaping only: tool
    /// arguments and results travel as JSON texts inside the request.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(AIJsonUtilities.DefaultOptions)
        {
            WriteIndented = false,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.MakeReadOnly();
        return options;
    }

    /// <summary>A value as a JSON element.</summary>
    public static JsonElement ToElement(object? value) => value switch
    {
        null => JsonSerializer.SerializeToElement<string?>(null, OpenAIChatJsonContext.Wire.String),
        JsonElement element => element,
        JsonDocument document => document.RootElement.Clone(),
        string text => JsonSerializer.SerializeToElement(text, OpenAIChatJsonContext.Wire.String),
        _ => JsonSerializer.SerializeToElement(value, Options.GetTypeInfo(value.GetType())),
    };

    /// <summary>
    /// The <c>params</c> object of a Bytez run request: every additional property, plus the adapter's own keys, which
    /// a user's key of the same name replaces. <see langword="null"/> when there is nothing to send.
    /// </summary>
    public static JsonElement? ToParameters(AdditionalPropertiesDictionary? properties, IReadOnlyDictionary<string, JsonElement>? own = null)
    {
        var merged = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (own is not null)
        {
            foreach (var (key, value) in own)
            {
                merged[key] = value;
            }
        }

        if (properties is not null)
        {
            foreach (var (key, value) in properties)
            {
                merged[key] = ToElement(value);
            }
        }

        return merged.Count == 0 ? null : JsonSerializer.SerializeToElement(merged, OpenAIChatJsonContext.Wire.DictionaryStringJsonElement);
    }
}
