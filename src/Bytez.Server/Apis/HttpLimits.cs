using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Bytez.Server.Apis;

/// <summary>
/// Limits on the request line and headers, enforced where the answer can be an envelope. Kestrel answers requests
/// over its own limits before any middleware runs, with an empty body; so Kestrel's limits are set well above these,
/// and this middleware refuses what lies between with 414 or 431 in the envelope. Only requests past Kestrel's
/// limits, or malformed at the HTTP level, still get Kestrel's bare answer (docs/api.md lists them).
/// </summary>
public static class HttpLimits
{
    /// <summary>The longest request target (path and query) answered with an envelope: longer gets 414.</summary>
    public const int MaxTargetBytes = 8 * 1024;

    /// <summary>The most header bytes (names, values and separators) answered with an envelope: more gets 431.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    /// <summary>The most header fields answered with an envelope: more gets 431.</summary>
    public const int MaxHeaderCount = 100;

    /// <summary>Kestrel's own limit on the request line: past it, a bare 414 (no middleware runs).</summary>
    public const int KestrelMaxRequestLineBytes = 64 * 1024;

    /// <summary>Kestrel's own limit on all header bytes: past it, a bare 431.</summary>
    public const int KestrelMaxHeaderBytes = 128 * 1024;

    /// <summary>Kestrel's own limit on header fields: past it, a bare 431.</summary>
    public const int KestrelMaxHeaderCount = 400;

    /// <summary>Sets Kestrel's limits: the body size, and the request line and headers above this middleware's.</summary>
    public static void Configure(KestrelServerLimits limits, long maxRequestBodyBytes)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.MaxRequestBodySize = maxRequestBodyBytes;
        limits.MaxRequestLineSize = KestrelMaxRequestLineBytes;
        limits.MaxRequestHeadersTotalSize = KestrelMaxHeaderBytes;
        limits.MaxRequestHeaderCount = KestrelMaxHeaderCount;
    }

    /// <summary>Refuses, in the envelope, request targets and headers over this server's limits.</summary>
    public static WebApplication UseHttpLimits(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(static (context, next) =>
        {
            var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? string.Empty;
            if (target.Length > MaxTargetBytes)
            {
                return Envelope.WriteErrorAsync(context, StatusCodes.Status414UriTooLong,
                    $"The request target is {target.Length} bytes long; this server takes at most {MaxTargetBytes}.");
            }

            var headers = context.Request.Headers;
            if (headers.Count > MaxHeaderCount)
            {
                return Envelope.WriteErrorAsync(context, StatusCodes.Status431RequestHeaderFieldsTooLarge,
                    $"The request has {headers.Count} header fields; this server takes at most {MaxHeaderCount}.");
            }

            long bytes = 0;
            foreach (var (name, values) in headers)
            {
                foreach (var value in values)
                {
                    bytes += name.Length + (value?.Length ?? 0) + 4;
                }
            }

            return bytes > MaxHeaderBytes
                ? Envelope.WriteErrorAsync(context, StatusCodes.Status431RequestHeaderFieldsTooLarge,
                    $"The request's headers take {bytes} bytes; this server takes at most {MaxHeaderBytes}.")
                : next(context);
        });
        return app;
    }
}
