using Bytez.Server.Auth;

namespace Bytez.Server.Usage;

/// <summary>
/// How many tokens a key may generate per UTC day: the limit <see cref="UsageMiddleware"/> enforces from the metered
/// totals: <see cref="KeyTokenBudget"/>, the key's own limit over the configured default.
/// </summary>
public interface IKeyTokenBudget
{
    /// <summary>The key's budget of generated tokens per UTC day, or <see langword="null"/> for none.</summary>
    long? GeneratedTokensPerDay(ApiKeyIdentity key);
}
