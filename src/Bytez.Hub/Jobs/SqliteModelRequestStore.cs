using System.Globalization;
using System.Text.Json;
using Bytez.Protocol;
using Microsoft.Data.Sqlite;

namespace Bytez.Hub.Jobs;

/// <summary>
/// Model request jobs in a SQLite database file (write-ahead log, full sync: a write is on disk when the call
/// returns). Safe for concurrent callers in one process; one server process owns the file.
/// </summary>
public sealed class SqliteModelRequestStore : IModelRequestStore
{
    private const int SchemaVersion = 3;

    private const string Columns =
        "model_id, state, revision, commit_sha, task, format, model_path, files, bytes_done, bytes_total, error, webhook, " +
        "ram_bytes, parameter_count, attempts, created_at, started_at, ended_at, updated_at, retries, retry_reason, source, note";

    private readonly string _connectionString;

    // SQLite serializes writers anyway; one gate keeps the enqueue's read-then-write atomic without busy retries.
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Opens (creating if needed) the database file and its schema.</summary>
    /// <exception cref="InvalidOperationException">The file was written by a newer version of the server.</exception>
    public SqliteModelRequestStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = SqliteDurable.ConnectionString(Path);
        Migrate();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public async Task<(ModelRequestJob Job, bool Created)> EnqueueAsync(
        string modelId, string revision, string? webhook, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        ArgumentException.ThrowIfNullOrEmpty(revision);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await FindAsync(modelId, cancellationToken).ConfigureAwait(false) is { } existing && !existing.IsFinished)
            {
                return (existing, false);
            }

            var job = new ModelRequestJob
            {
                ModelId = modelId,
                State = ModelRequestStates.Queued,
                Revision = revision,
                Webhook = webhook,
                CreatedAt = now,
                UpdatedAt = now,
            };
            await SaveCoreAsync(job, cancellationToken).ConfigureAwait(false);
            return (job, true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<ModelRequestJob?> FindAsync(string modelId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM model_requests WHERE model_key = $key";
        command.Parameters.AddWithValue("$key", Key(modelId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ModelRequestJob>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM model_requests ORDER BY created_at DESC, model_key";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var jobs = new List<ModelRequestJob>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            jobs.Add(Read(reader));
        }

        return jobs;
    }

    /// <inheritdoc />
    public async Task SaveAsync(ModelRequestJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SaveCoreAsync(job, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task SaveCoreAsync(ModelRequestJob job, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            INSERT INTO model_requests (model_key, {Columns})
            VALUES ($key, $model_id, $state, $revision, $commit_sha, $task, $format, $model_path, $files, $bytes_done, $bytes_total,
                    $error, $webhook, $ram_bytes, $parameter_count, $attempts, $created_at, $started_at, $ended_at, $updated_at,
                    $retries, $retry_reason, $source, $note)
            ON CONFLICT (model_key) DO UPDATE SET
                model_id = excluded.model_id, state = excluded.state, revision = excluded.revision, commit_sha = excluded.commit_sha,
                task = excluded.task, format = excluded.format, model_path = excluded.model_path, files = excluded.files,
                bytes_done = excluded.bytes_done, bytes_total = excluded.bytes_total, error = excluded.error, webhook = excluded.webhook,
                ram_bytes = excluded.ram_bytes, parameter_count = excluded.parameter_count, attempts = excluded.attempts,
                created_at = excluded.created_at, started_at = excluded.started_at, ended_at = excluded.ended_at, updated_at = excluded.updated_at,
                retries = excluded.retries, retry_reason = excluded.retry_reason, source = excluded.source, note = excluded.note
            """;
        var p = command.Parameters;
        p.AddWithValue("$key", Key(job.ModelId));
        p.AddWithValue("$model_id", job.ModelId);
        p.AddWithValue("$state", job.State);
        p.AddWithValue("$revision", job.Revision);
        p.AddWithValue("$commit_sha", (object?)job.Commit ?? DBNull.Value);
        p.AddWithValue("$task", (object?)job.Task ?? DBNull.Value);
        p.AddWithValue("$format", (object?)job.Format ?? DBNull.Value);
        p.AddWithValue("$model_path", (object?)job.ModelPath ?? DBNull.Value);
        p.AddWithValue("$files", JsonSerializer.Serialize(job.Files.ToList(), HubJsonContext.Default.ListModelRequestFile));
        p.AddWithValue("$bytes_done", job.BytesDone);
        p.AddWithValue("$bytes_total", job.BytesTotal);
        p.AddWithValue("$error", (object?)job.Error ?? DBNull.Value);
        p.AddWithValue("$webhook", (object?)job.Webhook ?? DBNull.Value);
        p.AddWithValue("$ram_bytes", (object?)job.RamBytes ?? DBNull.Value);
        p.AddWithValue("$parameter_count", (object?)job.ParameterCount ?? DBNull.Value);
        p.AddWithValue("$attempts", job.Attempts);
        p.AddWithValue("$created_at", Time(job.CreatedAt));
        p.AddWithValue("$started_at", job.StartedAt is { } started ? Time(started) : DBNull.Value);
        p.AddWithValue("$ended_at", job.EndedAt is { } ended ? Time(ended) : DBNull.Value);
        p.AddWithValue("$updated_at", Time(job.UpdatedAt));
        p.AddWithValue("$retries", job.Retries);
        p.AddWithValue("$retry_reason", (object?)job.RetryReason ?? DBNull.Value);
        p.AddWithValue("$source", (object?)job.Source ?? DBNull.Value);
        p.AddWithValue("$note", (object?)job.Note ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Migrate()
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        int current;
        using (var version = connection.CreateCommand())
        {
            version.CommandText = "PRAGMA user_version;";
            current = Convert.ToInt32(version.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (current > SchemaVersion)
            {
                throw new InvalidOperationException(
                    $"{Path} has schema version {current}, newer than this server's {SchemaVersion}; use a newer server or another data directory.");
            }
        }

        if (current == 1)
        {
            // Version 2 keeps the retry count and reason of a job's run.
            Execute(connection, "ALTER TABLE model_requests ADD COLUMN retries INTEGER NOT NULL DEFAULT 0; ALTER TABLE model_requests ADD COLUMN retry_reason TEXT;");
        }

        if (current is 1 or 2)
        {
            // Version 3 keeps the repository the files come from (a conversion of the model asked for) and why.
            Execute(connection, "ALTER TABLE model_requests ADD COLUMN source TEXT; ALTER TABLE model_requests ADD COLUMN note TEXT;");
        }

        Execute(connection, $"""
            CREATE TABLE IF NOT EXISTS model_requests (
                model_key TEXT PRIMARY KEY,
                model_id TEXT NOT NULL,
                state TEXT NOT NULL,
                revision TEXT NOT NULL,
                commit_sha TEXT,
                task TEXT,
                format TEXT,
                model_path TEXT,
                files TEXT NOT NULL DEFAULT '[]',
                bytes_done INTEGER NOT NULL DEFAULT 0,
                bytes_total INTEGER NOT NULL DEFAULT 0,
                error TEXT,
                webhook TEXT,
                ram_bytes INTEGER,
                parameter_count INTEGER,
                attempts INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL,
                started_at TEXT,
                ended_at TEXT,
                updated_at TEXT NOT NULL,
                retries INTEGER NOT NULL DEFAULT 0,
                retry_reason TEXT,
                source TEXT,
                note TEXT
            );
            PRAGMA user_version = {SchemaVersion};
            """);
    }

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => SqliteDurable.OpenAsync(_connectionString, cancellationToken);

    private static void Execute(SqliteConnection connection, string sql) => SqliteDurable.Execute(connection, sql);

    private static ModelRequestJob Read(SqliteDataReader r) => new()
    {
        ModelId = r.GetString(0),
        State = r.GetString(1),
        Revision = r.GetString(2),
        Commit = NullableString(r, 3),
        Task = NullableString(r, 4),
        Format = NullableString(r, 5),
        ModelPath = NullableString(r, 6),
        Files = JsonSerializer.Deserialize(r.GetString(7), HubJsonContext.Default.ListModelRequestFile) ?? [],
        BytesDone = r.GetInt64(8),
        BytesTotal = r.GetInt64(9),
        Error = NullableString(r, 10),
        Webhook = NullableString(r, 11),
        RamBytes = r.IsDBNull(12) ? null : r.GetInt64(12),
        ParameterCount = r.IsDBNull(13) ? null : r.GetInt64(13),
        Attempts = r.GetInt32(14),
        CreatedAt = ParseTime(r.GetString(15)),
        StartedAt = r.IsDBNull(16) ? null : ParseTime(r.GetString(16)),
        EndedAt = r.IsDBNull(17) ? null : ParseTime(r.GetString(17)),
        UpdatedAt = ParseTime(r.GetString(18)),
        Retries = r.GetInt32(19),
        RetryReason = NullableString(r, 20),
        Source = NullableString(r, 21),
        Note = NullableString(r, 22),
    };

    private static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static string Key(string modelId) => modelId.ToLowerInvariant();

    // Round-trip format in UTC sorts as text, so ORDER BY created_at is chronological.
    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
