using System.Globalization;
using System.Text.Json;

namespace Bytez;

/// <summary>
/// The admin API of a self-hosted Bytez server (<c>/admin/v1/keys</c>), reached through <see cref="BytezClient.Admin"/>:
/// create, list, revoke and rotate API keys, and read their audit log. Every call needs a key with the
/// <see cref="ApiKeyScope.Admin"/> scope; the hosted service has no such API.
/// </summary>
public sealed class BytezAdminClient
{
    private readonly BytezClient _client;

    internal BytezAdminClient(BytezClient client) => _client = client;

    /// <summary>
    /// The base of the key routes: the server's root (the client's base address without its <c>models/v2/</c>) plus
    /// <c>admin/v1/keys</c>, so a server behind a path prefix is reached under it too.
    /// </summary>
    public Uri KeysAddress => KeysAddressOf(_client.BaseAddress);

    /// <summary>Creates a key (<c>POST /admin/v1/keys</c>). Its secret is in the result only: keep it, it is never shown again.</summary>
    /// <param name="options">The key's name, scopes, expiry and allowed models.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public async Task<BytezResult<NewApiKey>> CreateKeyAsync(ApiKeyCreateOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var body = JsonSerializer.SerializeToUtf8Bytes(options, AdminJsonContext.Default.ApiKeyCreateOptions);
        var result = await _client.SendAdminAsync(HttpMethod.Post, KeysAddress, body, cancellationToken).ConfigureAwait(false);
        return Envelope.Typed(result, AdminJsonContext.Default.NewApiKey);
    }

    /// <summary>Lists the keys (<c>GET /admin/v1/keys</c>): ids, names, prefixes, scopes and times; never a secret.</summary>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public async Task<BytezResult<IReadOnlyList<ApiKeyInfo>>> ListKeysAsync(CancellationToken cancellationToken = default)
    {
        var result = await _client.SendAdminAsync(HttpMethod.Get, KeysAddress, null, cancellationToken).ConfigureAwait(false);
        return Envelope.Typed(result, AdminJsonContext.Default.IReadOnlyListApiKeyInfo);
    }

    /// <summary>Revokes a key at once (<c>DELETE /admin/v1/keys/{id}</c>): its next request is refused.</summary>
    /// <param name="id">The key's id (<see cref="ApiKeyInfo.Id"/>).</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The revoked key's record, or an error (404 for an unknown id).</returns>
    public async Task<BytezResult<ApiKeyInfo>> RevokeKeyAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var result = await _client.SendAdminAsync(HttpMethod.Delete, KeyAddress(id, ""), null, cancellationToken).ConfigureAwait(false);
        return Envelope.Typed(result, AdminJsonContext.Default.ApiKeyInfo);
    }

    /// <summary>
    /// Gives a key a new secret (<c>POST /admin/v1/keys/{id}/rotate</c>); the old secret stops working. The new
    /// secret is in the result only.
    /// </summary>
    /// <param name="id">The key's id (<see cref="ApiKeyInfo.Id"/>).</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The new secret and the key's record, or an error (404 for an unknown or revoked key).</returns>
    public async Task<BytezResult<NewApiKey>> RotateKeyAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var result = await _client.SendAdminAsync(HttpMethod.Post, KeyAddress(id, "/rotate"), null, cancellationToken).ConfigureAwait(false);
        return Envelope.Typed(result, AdminJsonContext.Default.NewApiKey);
    }

    /// <summary>
    /// Sets a key's limits (<c>PATCH /admin/v1/keys/{id}/limits</c>) without rotating it; they hold from its next
    /// request. All three limits are sent, so the call sets the whole of them: a <see langword="null"/> limit goes back
    /// to the server's default, 0 lifts it. To change one limit only, pass the others as
    /// <see cref="ApiKeyInfo.Limits"/> holds them.
    /// </summary>
    /// <param name="id">The key's id (<see cref="ApiKeyInfo.Id"/>).</param>
    /// <param name="limits">The key's limits.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The key's record with its new limits, or an error (404 for an unknown or revoked key, 400 for a negative limit).</returns>
    public async Task<BytezResult<ApiKeyInfo>> SetKeyLimitsAsync(string id, ApiKeyLimits limits, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(limits);
        var body = JsonSerializer.SerializeToUtf8Bytes(limits, AdminJsonContext.Default.ApiKeyLimits);
        var result = await _client.SendAdminAsync(HttpMethod.Patch, KeyAddress(id, "/limits"), body, cancellationToken).ConfigureAwait(false);
        return Envelope.Typed(result, AdminJsonContext.Default.ApiKeyInfo);
    }

    /// <summary>Reads the newest rows of the key audit log (<c>GET /admin/v1/keys/audit</c>).</summary>
    /// <param name="limit">How many rows, 1 to 10000; <see langword="null"/> for the server's default (100).</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public async Task<BytezResult<IReadOnlyList<ApiKeyAuditRecord>>> GetKeyAuditAsync(int? limit = null, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must be from 1 to 10000.");
        }

        var query = limit is { } n ? "?limit=" + n.ToString(CultureInfo.InvariantCulture) : "";
        var result = await _client.SendAdminAsync(HttpMethod.Get, new Uri(KeysAddress.AbsoluteUri + "/audit" + query), null, cancellationToken)
            .ConfigureAwait(false);
        return Envelope.Typed(result, AdminJsonContext.Default.IReadOnlyListApiKeyAuditRecord);
    }

    /// <summary>The key routes' base for a client base address: <c>http://h/models/v2/</c> gives <c>http://h/admin/v1/keys</c>.</summary>
    internal static Uri KeysAddressOf(Uri baseAddress)
    {
        const string api = "models/v2/";
        var path = baseAddress.AbsolutePath;
        if (!path.EndsWith('/'))
        {
            path += "/";
        }

        if (path.EndsWith(api, StringComparison.OrdinalIgnoreCase))
        {
            path = path[..^api.Length];
        }

        return new UriBuilder(baseAddress) { Path = path + "admin/v1/keys", Query = "", Fragment = "" }.Uri;
    }

    private Uri KeyAddress(string id, string suffix) => new(KeysAddress.AbsoluteUri + "/" + Uri.EscapeDataString(id) + suffix);
}
