using System.Globalization;
using Bytez.Server.Auth;

namespace Bytez.Server.Usage;

/// <summary>
/// The default budget of generated tokens per UTC day for every issued key, from <see cref="ConfigurationKey"/>
/// (unset or 0: none). The server's own key (<see cref="ApiKeyIdentity.Configured"/>) has no budget, so an operator
/// cannot lock themselves out.
/// </summary>
public sealed class ConfiguredKeyTokenBudget : IKeyTokenBudget
{
    /// <summary>The configuration key of the default.</summary>
    public const string ConfigurationKey = "Bytez:Keys:Limits:GeneratedTokensPerDay";

    private readonly long? _perDay;

    /// <summary>Creates the budget with a per-day default (<see langword="null"/> or 0 for none).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="perDay"/> is negative.</exception>
    public ConfiguredKeyTokenBudget(long? perDay)
    {
        if (perDay < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(perDay), perDay, $"{ConfigurationKey} must be 0 (no budget) or a positive number of tokens.");
        }

        _perDay = perDay is > 0 ? perDay : null;
    }

    /// <summary>Reads the default from configuration.</summary>
    /// <exception cref="InvalidOperationException">The value is not a whole number of 0 or more.</exception>
    public static ConfiguredKeyTokenBudget Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var text = configuration[ConfigurationKey];
        if (string.IsNullOrWhiteSpace(text))
        {
            return new ConfiguredKeyTokenBudget(null);
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var perDay))
        {
            throw new InvalidOperationException($"{ConfigurationKey} must be a whole number of tokens (0 for no budget), not '{text}'.");
        }

        return new ConfiguredKeyTokenBudget(perDay);
    }

    /// <inheritdoc />
    public long? GeneratedTokensPerDay(ApiKeyIdentity key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Id == ApiKeyIdentity.Configured.Id ? null : _perDay;
    }
}
