using Bytez.Server.Apis;

namespace Bytez.Server.Auth;

/// <summary>
/// Admits a request to the API only with a valid key in <c>Authorization</c>, as <c>Key &lt;k&gt;</c> (what the
/// official clients send), <c>Bearer &lt;k&gt;</c> (OpenAI-style clients) or a bare <c>&lt;k&gt;</c> (the docs' curl
/// examples), or in <c>x-api-key</c> (what Anthropic's clients send): the server's own key (<see cref="ApiKeyStore"/>,
/// an admin key) or an active key of <see cref="IApiKeyStore"/>. Anything else gets 401 <c>Unauthorized</c> in the
/// envelope (in the route family's error shape on its paths). A valid key's identity goes on the request
/// (<see cref="ApiKeyIdentity.Of"/>); a key without the scope the route needs (<see cref="RouteScopes"/>), or not
/// allowed the model the route names, gets 403 saying which.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyStore configured, IApiKeyStore issued)
{
    /// <summary>The header Anthropic's clients send the key in.</summary>
    public const string XApiKeyHeader = "x-api-key";

    /// <summary>Checks the key and the route's scope, then passes the request on.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var identity = await IdentifyAsync(context).ConfigureAwait(false);
        if (identity is null)
        {
            await Envelope.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized").ConfigureAwait(false);
            return;
        }

        context.Features.Set(identity);
        if (RouteScopes.Required(context) is { } scope)
        {
            if (!identity.Has(scope))
            {
                await Envelope.WriteErrorAsync(
                    context, StatusCodes.Status403Forbidden,
                    $"Forbidden: this key lacks the '{scope}' scope that {context.Request.Method} {context.Request.Path} needs.").ConfigureAwait(false);
                return;
            }

            if (RouteScopes.ModelOf(context) is { } model && !identity.AllowsModel(model))
            {
                await Envelope.WriteErrorAsync(
                    context, StatusCodes.Status403Forbidden,
                    $"Forbidden: this key may not use {model}; it is allowed: {string.Join(", ", identity.AllowedModels)}.").ConfigureAwait(false);
                return;
            }
        }

        await next(context).ConfigureAwait(false);
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

    private async Task<ApiKeyIdentity?> IdentifyAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization;
        if (header.Count == 1 && header[0] is { } value && await CheckAsync(PresentedKey(value).ToString(), context).ConfigureAwait(false) is { } fromHeader)
        {
            return fromHeader;
        }

        var apiKey = context.Request.Headers[XApiKeyHeader];
        return apiKey.Count == 1 && apiKey[0] is { } key ? await CheckAsync(key.Trim(), context).ConfigureAwait(false) : null;
    }

    private async Task<ApiKeyIdentity?> CheckAsync(string presented, HttpContext context)
    {
        if (configured.IsValid(presented))
        {
            return ApiKeyIdentity.Configured;
        }

        return await issued.AuthenticateAsync(presented, context.RequestAborted).ConfigureAwait(false) is { } record ? ApiKeyIdentity.From(record) : null;
    }
}
