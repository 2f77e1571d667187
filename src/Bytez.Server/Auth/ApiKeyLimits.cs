using System.Globalization;

namespace Bytez.Server.Auth;

/// <summary>
/// The limits of one key, as stored with it: each <see langword="null"/> takes the server's default
/// (<see cref="KeyLimitsOptions"/>, <c>Bytez:Keys:Limits</c>), each 0 is no limit, any other value overrides the
/// default for this key. <see cref="Over"/> gives the limits in force.
/// </summary>
/// <param name="ConcurrentRequests">Requests of the key served at once; beyond, 429.</param>
/// <param name="RequestsPerMinute">Requests of the key admitted per minute (a fixed window that starts at the first request); beyond, 429.</param>
/// <param name="GeneratedTokensPerDay">Tokens the key's generations may produce per day (enforced by usage metering); beyond, 429.</param>
public sealed record ApiKeyLimits(int? ConcurrentRequests = null, int? RequestsPerMinute = null, long? GeneratedTokensPerDay = null)
{
    /// <summary>The highest concurrency limit accepted.</summary>
    public const int MaxConcurrentRequests = 1_000_000;

    /// <summary>The highest per-minute limit accepted.</summary>
    public const int MaxRequestsPerMinute = 100_000_000;

    /// <summary>No override: every limit is the server's default.</summary>
    public static ApiKeyLimits Default { get; } = new();

    /// <summary>No limit at all (every value 0).</summary>
    public static ApiKeyLimits Unlimited { get; } = new(0, 0, 0);

    /// <summary>The limits in force: each override, or else the default of <paramref name="defaults"/>; never <see langword="null"/> values.</summary>
    public ApiKeyLimits Over(KeyLimitsOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        return new ApiKeyLimits(
            ConcurrentRequests ?? defaults.ConcurrentRequests,
            RequestsPerMinute ?? defaults.RequestsPerMinute,
            GeneratedTokensPerDay ?? defaults.GeneratedTokensPerDay);
    }

    /// <summary>Checks the values; throws with a message that says what is expected.</summary>
    /// <exception cref="ArgumentException">A value is negative or too large.</exception>
    public void Validate()
    {
        Check(ConcurrentRequests, MaxConcurrentRequests, "concurrentRequests");
        Check(RequestsPerMinute, MaxRequestsPerMinute, "requestsPerMinute");
        Check(GeneratedTokensPerDay, long.MaxValue, "generatedTokensPerDay");
    }

    /// <summary>The limits as the audit log shows them: <c>concurrentRequests=4; requestsPerMinute=default; generatedTokensPerDay=unlimited</c>.</summary>
    public string Describe() =>
        $"concurrentRequests={Show(ConcurrentRequests)}; requestsPerMinute={Show(RequestsPerMinute)}; generatedTokensPerDay={Show(GeneratedTokensPerDay)}";

    private static string Show(long? value) => value switch
    {
        null => "default",
        0 => "unlimited",
        { } v => v.ToString(CultureInfo.InvariantCulture),
    };

    private static void Check(long? value, long max, string name)
    {
        if (value is < 0 || value > max)
        {
            throw new ArgumentException(
                $"'limits.{name}' must be a whole number from 0 (no limit) to {max.ToString(CultureInfo.InvariantCulture)}, or null for the server's default.");
        }
    }
}
