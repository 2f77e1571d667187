using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>One message of a chat: a role and its content (a string or a list of content blocks).</summary>
public sealed class ChatMessage
{
    /// <summary>Creates a message with plain text content.</summary>
    public ChatMessage(string role, string content)
    {
        Role = role;
        Content = JsonSerializer.SerializeToElement(content, ProtocolJsonContext.Default.String);
    }

    /// <summary>Creates a message from raw JSON content (a string or an array of blocks).</summary>
    [JsonConstructor]
    public ChatMessage(string role, JsonElement content)
    {
        Role = role;
        Content = content;
    }

    /// <summary><c>system</c>, <c>user</c> or <c>assistant</c>.</summary>
    [JsonPropertyName("role")]
    public string Role { get; }

    /// <summary>A string, or an array of blocks <c>{type, text?, url?, base64?}</c>.</summary>
    [JsonPropertyName("content")]
    public JsonElement Content { get; }

    /// <summary>The content as text when it is a plain string, otherwise <see langword="null"/>.</summary>
    [JsonIgnore]
    public string? Text => Content.ValueKind == JsonValueKind.String ? Content.GetString() : null;
}
