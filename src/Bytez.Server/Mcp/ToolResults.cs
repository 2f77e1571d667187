using System.Buffers;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Media;
using ModelContextProtocol.Protocol;

namespace Bytez.Server.Mcp;

/// <summary>
/// Turns what the engine answers into MCP tool results: a text as a text block; a chat answer as its text, with the
/// whole answer (tool calls, reasoning) as structured content; a file (speech, an image) as an audio or image block; any
/// other output as structured content <c>{"output": ...}</c>, the <c>output</c> of the Bytez envelope, with the same JSON
/// as text for clients that read only text.
/// </summary>
public static class ToolResults
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>The result of a model run.</summary>
    public static CallToolResult FromOutput(TaskOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return output switch
        {
            TextOutput text => Text(text.Text),
            ChatOutput chat => new CallToolResult
            {
                Content = [new TextContentBlock { Text = chat.Content }],
                StructuredContent = Object(w => WriteOutput(w, chat)),
            },
            MediaOutput media => new CallToolResult { Content = [Media(media)] },
            _ => Json(Object(w => WriteOutput(w, output))),
        };
    }

    /// <summary>A result of one text block.</summary>
    public static CallToolResult Text(string text) => new() { Content = [new TextContentBlock { Text = text }] };

    /// <summary>A JSON object as structured content, and as its JSON text.</summary>
    public static CallToolResult Json(JsonElement value) => new()
    {
        Content = [new TextContentBlock { Text = value.GetRawText() }],
        StructuredContent = value,
    };

    /// <summary>Writes a JSON object with <paramref name="write"/> and returns it.</summary>
    public static JsonElement Object(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>A file as an image or audio block by its media type; any other file as an embedded resource.</summary>
    public static ContentBlock Media(MediaOutput media)
    {
        ArgumentNullException.ThrowIfNull(media);
        if (media.ContentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
        {
            return ImageContentBlock.FromBytes(media.Data, media.ContentType);
        }

        if (media.ContentType.StartsWith("audio/", StringComparison.OrdinalIgnoreCase))
        {
            return AudioContentBlock.FromBytes(media.Data, media.ContentType);
        }

        return new EmbeddedResourceBlock
        {
            Resource = BlobResourceContents.FromBytes(media.Data, $"bytez://output.{media.Extension}", media.ContentType),
        };
    }

    private static void WriteOutput(Utf8JsonWriter writer, TaskOutput output)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("output");
        output.WriteTo(writer);
        writer.WriteEndObject();
    }
}
