using System.Buffers;
using System.Text.Json;

namespace Bytez.Server.Apis.Tei;

/// <summary>
/// text-embeddings-inference's error body, <c>{"error": "...", "error_type": "..."}</c>, which
/// <see cref="Envelope.WriteErrorAsync"/> writes for every failure on a TEI path. The type follows the status as TEI
/// gives it: <c>validation</c> (4xx), <c>overloaded</c> (429, 503), <c>backend</c> (other 5xx).
/// </summary>
public static class TeiErrors
{
    /// <summary>TEI's <c>error_type</c> for a status code.</summary>
    public static string Type(int status) => status switch
    {
        StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable => "overloaded",
        >= 500 => "backend",
        _ => "validation",
    };

    /// <summary>Writes the error; nothing when the answer has started.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string message)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Response.HasStarted)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("error", message);
            writer.WriteString("error_type", Type(status));
            writer.WriteEndObject();
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
    }
}
