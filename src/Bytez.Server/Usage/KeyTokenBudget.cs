using Bytez.Server.Auth;

namespace Bytez.Server.Usage;

/// <summary>
/// The budget of generated tokens per UTC day in force for a key: its own <c>generatedTokensPerDay</c> over the
/// configured default <c>Bytez:Keys:Limits:GeneratedTokensPerDay</c> (<see cref="KeyRateLimits.InForce"/>); 0 or unset
/// is none, and the server's own key has none, so an operator cannot lock themselves out.
/// </summary>
public sealed class KeyTokenBudget(KeyRateLimits limits) : IKeyTokenBudget
{
    /// <inheritdoc />
    public long? GeneratedTokensPerDay(ApiKeyIdentity key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return limits.InForce(key).GeneratedTokensPerDay is > 0 and var perDay ? perDay : null;
    }
}
