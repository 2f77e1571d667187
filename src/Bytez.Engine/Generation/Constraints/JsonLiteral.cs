using System.Text.Encodings.Web;
using System.Text.Json;

namespace Bytez.Engine.Generation.Constraints;

/// <summary>Writes JSON values as compact UTF-8 literals for grammars (non-ASCII kept as is, not escaped).</summary>
internal static class JsonLiteral
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    /// <summary>A JSON string literal, quotes included.</summary>
    public static byte[] String(string value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStringValue(value);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Any JSON value, compact.</summary>
    public static byte[] Element(JsonElement value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            value.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
