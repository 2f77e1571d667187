using System.Buffers;
using System.Text.Json;

namespace Bytez.Server.Apis.Anthropic;

/// <summary>
/// Anthropic's error object, <c>{"type": "error", "error": {"type", "message"}, "request_id"}</c>, with the error type
/// its API gives for each status. <see cref="Envelope.WriteErrorAsync"/> writes it for every failure on an Anthropic
/// path (bad input, auth, unknown routes, exceptions), so the one error mapping (<see cref="ErrorMapping"/>) still picks
/// the status; a failure in a stream that has started is the same object as an <c>error</c> event.
/// </summary>
public static class AnthropicErrors
{
    /// <summary>The header that carries a request's id, as Anthropic's API sends it.</summary>
    public const string RequestIdHeader = "request-id";

    /// <summary>
    /// Anthropic's error <c>type</c> for a status code: 401 authentication_error, 403 permission_error, 404
    /// not_found_error, 413 request_too_large, 429 rate_limit_error, 503 and 529 overloaded_error, 504 timeout_error,
    /// other 5xx api_error, any other 4xx invalid_request_error.
    /// </summary>
    public static string Type(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "authentication_error",
        StatusCodes.Status403Forbidden => "permission_error",
        StatusCodes.Status404NotFound => "not_found_error",
        StatusCodes.Status413PayloadTooLarge => "request_too_large",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        StatusCodes.Status503ServiceUnavailable or 529 => "overloaded_error",
        StatusCodes.Status504GatewayTimeout => "timeout_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    /// <summary>The request's id (<c>req_</c> and ASP.NET's trace identifier), set as the <c>request-id</c> header when the answer has not started.</summary>
    public static string RequestId(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var id = "req_" + context.TraceIdentifier.Replace(":", string.Empty, StringComparison.Ordinal);
        if (!context.Response.HasStarted)
        {
            context.Response.Headers[RequestIdHeader] = id;
        }

        return id;
    }

    /// <summary>Writes the error object (also the data of a stream's <c>error</c> event).</summary>
    public static void Write(Utf8JsonWriter writer, int status, string message, string? requestId)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("type", "error");
        writer.WriteStartObject("error");
        writer.WriteString("type", Type(status));
        writer.WriteString("message", message);
        writer.WriteEndObject();
        if (requestId is not null)
        {
            writer.WriteString("request_id", requestId);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes the error answer; nothing when the answer has started.</summary>
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
            Write(writer, status, message, RequestId(context));
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
    }
}
