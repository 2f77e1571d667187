using Bytez.Server.Apis;

namespace Bytez.Server.Auth;

/// <summary>
/// Admits a request to the API only with the server's key in <c>Authorization</c>, as <c>Key &lt;k&gt;</c> (what
/// the official clients send), <c>Bearer &lt;k&gt;</c> (OpenAI-style clients) or a bare <c>&lt;k&gt;</c> (the docs'
/// curl examples), or in <c>x-api-key</c> (what Anthropic's clients send). Anything else gets 401
/// <c>Unauthorized</c> in the envelope (in OpenAI's or Anthropic's error shape on their paths).
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyStore keys)
{
    /// <summary>The header Anthropic's clients send the key in.</summary>
    public const string XApiKeyHeader = "x-api-key";

    /// <summary>Checks the key, then passes the request on.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var header = context.Request.Headers.Authorization;
        if (header.Count == 1 && header[0] is { } value && keys.IsValid(PresentedKey(value)))
        {
            return next(context);
        }

        var apiKey = context.Request.Headers[XApiKeyHeader];
        if (apiKey.Count == 1 && apiKey[0] is { } key && keys.IsValid(key.AsSpan().Trim()))
        {
            return next(context);
        }

        return Envelope.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized");
    }

    /// <summary>The key inside an Authorization header value, with its scheme (<c>Key</c>, <c>Bearer</c>) removed.</summary>
    public static ReadOnlySpan<char> PresentedKey(string headerValue)
    {
        var value = headerValue.AsSpan().Trim();
        var space = value.IndexOf(' ');
        if (space > 0)
        {
            var scheme = value[..space];
            if (scheme.Equals("Key", StringComparison.OrdinalIgnoreCase) || scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            {
                return value[(space + 1)..].Trim();
            }
        }

        return value;
    }
}
