namespace Bytez.Server.Auth;

/// <summary>
/// The answer of <see cref="KeyRateLimits.AdmitAsync"/>: admitted (holding a concurrency slot until disposed) or
/// refused with the message and the wait of a 429, and in both cases what is left of the key's limits.
/// </summary>
public sealed class KeyAdmission : IDisposable
{
    private System.Threading.RateLimiting.RateLimitLease? _slot;

    /// <summary>An admitted request of a key without limits.</summary>
    public static KeyAdmission Unlimited { get; } = new(null, KeyBudget.None);

    /// <summary>An admitted request, holding <paramref name="slot"/> (if the key has a concurrency limit).</summary>
    public KeyAdmission(System.Threading.RateLimiting.RateLimitLease? slot, KeyBudget budget)
    {
        _slot = slot;
        Budget = budget ?? throw new ArgumentNullException(nameof(budget));
        IsAdmitted = true;
    }

    /// <summary>A refused request.</summary>
    public KeyAdmission(string refusal, TimeSpan retryAfter, KeyBudget budget)
    {
        Refusal = refusal ?? throw new ArgumentNullException(nameof(refusal));
        RetryAfter = retryAfter;
        Budget = budget ?? throw new ArgumentNullException(nameof(budget));
    }

    /// <summary>Whether the request may go on.</summary>
    public bool IsAdmitted { get; }

    /// <summary>Why it was refused (it starts with Bytez's <c>Rate limit exceeded</c>); <see langword="null"/> when admitted.</summary>
    public string? Refusal { get; }

    /// <summary>When to try again, for a refusal.</summary>
    public TimeSpan RetryAfter { get; }

    /// <summary>What is left of the key's limits, for the rate-limit headers.</summary>
    public KeyBudget Budget { get; }

    /// <summary>Frees the concurrency slot.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _slot, null)?.Dispose();
    }
}
