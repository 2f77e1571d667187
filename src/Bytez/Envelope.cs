using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Bytez.Protocol;

namespace Bytez;

/// <summary>Reads the <c>{error, output, provider}</c> envelope of an answer, whatever its status code.</summary>
internal static class Envelope
{
    public static BytezResult Parse(HttpResponseMessage response, byte[] body)
    {
        var status = response.StatusCode;
        var isSuccessStatus = response.IsSuccessStatusCode;
        BytezResponse? envelope = null;
        try
        {
            envelope = body.Length == 0 ? null : JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.BytezResponse);
        }
        catch (JsonException)
        {
            // Not an envelope: a proxy's HTML page, plain text, or an error with an unexpected shape.
        }

        if (envelope is null)
        {
            var error = isSuccessStatus
                ? "The answer is not a Bytez JSON envelope."
                : StatusText(response);
            return new BytezResult(null, error, null, status, DecodeBody(body));
        }

        // An error status without an error message (for example 402 {"status":402,"message":...}) is still an error.
        var message = envelope.Error ?? (isSuccessStatus ? null : StatusText(response));
        return new BytezResult(
            Normalize(envelope.Output),
            message,
            Normalize(envelope.Provider),
            status,
            message is null ? null : DecodeBody(body));
    }

    /// <summary>Reads a result whose output has a known type; an output of another shape becomes an error.</summary>
    public static BytezResult<T> Typed<T>(BytezResult result, JsonTypeInfo<T> typeInfo)
    {
        if (!result.IsSuccess)
        {
            return new BytezResult<T>(default, result.Error, result.StatusCode, result.ResponseBody);
        }

        if (result.Output is not { } output)
        {
            return new BytezResult<T>(default, "The call succeeded but returned no output.", result.StatusCode);
        }

        try
        {
            return new BytezResult<T>(output.Deserialize(typeInfo), null, result.StatusCode);
        }
        catch (JsonException exception)
        {
            return new BytezResult<T>(
                default, $"The output is not {typeof(T).Name}: {exception.Message}", result.StatusCode, output.GetRawText());
        }
    }

    public static string? DecodeBody(byte[] body) => body.Length == 0 ? null : Encoding.UTF8.GetString(body);

    private static JsonElement? Normalize(JsonElement? element) =>
        element is { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } ? null : element;

    private static string StatusText(HttpResponseMessage response) =>
        string.IsNullOrEmpty(response.ReasonPhrase)
            ? $"HTTP {(int)response.StatusCode}"
            : response.ReasonPhrase;
}
