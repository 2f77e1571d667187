namespace Bytez.Server.Auth;

/// <summary>
/// Where the server keeps the keys it issues (only a hash of each) and the audit log of every operation on them.
/// SQLite today (<see cref="SqliteApiKeyStore"/>); the interface lets a shared database replace it for a cluster of servers.
/// </summary>
public interface IApiKeyStore
{
    /// <summary>Creates a key; the returned secret is the only copy. Audited as <c>create</c> by <paramref name="actor"/>.</summary>
    /// <exception cref="ArgumentException">The spec is invalid (<see cref="ApiKeySpec.Validate"/>).</exception>
    Task<CreatedApiKey> CreateAsync(ApiKeySpec spec, string actor, CancellationToken cancellationToken);

    /// <summary>Every key, revoked ones too, the oldest first. Audited as <c>list</c>.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string actor, CancellationToken cancellationToken);

    /// <summary>Revokes a key at once; <see langword="null"/> when there is no such key. Revoking twice keeps the first time.</summary>
    Task<ApiKeyRecord?> RevokeAsync(string id, string actor, CancellationToken cancellationToken);

    /// <summary>
    /// Gives an active key a new prefix and secret (the old key is refused from now on), keeping its id, name, scopes and
    /// expiry; <see langword="null"/> when there is no such key or it is revoked.
    /// </summary>
    Task<CreatedApiKey?> RotateAsync(string id, string actor, CancellationToken cancellationToken);

    /// <summary>
    /// The record of the active key <paramref name="presentedKey"/> is, or <see langword="null"/> (unknown, wrong
    /// secret, revoked, expired). The comparison takes the same path for a wrong secret as for a right prefix.
    /// </summary>
    Task<ApiKeyRecord?> AuthenticateAsync(string presentedKey, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="limit"/> audit rows, the newest first.</summary>
    Task<IReadOnlyList<ApiKeyAuditEntry>> ReadAuditAsync(int limit, CancellationToken cancellationToken);
}
