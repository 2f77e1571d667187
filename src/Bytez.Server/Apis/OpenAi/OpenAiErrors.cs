using System.Buffers;
using System.Text.Json;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// OpenAI's error object, <c>{"error": {"message", "type", "param", "code"}}</c>, with the types and codes its API
/// gives for each status. <see cref="Envelope.WriteErrorAsync"/> writes it for every failure on an OpenAI-compatible
/// path (bad input, auth, unknown routes, exceptions), so the one error mapping serves both shapes.
/// </summary>
public static class OpenAiErrors
{
    /// <summary>OpenAI's error <c>type</c> for a status code.</summary>
    public static string Type(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "invalid_request_error",
        StatusCodes.Status403Forbidden => "permission_error",
        StatusCodes.Status404NotFound => "invalid_request_error",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    /// <summary>OpenAI's error <c>code</c> for a status code, or <see langword="null"/>.</summary>
    public static string? Code(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "invalid_api_key",
        StatusCodes.Status404NotFound => "model_not_found",
        StatusCodes.Status429TooManyRequests => "rate_limit_exceeded",
        _ => null,
    };

    /// <summary>Writes the error object; nothing when the answer has started.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string message, string? param = null)
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
            writer.WriteStartObject("error");
            writer.WriteString("message", message);
            writer.WriteString("type", Type(status));
            writer.WriteString("param", param);
            writer.WriteString("code", Code(status));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
    }
}
