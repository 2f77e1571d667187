namespace Bytez.Server.Auth;

/// <summary>
/// Who a request is: the key it presented, as <see cref="ApiKeyMiddleware"/> put it on the request's features
/// (<see cref="Of"/> reads it back). The server's own key (<c>BYTEZ_KEY</c> or the generated one) is
/// <see cref="Configured"/>, an admin key.
/// </summary>
/// <param name="Id">The key's id; <c>configured</c> for the server's own key.</param>
/// <param name="Name">The key's name, used as the actor in the audit log.</param>
/// <param name="Scopes">What the key may do (<see cref="ApiKeyScopes"/>).</param>
/// <param name="AllowedModels">Model id patterns the key may use; empty for every model.</param>
public sealed record ApiKeyIdentity(string Id, string Name, IReadOnlyList<string> Scopes, IReadOnlyList<string> AllowedModels)
{
    /// <summary>The server's own key: every scope, every model.</summary>
    public static ApiKeyIdentity Configured { get; } = new("configured", "configured", [ApiKeyScopes.Admin], []);

    /// <summary>The identity of an issued key.</summary>
    public static ApiKeyIdentity From(ApiKeyRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new ApiKeyIdentity(record.Id, record.Name, record.Scopes, record.AllowedModels);
    }

    /// <summary>The identity of the request's key, or <see langword="null"/> on a route that takes none.</summary>
    public static ApiKeyIdentity? Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<ApiKeyIdentity>();
    }

    /// <summary>Whether the key holds <paramref name="scope"/> (an admin key holds every scope).</summary>
    public bool Has(string scope) => ApiKeyScopes.Allows(Scopes, scope);

    /// <summary>Whether the key may use model <paramref name="modelId"/>: no patterns, or one that matches (<c>*</c> any text, case-insensitive).</summary>
    public bool AllowsModel(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        return AllowedModels.Count == 0 || AllowedModels.Any(pattern => Matches(pattern, modelId));
    }

    private static bool Matches(string pattern, string value)
    {
        var parts = pattern.Split('*');
        if (parts.Length == 1)
        {
            return string.Equals(pattern, value, StringComparison.OrdinalIgnoreCase);
        }

        if (!value.StartsWith(parts[0], StringComparison.OrdinalIgnoreCase) || !value.EndsWith(parts[^1], StringComparison.OrdinalIgnoreCase)
            || value.Length < parts[0].Length + parts[^1].Length)
        {
            return false;
        }

        var position = parts[0].Length;
        var end = value.Length - parts[^1].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = value.IndexOf(parts[i], position, end - position, StringComparison.OrdinalIgnoreCase);
            if (found < 0)
            {
                return false;
            }

            position = found + parts[i].Length;
        }

        return true;
    }
}
