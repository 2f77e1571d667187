using System.Globalization;

namespace Bytez.Server.Auth;

/// <summary>
/// What is left of a key's limits after a request was admitted or refused, as the rate-limit headers say it
/// (<see cref="WriteHeaders"/>): the requests-per-minute window in the IETF draft's <c>RateLimit-Limit</c>,
/// <c>RateLimit-Remaining</c> and <c>RateLimit-Reset</c> (seconds until the window ends) with <c>RateLimit-Policy</c>,
/// and the concurrency limit in <c>X-Concurrency-Limit</c> and <c>X-Concurrency-Remaining</c> (free slots besides this
/// request). A limit the key does not have is <see langword="null"/> and has no headers.
/// </summary>
/// <param name="ConcurrencyLimit">Requests the key may have in progress at once.</param>
/// <param name="ConcurrencyRemaining">Slots free now.</param>
/// <param name="RequestLimit">Requests the key may make per window.</param>
/// <param name="RequestsRemaining">Requests left in the current window.</param>
/// <param name="Reset">How long until the current window ends.</param>
public sealed record KeyBudget(int? ConcurrencyLimit, int? ConcurrencyRemaining, int? RequestLimit, int? RequestsRemaining, TimeSpan? Reset)
{
    /// <summary>The limit of requests per window.</summary>
    public const string LimitHeader = "RateLimit-Limit";

    /// <summary>The requests left in the current window.</summary>
    public const string RemainingHeader = "RateLimit-Remaining";

    /// <summary>Seconds until the current window ends and the budget is full again.</summary>
    public const string ResetHeader = "RateLimit-Reset";

    /// <summary>The policy: the limit and the window in seconds, <c>60;w=60</c>.</summary>
    public const string PolicyHeader = "RateLimit-Policy";

    /// <summary>The requests the key may have in progress at once.</summary>
    public const string ConcurrencyLimitHeader = "X-Concurrency-Limit";

    /// <summary>The slots free besides this request.</summary>
    public const string ConcurrencyRemainingHeader = "X-Concurrency-Remaining";

    /// <summary>No limits: no headers.</summary>
    public static KeyBudget None { get; } = new(null, null, null, null, null);

    /// <summary>A wait in whole seconds, rounded up, at least 1 (as <c>Retry-After</c> and <c>RateLimit-Reset</c> give it).</summary>
    public static long Seconds(TimeSpan wait) => Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));

    /// <summary>Writes the headers of the limits the key has.</summary>
    public void WriteHeaders(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (RequestLimit is { } limit)
        {
            headers[LimitHeader] = limit.ToString(CultureInfo.InvariantCulture);
            headers[RemainingHeader] = (RequestsRemaining ?? 0).ToString(CultureInfo.InvariantCulture);
            headers[ResetHeader] = Seconds(Reset ?? TimeSpan.Zero).ToString(CultureInfo.InvariantCulture);
            headers[PolicyHeader] = string.Create(CultureInfo.InvariantCulture, $"{limit};w={(long)KeyRateLimits.Window.TotalSeconds}");
        }

        if (ConcurrencyLimit is { } concurrency)
        {
            headers[ConcurrencyLimitHeader] = concurrency.ToString(CultureInfo.InvariantCulture);
            headers[ConcurrencyRemainingHeader] = (ConcurrencyRemaining ?? 0).ToString(CultureInfo.InvariantCulture);
        }
    }
}
