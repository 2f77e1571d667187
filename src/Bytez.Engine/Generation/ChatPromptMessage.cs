using System.Text;
using System.Text.Json;

namespace Bytez.Engine.Generation;

/// <summary>A chat message as a text model's template reads it: a role and text content.</summary>
/// <param name="Role">system, user, assistant (or another role the template knows).</param>
/// <param name="Content">The text.</param>
public sealed record ChatPromptMessage(string Role, string Content)
{
    /// <summary>
    /// Reads a message whose content is a string or a list of blocks. Text blocks are joined with newlines (this
    /// model reads text only); a block of another type is refused.
    /// </summary>
    /// <exception cref="EngineException">The content is neither, or holds a non-text block.</exception>
    public static ChatPromptMessage From(string role, JsonElement content, int index)
    {
        ArgumentNullException.ThrowIfNull(role);
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return new ChatPromptMessage(role, content.GetString()!);
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (var block in content.EnumerateArray())
                {
                    var type = block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                        ? t.GetString()
                        : null;
                    if (type != "text" || !block.TryGetProperty("text", out var blockText) || blockText.ValueKind != JsonValueKind.String)
                    {
                        throw EngineException.NotSupported(type is null
                            ? $"messages[{index}].content blocks must be objects {{\"type\": \"text\", \"text\": \"...\"}}."
                            : $"messages[{index}] has a '{type}' block; this model reads text only (blocks {{\"type\": \"text\", \"text\": \"...\"}}).");
                    }

                    if (text.Length > 0)
                    {
                        text.Append('\n');
                    }

                    text.Append(blockText.GetString());
                }

                return new ChatPromptMessage(role, text.ToString());
            default:
                throw EngineException.BadInput($"messages[{index}].content must be a string or a list of text blocks.");
        }
    }
}
