using System.Globalization;
using Bytez.Server.Apis;

namespace Bytez.Server.Auth;

/// <summary>
/// The one answer of a request beyond a key's limit: 429 with <c>Retry-After</c> (whole seconds) and the message, which
/// starts with Bytez's wording <c>Rate limit exceeded</c>, in the Bytez envelope, or in the route family's error shape
/// on its paths (<see cref="Envelope.WriteErrorAsync"/>: OpenAI's <c>rate_limit_error</c>, Anthropic's, ...). Every
/// per-key limit (concurrency, requests per minute, generated tokens per day) refuses through it.
/// </summary>
public static class KeyLimitRefusal
{
    /// <summary>Writes the 429; nothing when the answer has started.</summary>
    public static Task WriteAsync(HttpContext context, string message, TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrEmpty(message);
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        context.Response.Headers.RetryAfter = KeyBudget.Seconds(retryAfter).ToString(CultureInfo.InvariantCulture);
        return Envelope.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, message);
    }
}
