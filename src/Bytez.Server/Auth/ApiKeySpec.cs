namespace Bytez.Server.Auth;

/// <summary>What a new key is created with.</summary>
/// <param name="Name">A name people recognise it by (1 to 100 characters).</param>
/// <param name="Scopes">At least one of <see cref="ApiKeyScopes.All"/>.</param>
/// <param name="ExpiresAt">When it stops being accepted; <see langword="null"/> for never.</param>
/// <param name="AllowedModels">Model id patterns it may use (<c>*</c> matches any text); empty for every model.</param>
public sealed record ApiKeySpec(string Name, IReadOnlyList<string> Scopes, DateTimeOffset? ExpiresAt = null, IReadOnlyList<string>? AllowedModels = null)
{
    /// <summary>The longest name accepted.</summary>
    public const int MaxNameLength = 100;

    /// <summary>The most allowed-model patterns a key takes.</summary>
    public const int MaxAllowedModels = 100;

    /// <summary>Checks the spec; throws with a message that says what is expected.</summary>
    /// <exception cref="ArgumentException">A field is missing or out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > MaxNameLength || Name.Any(char.IsControl))
        {
            throw new ArgumentException($"'name' must be 1 to {MaxNameLength} printable characters.");
        }

        if (Scopes is null || Scopes.Count == 0)
        {
            throw new ArgumentException($"'scopes' must list at least one of: {string.Join(", ", ApiKeyScopes.All)}.");
        }

        foreach (var scope in Scopes)
        {
            if (!ApiKeyScopes.IsKnown(scope))
            {
                throw new ArgumentException($"Unknown scope '{scope}'; the scopes are: {string.Join(", ", ApiKeyScopes.All)}.");
            }
        }

        if (AllowedModels is { } models)
        {
            if (models.Count > MaxAllowedModels)
            {
                throw new ArgumentException($"'allowedModels' takes at most {MaxAllowedModels} patterns.");
            }

            foreach (var pattern in models)
            {
                if (string.IsNullOrWhiteSpace(pattern) || pattern.Length > 200 || pattern.Any(char.IsControl))
                {
                    throw new ArgumentException("Each 'allowedModels' pattern must be a model id of 1 to 200 characters, '*' matching any text (e.g. \"Qwen/*\").");
                }
            }
        }
    }
}
