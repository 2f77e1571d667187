using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// The envelope every Bytez v2 JSON answer uses: <c>{"error": ..., "output": ...}</c>, plus <c>provider</c> for
/// closed-source models.
/// </summary>
public sealed class BytezResponse
{
    /// <summary>The error message, or <see langword="null"/> when the call succeeded.</summary>
    [JsonPropertyName("error")]
    public string? Error { get; init; }

    /// <summary>The task output (shape depends on the task), or <see langword="null"/> on failure.</summary>
    [JsonPropertyName("output")]
    public JsonElement? Output { get; init; }

    /// <summary>The provider's raw answer, for closed-source models only; absent otherwise.</summary>
    [JsonPropertyName("provider")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Provider { get; init; }
}
