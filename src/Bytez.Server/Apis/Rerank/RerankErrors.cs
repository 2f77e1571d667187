using System.Buffers;
using System.Text.Json;

namespace Bytez.Server.Apis.Rerank;

/// <summary>
/// Cohere's error body, <c>{"message": "..."}</c>, which <see cref="Envelope.WriteErrorAsync"/> writes for every
/// failure on a rerank path; Cohere's clients raise their status-specific errors (BadRequestError, NotFoundError, ...)
/// with it as the body.
/// </summary>
public static class RerankErrors
{
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
            writer.WriteString("message", message);
            writer.WriteEndObject();
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
    }
}
