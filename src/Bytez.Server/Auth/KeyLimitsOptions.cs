using System.Globalization;

namespace Bytez.Server.Auth;

/// <summary>
/// The default limits of every issued key (section <c>Bytez:Keys:Limits</c>); a key's own limits
/// (<see cref="ApiKeyLimits"/>) override them. 0 is no limit. The server's own key (<c>BYTEZ_KEY</c>) has none.
/// </summary>
public sealed class KeyLimitsOptions
{
    /// <summary>Requests one key may have in progress at once; 0 (the default) for no limit.</summary>
    public int ConcurrentRequests { get; set; }

    /// <summary>
    /// Requests of a key at its concurrency limit that wait for a slot instead of getting 429 at once; default 0 (none
    /// wait). A waiting request gives up when its client leaves.
    /// </summary>
    public int ConcurrentRequestsQueue { get; set; }

    /// <summary>Requests one key may make per minute; 0 (the default) for no limit.</summary>
    public int RequestsPerMinute { get; set; }

    /// <summary>Tokens one key's generations may produce per UTC day; 0 (the default) for no limit.</summary>
    public long GeneratedTokensPerDay { get; set; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or too large.</exception>
    public void Validate()
    {
        Check(ConcurrentRequests, ApiKeyLimits.MaxConcurrentRequests, nameof(ConcurrentRequests));
        Check(ConcurrentRequestsQueue, ApiKeyLimits.MaxConcurrentRequests, nameof(ConcurrentRequestsQueue));
        Check(RequestsPerMinute, ApiKeyLimits.MaxRequestsPerMinute, nameof(RequestsPerMinute));
        Check(GeneratedTokensPerDay, long.MaxValue, nameof(GeneratedTokensPerDay));
    }

    private static void Check(long value, long max, string name)
    {
        if (value < 0 || value > max)
        {
            throw new ArgumentOutOfRangeException(
                name, value, $"Bytez:Keys:Limits:{name} must be from 0 (no limit) to {max.ToString(CultureInfo.InvariantCulture)}.");
        }
    }
}
