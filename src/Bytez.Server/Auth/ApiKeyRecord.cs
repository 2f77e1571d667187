namespace Bytez.Server.Auth;

/// <summary>
/// What the store knows about a key, never its secret: the id the admin API uses, the name and the prefix that identify
/// it to people, its scopes and allowed-model patterns, and when it was created, expires, was last used and revoked.
/// </summary>
/// <param name="Id">The key's id (<c>key_…</c>), stable across rotations.</param>
/// <param name="Name">The name it was created with.</param>
/// <param name="Prefix">The public part of the key (<c>bz_&lt;prefix&gt;_…</c>); a rotation changes it.</param>
/// <param name="Scopes">What the key may do (<see cref="ApiKeyScopes"/>).</param>
/// <param name="AllowedModels">Model id patterns (<c>*</c> matches any text) the key may use; empty means every model.</param>
/// <param name="CreatedAt">When the key was created.</param>
/// <param name="ExpiresAt">When the key stops being accepted; <see langword="null"/> for never.</param>
/// <param name="LastUsedAt">When the key last authenticated a request (to the minute); <see langword="null"/> for never.</param>
/// <param name="RevokedAt">When the key was revoked; <see langword="null"/> while it is active.</param>
public sealed record ApiKeyRecord(
    string Id,
    string Name,
    string Prefix,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> AllowedModels,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt)
{
    /// <summary>Whether the key is accepted at <paramref name="now"/>: not revoked and not expired.</summary>
    public bool IsActiveAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is not { } expires || now < expires);
}
