using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Bytez.Server.Providers;

/// <summary>
/// The one translation of a provider's failed answer into a <see cref="ProviderException"/>: its status (401 and 403
/// and Google's invalid-key 400 become 401; 429 keeps the provider's Retry-After; other 4xx are kept; 503 and
/// Anthropic's 529 become 503; other 5xx 502) and its message, read from each provider's error body and with the
/// provider key cut out of it.
/// </summary>
public static class ProviderErrors
{
    /// <summary>The longest provider message quoted.</summary>
    public const int MaxMessageLength = 1000;

    /// <summary>The exception for a failed answer: its status, headers and <paramref name="body"/>.</summary>
    public static ProviderException FromAnswer(IChatProvider provider, HttpResponseMessage response, ReadOnlySpan<byte> body, string key)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(response);
        var status = (int)response.StatusCode;
        var (message, keyRejected, retryDelay) = Read(body);
        message = Redact(message, key);
        var name = provider.DisplayName;
        if (status is 401 or 403 || keyRejected)
        {
            return new ProviderException(StatusCodes.Status401Unauthorized,
                $"{name} refused the provider key ({status}): {message}. Send a valid key in the provider-key header, or set Bytez:Providers:{ProviderNames.Section(provider.Name)}:Key on the server.");
        }

        if (status == 429)
        {
            return new ProviderException(StatusCodes.Status429TooManyRequests, $"{name} is rate limiting: {message}", RetryAfter(response) ?? retryDelay);
        }

        if (status is >= 400 and < 500)
        {
            return new ProviderException(status, $"{name} refused the request ({status}): {message}");
        }

        var mapped = status is 503 or 529 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status502BadGateway;
        return new ProviderException(mapped, $"{name} failed ({status}): {message}", RetryAfter(response));
    }

    /// <summary>The provider's message of an error event inside a streamed answer, or <see langword="null"/> when the event is no error.</summary>
    public static string? StreamError(string eventType, JsonElement data, string key)
    {
        var isError = eventType == "error"
            || (data.ValueKind == JsonValueKind.Object && data.TryGetProperty("error", out var error) && error.ValueKind is JsonValueKind.Object or JsonValueKind.String);
        return isError ? Redact(Message(data) ?? Cut(data.GetRawText()), key) : null;
    }

    /// <summary><paramref name="text"/> with every occurrence of the key replaced by <c>***</c>.</summary>
    public static string Redact(string text, string key)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.IsNullOrEmpty(key) ? text : text.Replace(key, "***", StringComparison.Ordinal);
    }

    private static (string Message, bool KeyRejected, TimeSpan? RetryDelay) Read(ReadOnlySpan<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            return (Message(root) ?? Cut(root.GetRawText()), GoogleKeyRejected(root), GoogleRetryDelay(root));
        }
        catch (JsonException)
        {
            var text = Encoding.UTF8.GetString(body).Trim();
            return (text.Length == 0 ? "no message" : Cut(text), false, null);
        }
    }

    /// <summary>
    /// The message of an error body: OpenAI, Mistral, Anthropic and Google put it in <c>error.message</c>; Cohere and
    /// Mistral (some errors) in <c>message</c>; others in <c>error</c> or <c>detail</c> as a string.
    /// </summary>
    private static string? Message(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (root.TryGetProperty("error", out var error))
        {
            if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var inner) && inner.ValueKind == JsonValueKind.String)
            {
                return Cut(inner.GetString()!);
            }

            if (error.ValueKind == JsonValueKind.String)
            {
                return Cut(error.GetString()!);
            }
        }

        foreach (var name in (string[])["message", "detail"])
        {
            if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            {
                return Cut(value.GetString()!);
            }
        }

        return null;
    }

    /// <summary>Google answers a bad key with 400 and the reason <c>API_KEY_INVALID</c> in <c>error.details</c>.</summary>
    private static bool GoogleKeyRejected(JsonElement root) =>
        Details(root).Any(d => d.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String && reason.GetString() == "API_KEY_INVALID");

    /// <summary>Google's RetryInfo detail (<c>"retryDelay": "30s"</c>), which it sends instead of a Retry-After header.</summary>
    private static TimeSpan? GoogleRetryDelay(JsonElement root)
    {
        foreach (var detail in Details(root))
        {
            if (detail.TryGetProperty("retryDelay", out var delay) && delay.ValueKind == JsonValueKind.String
                && delay.GetString() is { Length: > 1 } text && text.EndsWith('s')
                && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                && seconds is >= 0 and < 86400)
            {
                return TimeSpan.FromSeconds(seconds);
            }
        }

        return null;
    }

    private static IEnumerable<JsonElement> Details(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
        && error.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Array
            ? details.EnumerateArray().Where(d => d.ValueKind == JsonValueKind.Object).ToList()
            : [];

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static string Cut(string text) =>
        text.Length <= MaxMessageLength ? text : string.Concat(text.AsSpan(0, MaxMessageLength), "... (cut)");
}
