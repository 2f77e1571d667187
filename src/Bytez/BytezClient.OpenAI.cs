using System.Text.Json;

namespace Bytez;

// The OpenAI-compatible routes under the base address (openai/v1/...), used by the IChatClient adapter.
public sealed partial class BytezClient
{
    /// <summary>The OpenAI-compatible API under <see cref="BaseAddress"/>: <c>openai/v1/</c>.</summary>
    internal const string OpenAIPath = "openai/v1/";

    /// <summary>
    /// Posts a JSON body to an OpenAI-compatible route with <c>Authorization: Bearer &lt;key&gt;</c> (what the OpenAI
    /// clients send, and what the hosted service documents for these routes) and returns the 2xx response with its
    /// headers read. Anything else throws <see cref="BytezException"/> with the status, the message of OpenAI's error
    /// object (or of a Bytez envelope) and the raw body.
    /// </summary>
    internal async Task<HttpResponseMessage> SendOpenAIAsync(
        string relativePath, byte[] jsonBody, string? providerKey, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var request = CreateRequest(HttpMethod.Post, OpenAIPath + relativePath, jsonBody, providerKey, authScheme: "Bearer");
        HttpResponseMessage? response = null;
        try
        {
            response = await _http
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            throw new BytezException(
                OpenAIErrorMessage(bytes) ?? response.ReasonPhrase ?? $"HTTP {(int)response.StatusCode}",
                response.StatusCode,
                Envelope.DecodeBody(bytes));
        }
        catch (Exception exception) when (IsTransportFailure(exception, cancellationToken))
        {
            response?.Dispose();
            throw new BytezException(DescribeFailure(exception, timeout), null, null, exception);
        }
        catch
        {
            response?.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }

    /// <summary>The message of <c>{"error": {"message": ...}}</c> or of a Bytez envelope <c>{"error": "..."}</c>, or <see langword="null"/>.</summary>
    internal static string? OpenAIErrorMessage(byte[] body)
    {
        try
        {
            var error = body.Length == 0 ? null : JsonSerializer.Deserialize(body, OpenAIChatJsonContext.Wire.OpenAIErrorBody)?.Error;
            return error switch
            {
                { ValueKind: JsonValueKind.String } text => text.GetString(),
                { ValueKind: JsonValueKind.Object } value when value.TryGetProperty("message", out var message)
                    && message.ValueKind == JsonValueKind.String => message.GetString(),
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
