using System.Globalization;
using System.Text;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Hub.Jobs;
using Microsoft.Data.Sqlite;

namespace Bytez.Server.Responses;

/// <summary>
/// Stored responses in a SQLite database file of their own (write-ahead log, full sync: a response is on disk when
/// <see cref="SaveAsync"/> returns). A response expires <see cref="ResponsesOptions.Retention"/> after the last
/// response of its conversation was created; expiry is checked on every read, so a changed retention applies at once.
/// Safe for concurrent callers in one process; one server process owns the file.
/// </summary>
public sealed class SqliteResponseStore : IResponseStore, IDisposable
{
    private const int SchemaVersion = 1;

    private readonly string _connectionString;
    private readonly ResponsesOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Opens (creating if needed) the database file and its schema.</summary>
    /// <exception cref="InvalidOperationException">The file was written by a newer version of the server.</exception>
    public SqliteResponseStore(string path, ResponsesOptions options, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _time = time;
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = SqliteDurable.ConnectionString(Path);
        Migrate();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public async Task SaveAsync(StoredResponse response, IReadOnlyList<string> conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(conversation);
        var now = Now();
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO responses (id, previous_id, created_at, kept_at, bytes, input, response)
                VALUES ($id, $previous_id, $created_at, $kept_at, $bytes, $input, $response)
                """;
            var p = insert.Parameters;
            p.AddWithValue("$id", response.Id);
            p.AddWithValue("$previous_id", (object?)response.PreviousId ?? DBNull.Value);
            p.AddWithValue("$created_at", response.CreatedAt.ToUnixTimeMilliseconds());
            p.AddWithValue("$kept_at", now);
            p.AddWithValue("$bytes", (long)Encoding.UTF8.GetByteCount(response.InputItems) + Encoding.UTF8.GetByteCount(response.Response));
            p.AddWithValue("$input", response.InputItems);
            p.AddWithValue("$response", response.Response);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (conversation.Count > 0)
        {
            await using var keep = connection.CreateCommand();
            keep.Transaction = transaction;
            keep.CommandText = "UPDATE responses SET kept_at = max(kept_at, $now) WHERE id IN (SELECT value FROM json_each($ids))";
            keep.Parameters.AddWithValue("$now", now);
            keep.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(conversation, ResponsesJsonContext.Default.IReadOnlyListString));
            await keep.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<StoredResponse?> FindAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, previous_id, created_at, input, response FROM responses WHERE id = $id AND kept_at > $cutoff";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$cutoff", Cutoff());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredResponse>> LoadConversationAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var cutoff = Cutoff();

        // First the links alone (ids, sizes, expiry), bounded by the depth limit, so that nothing large is read for a
        // conversation that is refused.
        var links = new List<(string Id, string? Previous, bool Expired, long Bytes)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = Chain("r.id, r.previous_id, r.kept_at, r.bytes");
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$depth", _options.MaxConversationResponses);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                links.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2) <= cutoff, reader.GetInt64(3)));
            }
        }

        // Walk the links from the newest: each must be the one the previous named, and not expired.
        string? expected = id;
        long bytes = 0;
        var whole = 0;
        foreach (var link in links)
        {
            if (link.Id != expected || link.Expired)
            {
                break;
            }

            whole++;
            bytes += link.Bytes;
            expected = link.Previous;
            if (expected is null)
            {
                break;
            }
        }

        if (expected is not null)
        {
            if (whole == links.Count && whole > _options.MaxConversationResponses)
            {
                throw EngineException.BadInput(
                    $"The conversation of previous_response_id '{id}' has more than {_options.MaxConversationResponses} earlier responses (Bytez:Responses:MaxConversationResponses); start a new one with the input it needs.");
            }

            throw NotFound(expected);
        }

        if (bytes > _options.MaxConversationBytes)
        {
            throw EngineException.BadInput(
                $"The conversation of previous_response_id '{id}' holds {bytes} bytes, more than {_options.MaxConversationBytes} (Bytez:Responses:MaxConversationBytes); start a new one with the input it needs.");
        }

        var chain = new List<StoredResponse>(links.Count);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = Chain("r.id, r.previous_id, r.created_at, r.input, r.response");
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$depth", _options.MaxConversationResponses);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                chain.Add(Read(reader));
            }
        }

        if (chain.Count != links.Count)
        {
            // Deleted between the two reads.
            throw NotFound(id);
        }

        chain.Reverse();
        return chain;
    }

    /// <summary>The error of a response that is not stored (never was, deleted, expired or kept with <c>store: false</c>).</summary>
    public static EngineException NotFound(string id) => EngineException.NotFound($"Response with id '{id}' not found.");

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM responses WHERE id = $id AND kept_at > $cutoff";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$cutoff", Cutoff());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM responses WHERE kept_at <= $cutoff";
        command.Parameters.AddWithValue("$cutoff", Cutoff());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the pooled connections to the file.</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>The chain from <c>$id</c> back through <c>previous_id</c>, newest first, at most <c>$depth</c> + 1 rows.</summary>
    private static string Chain(string columns) => $"""
        WITH RECURSIVE chain(id, depth) AS (
            SELECT id, 0 FROM responses WHERE id = $id
            UNION ALL
            SELECT r.previous_id, c.depth + 1 FROM responses r JOIN chain c ON r.id = c.id
            WHERE r.previous_id IS NOT NULL AND c.depth < $depth
        )
        SELECT {columns} FROM chain c JOIN responses r ON r.id = c.id ORDER BY c.depth
        """;

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Rows kept at or before this time (Unix milliseconds) have expired.</summary>
    private long Cutoff() => Now() - (long)_options.Retention.TotalMilliseconds;

    private static StoredResponse Read(SqliteDataReader r) => new(
        r.GetString(0),
        r.IsDBNull(1) ? null : r.GetString(1),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)),
        r.GetString(3),
        r.GetString(4));

    private void Migrate()
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL;");
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

        Execute(connection, $"""
            CREATE TABLE IF NOT EXISTS responses (
                id TEXT PRIMARY KEY,
                previous_id TEXT,
                created_at INTEGER NOT NULL,
                kept_at INTEGER NOT NULL,
                bytes INTEGER NOT NULL,
                input TEXT NOT NULL,
                response TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS responses_kept_at ON responses (kept_at);
            PRAGMA user_version = {SchemaVersion};
            """);
    }

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => SqliteDurable.OpenAsync(_connectionString, cancellationToken);

    private static void Execute(SqliteConnection connection, string sql) => SqliteDurable.Execute(connection, sql);
}
