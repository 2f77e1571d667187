using System.Globalization;
using Bytez.Hub.Jobs;
using Microsoft.Data.Sqlite;

namespace Bytez.Server.Usage;

/// <summary>
/// Metered usage in a SQLite database file of its own (write-ahead log, full sync), one row per key × model × UTC day;
/// inference time is kept in whole microseconds so sums stay exact. Safe for concurrent callers in one process.
/// </summary>
public sealed class SqliteUsageStore : IUsageStore
{
    private const int SchemaVersion = 1;

    private const string Columns = "key_id, key_name, model_id, day, requests, inference_us, input_tokens, generated_tokens, downloads";

    private readonly string _connectionString;

    /// <summary>Opens (creating if needed) the database file and its schema.</summary>
    /// <exception cref="InvalidOperationException">The file was written by a newer version of the server.</exception>
    public SqliteUsageStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = SqliteDurable.ConnectionString(Path);
        Migrate();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public async Task AddAsync(IReadOnlyCollection<UsageRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return;
        }

        await using var connection = await SqliteDurable.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            INSERT INTO usage ({Columns})
            VALUES ($key_id, $key_name, $model_id, $day, $requests, $inference_us, $input_tokens, $generated_tokens, $downloads)
            ON CONFLICT (key_id, model_id, day) DO UPDATE SET
                key_name = excluded.key_name,
                requests = requests + excluded.requests,
                inference_us = inference_us + excluded.inference_us,
                input_tokens = input_tokens + excluded.input_tokens,
                generated_tokens = generated_tokens + excluded.generated_tokens,
                downloads = downloads + excluded.downloads
            """;
        var p = command.Parameters;
        var keyId = p.Add("$key_id", SqliteType.Text);
        var keyName = p.Add("$key_name", SqliteType.Text);
        var modelId = p.Add("$model_id", SqliteType.Text);
        var day = p.Add("$day", SqliteType.Integer);
        var requests = p.Add("$requests", SqliteType.Integer);
        var inference = p.Add("$inference_us", SqliteType.Integer);
        var input = p.Add("$input_tokens", SqliteType.Integer);
        var generated = p.Add("$generated_tokens", SqliteType.Integer);
        var downloads = p.Add("$downloads", SqliteType.Integer);
        foreach (var row in rows)
        {
            keyId.Value = row.KeyId;
            keyName.Value = row.KeyName;
            modelId.Value = row.ModelId;
            day.Value = row.Day.DayNumber;
            requests.Value = row.Requests;
            inference.Value = (long)Math.Round(row.InferenceSeconds * 1e6);
            input.Value = row.InputTokens;
            generated.Value = row.GeneratedTokens;
            downloads.Value = row.DownloadRequests;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<UsageRow>> ReadAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await SqliteDurable.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM usage
            WHERE day BETWEEN $from AND $to
              AND ($key_id IS NULL OR key_id = $key_id)
              AND ($model_id IS NULL OR model_id = $model_id COLLATE NOCASE)
            ORDER BY day, key_name, key_id, model_id
            """;
        command.Parameters.AddWithValue("$from", query.From.DayNumber);
        command.Parameters.AddWithValue("$to", query.To.DayNumber);
        command.Parameters.AddWithValue("$key_id", (object?)query.KeyId ?? DBNull.Value);
        command.Parameters.AddWithValue("$model_id", (object?)query.ModelId ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<UsageRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new UsageRow(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), DateOnly.FromDayNumber(reader.GetInt32(3)),
                reader.GetInt64(4), reader.GetInt64(5) / 1e6, reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8)));
        }

        return rows;
    }

    /// <inheritdoc />
    public async Task<long> GeneratedTokensAsync(string keyId, DateOnly day, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        await using var connection = await SqliteDurable.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(SUM(generated_tokens), 0) FROM usage WHERE key_id = $key_id AND day = $day";
        command.Parameters.AddWithValue("$key_id", keyId);
        command.Parameters.AddWithValue("$day", day.DayNumber);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
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
            CREATE TABLE IF NOT EXISTS usage (
                key_id TEXT NOT NULL,
                key_name TEXT NOT NULL,
                model_id TEXT NOT NULL,
                day INTEGER NOT NULL,
                requests INTEGER NOT NULL,
                inference_us INTEGER NOT NULL,
                input_tokens INTEGER NOT NULL,
                generated_tokens INTEGER NOT NULL,
                downloads INTEGER NOT NULL,
                PRIMARY KEY (key_id, model_id, day)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS usage_by_day ON usage (day);
            PRAGMA user_version = {SchemaVersion};
            """);
    }
}
