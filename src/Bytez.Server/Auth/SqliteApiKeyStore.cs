using System.Globalization;
using System.Security.Cryptography;
using Bytez.Hub.Jobs;
using Microsoft.Data.Sqlite;

namespace Bytez.Server.Auth;

/// <summary>
/// Issued keys and their audit log in a SQLite database file of their own (write-ahead log, full sync: a created,
/// revoked or rotated key is on disk when the call returns). Only the SHA-256 hash of a key is stored
/// (<see cref="ApiKeyFormat"/>); its prefix is stored in clear and indexed to find the row. Revocation and expiry are
/// checked on every authentication, so they apply to the next request. Safe for concurrent callers in one process.
/// </summary>
public sealed class SqliteApiKeyStore : IApiKeyStore
{
    private const int SchemaVersion = 1;

    /// <summary>How stale <see cref="ApiKeyRecord.LastUsedAt"/> may be: at most one write per key per interval.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private static readonly byte[] NoHash = new byte[SHA256.HashSizeInBytes];

    private readonly string _connectionString;
    private readonly TimeProvider _time;

    /// <summary>Opens (creating if needed) the database file and its schema.</summary>
    /// <exception cref="InvalidOperationException">The file was written by a newer version of the server.</exception>
    public SqliteApiKeyStore(string path, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = SqliteDurable.ConnectionString(Path);
        Migrate();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public async Task<CreatedApiKey> CreateAsync(ApiKeySpec spec, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(actor);
        spec.Validate();
        var now = _time.GetUtcNow();
        var (key, prefix) = ApiKeyFormat.NewKey();
        var scopes = spec.Scopes.Distinct(StringComparer.Ordinal).ToArray();
        var models = (spec.AllowedModels ?? []).Distinct(StringComparer.Ordinal).ToArray();
        var record = new ApiKeyRecord(
            "key_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), spec.Name.Trim(), prefix, scopes, models, now, spec.ExpiresAt, null, null);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO keys (id, name, prefix, hash, scopes, allowed_models, created_at, expires_at)
                VALUES ($id, $name, $prefix, $hash, $scopes, $models, $created_at, $expires_at)
                """;
            var p = insert.Parameters;
            p.AddWithValue("$id", record.Id);
            p.AddWithValue("$name", record.Name);
            p.AddWithValue("$prefix", prefix);
            p.AddWithValue("$hash", ApiKeyFormat.Hash(key));
            p.AddWithValue("$scopes", string.Join(' ', scopes));
            p.AddWithValue("$models", string.Join('\n', models));
            p.AddWithValue("$created_at", now.ToUnixTimeMilliseconds());
            p.AddWithValue("$expires_at", spec.ExpiresAt is { } expires ? expires.ToUnixTimeMilliseconds() : DBNull.Value);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var detail = $"name={record.Name}; prefix={prefix}; scopes={string.Join(' ', scopes)}"
            + (models.Length > 0 ? $"; models={string.Join(' ', models)}" : "")
            + (spec.ExpiresAt is { } at ? $"; expires={at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}" : "");
        await AuditAsync(connection, transaction, now, "create", record.Id, actor, detail, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new CreatedApiKey(record, key);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<ApiKeyRecord>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT {Columns} FROM keys ORDER BY created_at, id";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                keys.Add(Read(reader));
            }
        }

        await AuditAsync(connection, null, _time.GetUtcNow(), "list", null, actor, $"{keys.Count} keys", cancellationToken).ConfigureAwait(false);
        return keys;
    }

    /// <inheritdoc />
    public async Task<ApiKeyRecord?> RevokeAsync(string id, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(actor);
        var now = _time.GetUtcNow();
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = "UPDATE keys SET revoked_at = $now WHERE id = $id AND revoked_at IS NULL";
            update.Parameters.AddWithValue("$id", id);
            update.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var record = await FindAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return null;
        }

        await AuditAsync(connection, transaction, now, "revoke", id, actor, $"prefix={record.Prefix}", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return record;
    }

    /// <inheritdoc />
    public async Task<CreatedApiKey?> RotateAsync(string id, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(actor);
        var now = _time.GetUtcNow();
        var (key, prefix) = ApiKeyFormat.NewKey();
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var old = await FindAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false);
        if (old is null || old.RevokedAt is not null)
        {
            return null;
        }

        await using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = "UPDATE keys SET prefix = $prefix, hash = $hash, last_used_at = NULL WHERE id = $id";
            update.Parameters.AddWithValue("$id", id);
            update.Parameters.AddWithValue("$prefix", prefix);
            update.Parameters.AddWithValue("$hash", ApiKeyFormat.Hash(key));
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await AuditAsync(connection, transaction, now, "rotate", id, actor, $"prefix={old.Prefix} -> {prefix}", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new CreatedApiKey(old with { Prefix = prefix, LastUsedAt = null }, key);
    }

    /// <inheritdoc />
    public async Task<ApiKeyRecord?> AuthenticateAsync(string presentedKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(presentedKey);
        var hash = ApiKeyFormat.Hash(presentedKey);
        var prefix = ApiKeyFormat.PrefixOf(presentedKey);
        if (prefix is null)
        {
            // Not an issued key's shape: compare anyway, so that every refusal costs the same hash and comparison.
            CryptographicOperations.FixedTimeEquals(hash, NoHash);
            return null;
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        ApiKeyRecord? record = null;
        var stored = NoHash;
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT {Columns}, hash FROM keys WHERE prefix = $prefix";
            command.Parameters.AddWithValue("$prefix", prefix);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                record = Read(reader);
                stored = (byte[])reader.GetValue(ColumnCount);
            }
        }

        var now = _time.GetUtcNow();
        if (!CryptographicOperations.FixedTimeEquals(hash, stored) || record is null || !record.IsActiveAt(now))
        {
            return null;
        }

        if (record.LastUsedAt is not { } last || now - last >= LastUsedResolution)
        {
            await using var touch = connection.CreateCommand();
            touch.CommandText = "UPDATE keys SET last_used_at = $now WHERE id = $id";
            touch.Parameters.AddWithValue("$id", record.Id);
            touch.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            await touch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            record = record with { LastUsedAt = now };
        }

        return record;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ApiKeyAuditEntry>> ReadAuditAsync(int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, at, action, key_id, actor, detail FROM audit ORDER BY seq DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<ApiKeyAuditEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new ApiKeyAuditEntry(
                reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.GetString(5)));
        }

        return rows;
    }

    private const string Columns = "id, name, prefix, scopes, allowed_models, created_at, expires_at, last_used_at, revoked_at";

    private const int ColumnCount = 9;

    private static ApiKeyRecord Read(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetString(3).Split(' ', StringSplitOptions.RemoveEmptyEntries),
        r.GetString(4).Split('\n', StringSplitOptions.RemoveEmptyEntries),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)),
        Time(r, 6),
        Time(r, 7),
        Time(r, 8));

    private static DateTimeOffset? Time(SqliteDataReader r, int column) =>
        r.IsDBNull(column) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(column));

    private static async Task<ApiKeyRecord?> FindAsync(SqliteConnection connection, SqliteTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {Columns} FROM keys WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    private static async Task AuditAsync(
        SqliteConnection connection, SqliteTransaction? transaction, DateTimeOffset at, string action, string? keyId, string actor, string detail,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO audit (at, action, key_id, actor, detail) VALUES ($at, $action, $key_id, $actor, $detail)";
        var p = command.Parameters;
        p.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        p.AddWithValue("$action", action);
        p.AddWithValue("$key_id", (object?)keyId ?? DBNull.Value);
        p.AddWithValue("$actor", actor);
        p.AddWithValue("$detail", detail);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Migrate()
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        SqliteDurable.Execute(connection, "PRAGMA journal_mode = WAL;");
        using (var version = connection.CreateCommand())
        {
            version.CommandText = "PRAGMA user_version;";
            var current = Convert.ToInt32(version.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (current > SchemaVersion)
            {
                throw new InvalidOperationException(
                    $"{Path} has schema version {current}, newer than this server's {SchemaVersion}; use a newer server or another data directory.");
            }
        }

        SqliteDurable.Execute(connection, $"""
            CREATE TABLE IF NOT EXISTS keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                prefix TEXT NOT NULL UNIQUE,
                hash BLOB NOT NULL,
                scopes TEXT NOT NULL,
                allowed_models TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER,
                last_used_at INTEGER,
                revoked_at INTEGER
            );
            CREATE TABLE IF NOT EXISTS audit (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                at INTEGER NOT NULL,
                action TEXT NOT NULL,
                key_id TEXT,
                actor TEXT NOT NULL,
                detail TEXT NOT NULL
            );
            PRAGMA user_version = {SchemaVersion};
            """);
    }

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => SqliteDurable.OpenAsync(_connectionString, cancellationToken);
}
