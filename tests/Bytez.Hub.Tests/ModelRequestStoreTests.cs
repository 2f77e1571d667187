using Bytez.Hub.Jobs;
using Bytez.Protocol;

namespace Bytez.Hub.Tests;

/// <summary>The SQLite job store on a real database file: what survives a reopen, how duplicate requests join.</summary>
public sealed class ModelRequestStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Directory.CreateTempSubdirectory("bytez-store-").FullName;

    private string DatabasePath => Path.Combine(_folder, "state", "bytez.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EnqueueAsync_NewModel_CreatesQueuedJobThatSurvivesReopening()
    {
        var store = new SqliteModelRequestStore(DatabasePath);
        var (job, created) = await store.EnqueueAsync("Org/Model", "main", "https://example.com/hook", T0, Ct);

        var reopened = new SqliteModelRequestStore(DatabasePath);
        var found = await reopened.FindAsync("org/model", Ct);

        Assert.True(created);
        Assert.Equal(ModelRequestStates.Queued, job.State);
        Assert.NotNull(found);
        Assert.Equal("Org/Model", found.ModelId);
        Assert.Equal("main", found.Revision);
        Assert.Equal("https://example.com/hook", found.Webhook);
        Assert.Equal(T0, found.CreatedAt);
    }

    [Fact]
    public async Task EnqueueAsync_UnfinishedJob_JoinsIt()
    {
        var store = new SqliteModelRequestStore(DatabasePath);
        var (first, _) = await store.EnqueueAsync("org/model", "main", null, T0, Ct);
        await store.SaveAsync(first with { State = ModelRequestStates.Downloading, BytesDone = 10, BytesTotal = 100 }, Ct);

        var (second, created) = await store.EnqueueAsync("ORG/MODEL", "main", null, T0.AddMinutes(1), Ct);

        Assert.False(created);
        Assert.Equal(ModelRequestStates.Downloading, second.State);
        Assert.Equal(10, second.BytesDone);
        Assert.Single(await store.ListAsync(Ct));
    }

    [Theory]
    [InlineData(ModelRequestStates.Failed)]
    [InlineData(ModelRequestStates.Ready)]
    public async Task EnqueueAsync_FinishedJob_QueuesItAgainClean(string finalState)
    {
        var store = new SqliteModelRequestStore(DatabasePath);
        var (first, _) = await store.EnqueueAsync("org/model", "main", null, T0, Ct);
        await store.SaveAsync(first with { State = finalState, Error = "boom", EndedAt = T0.AddMinutes(1), Attempts = 2 }, Ct);

        var (again, created) = await store.EnqueueAsync("org/model", "v2", null, T0.AddMinutes(2), Ct);

        Assert.True(created);
        Assert.Equal(ModelRequestStates.Queued, again.State);
        Assert.Null(again.Error);
        Assert.Null(again.EndedAt);
        Assert.Equal("v2", again.Revision);
        Assert.Equal(again with { Files = [] }, (await store.FindAsync("org/model", Ct))! with { Files = [] });
    }

    [Fact]
    public async Task SaveAsync_EveryField_RoundTrips()
    {
        var store = new SqliteModelRequestStore(DatabasePath);
        var job = new ModelRequestJob
        {
            ModelId = "org/model",
            State = ModelRequestStates.Ready,
            Revision = "main",
            Commit = new string('a', 40),
            Source = "quantizer/model-GGUF",
            Note = "Using quantizer/model-GGUF, a GGUF conversion of org/model",
            Task = BytezTasks.Chat,
            Format = ModelFormats.Gguf,
            ModelPath = "model-Q4_K_M.gguf",
            Files = [new ModelRequestFile { Path = "model-Q4_K_M.gguf", Size = 123, Sha256 = new string('b', 64) }, new ModelRequestFile { Path = "README.md", Size = 4 }],
            BytesDone = 127,
            BytesTotal = 127,
            Webhook = "https://example.com/hook",
            RamBytes = 1_234_567_890,
            ParameterCount = 494_000_000,
            Attempts = 3,
            CreatedAt = T0,
            StartedAt = T0.AddSeconds(1),
            EndedAt = T0.AddSeconds(90),
            UpdatedAt = T0.AddSeconds(90),
        };

        await store.SaveAsync(job, Ct);
        var read = await new SqliteModelRequestStore(DatabasePath).FindAsync("org/model", Ct);

        Assert.NotNull(read);
        Assert.Equal(job with { Files = [] }, read with { Files = [] });
        Assert.Equal(
            job.Files.Select(f => (f.Path, f.Size, f.Sha256)),
            read.Files.Select(f => (f.Path, f.Size, f.Sha256)));
    }

    [Fact]
    public async Task ListAsync_SeveralJobs_NewestFirst()
    {
        var store = new SqliteModelRequestStore(DatabasePath);
        await store.EnqueueAsync("org/old", "main", null, T0, Ct);
        await store.EnqueueAsync("org/new", "main", null, T0.AddHours(1), Ct);
        await store.EnqueueAsync("org/middle", "main", null, T0.AddMinutes(30), Ct);

        var jobs = await store.ListAsync(Ct);

        Assert.Equal(["org/new", "org/middle", "org/old"], jobs.Select(j => j.ModelId));
    }

    [Fact]
    public async Task EnqueueAsync_ManyConcurrentRequestsForOneModel_CreateOneJob()
    {
        var store = new SqliteModelRequestStore(DatabasePath);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => store.EnqueueAsync("org/model", "main", null, T0, Ct), Ct)));

        Assert.Single(results, r => r.Created);
        Assert.Single(await store.ListAsync(Ct));
    }

    [Fact]
    public void Constructor_DatabaseFromNewerServer_RefusesToOpen()
    {
        _ = new SqliteModelRequestStore(DatabasePath);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            command.ExecuteNonQuery();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var error = Assert.Throws<InvalidOperationException>(() => new SqliteModelRequestStore(DatabasePath));

        Assert.Contains("newer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Constructor_DatabaseOfSchemaVersion1_KeepsItsJobsAndStoresRetries()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE model_requests (
                    model_key TEXT PRIMARY KEY, model_id TEXT NOT NULL, state TEXT NOT NULL, revision TEXT NOT NULL,
                    commit_sha TEXT, task TEXT, format TEXT, model_path TEXT, files TEXT NOT NULL DEFAULT '[]',
                    bytes_done INTEGER NOT NULL DEFAULT 0, bytes_total INTEGER NOT NULL DEFAULT 0, error TEXT, webhook TEXT,
                    ram_bytes INTEGER, parameter_count INTEGER, attempts INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL, started_at TEXT, ended_at TEXT, updated_at TEXT NOT NULL);
                INSERT INTO model_requests (model_key, model_id, state, revision, created_at, updated_at)
                    VALUES ('org/old', 'org/old', 'downloading', 'main', '2026-11-28T12:00:00.0000000Z', '2026-11-28T12:00:00.0000000Z');
                PRAGMA user_version = 1;
                """;
            command.ExecuteNonQuery();
        }

        var store = new SqliteModelRequestStore(DatabasePath);
        var old = await store.FindAsync("org/old", Ct);
        await store.SaveAsync(old! with { Retries = 3, RetryReason = "Connection refused" }, Ct);
        var saved = await new SqliteModelRequestStore(DatabasePath).FindAsync("org/old", Ct);

        Assert.Equal(ModelRequestStates.Downloading, old.State);
        Assert.Equal(0, old.Retries);
        Assert.Equal(3, saved!.Retries);
        Assert.Equal("Connection refused", saved.RetryReason);
    }

    [Fact]
    public async Task Constructor_DatabaseOfSchemaVersion2_KeepsItsJobsAndStoresTheSource()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE model_requests (
                    model_key TEXT PRIMARY KEY, model_id TEXT NOT NULL, state TEXT NOT NULL, revision TEXT NOT NULL,
                    commit_sha TEXT, task TEXT, format TEXT, model_path TEXT, files TEXT NOT NULL DEFAULT '[]',
                    bytes_done INTEGER NOT NULL DEFAULT 0, bytes_total INTEGER NOT NULL DEFAULT 0, error TEXT, webhook TEXT,
                    ram_bytes INTEGER, parameter_count INTEGER, attempts INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL, started_at TEXT, ended_at TEXT, updated_at TEXT NOT NULL,
                    retries INTEGER NOT NULL DEFAULT 0, retry_reason TEXT);
                INSERT INTO model_requests (model_key, model_id, state, revision, created_at, updated_at, retries)
                    VALUES ('org/old', 'org/old', 'ready', 'main', '2026-11-28T12:00:00.0000000Z', '2026-11-28T12:00:00.0000000Z', 2);
                PRAGMA user_version = 2;
                """;
            command.ExecuteNonQuery();
        }

        var store = new SqliteModelRequestStore(DatabasePath);
        var old = await store.FindAsync("org/old", Ct);
        await store.SaveAsync(old! with { Source = "Xenova/old", Note = "Using Xenova/old" }, Ct);
        var saved = await new SqliteModelRequestStore(DatabasePath).FindAsync("org/old", Ct);

        Assert.Equal(2, old.Retries);
        Assert.Null(old.Source);
        Assert.Equal("Xenova/old", saved!.Source);
        Assert.Equal("Using Xenova/old", saved.Note);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
