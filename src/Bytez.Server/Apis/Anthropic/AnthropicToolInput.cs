using System.Text.Json;

namespace Bytez.Server.Apis.Anthropic;

/// <summary>A tool call's arguments as a <c>tool_use</c> block's <c>input</c>, which Anthropic's clients read as a JSON object.</summary>
public static class AnthropicToolInput
{
    /// <summary>
    /// The arguments JSON text when it is an object (a call decoded under the tool's grammar always is); otherwise
    /// <c>{}</c>, since a model that wrote something else gave no arguments a client could read.
    /// </summary>
    public static string Json(string arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        try
        {
            using var document = JsonDocument.Parse(arguments);
            return document.RootElement.ValueKind == JsonValueKind.Object ? arguments.Trim() : "{}";
        }
        catch (JsonException)
        {
            return "{}";
        }
    }
}
