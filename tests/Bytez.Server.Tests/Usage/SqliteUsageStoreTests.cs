using Bytez.Server.Usage;

namespace Bytez.Server.Tests.Usage;

/// <summary>The SQLite usage store on a real file: rows of the same key, model and day add up; reads filter; a reopened file keeps them.</summary>
public sealed class SqliteUsageStoreTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 12, 3);

    private readonly string _folder = Directory.CreateTempSubdirectory("bytez-usage-store-").FullName;

    private string DatabasePath => Path.Combine(_folder, "usage.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task AddAsync_SameKeyModelAndDay_AddsUp_AndSurvivesReopening()
    {
        var store = new SqliteUsageStore(DatabasePath);
        var ct = TestContext.Current.CancellationToken;
        await store.AddAsync([new UsageRow("key_a", "alice", "org/model", Day, 1, 0.25, 10, 5, 0)], ct);
        await store.AddAsync([new UsageRow("key_a", "alice renamed", "org/model", Day, 2, 0.5, 20, 7, 1), new UsageRow("key_a", "alice renamed", "org/other", Day.AddDays(1), 1, 1, 0, 3, 0)], ct);

        var reopened = new SqliteUsageStore(DatabasePath);
        var rows = await reopened.ReadAsync(new UsageQuery(Day, Day.AddDays(1)), ct);

        Assert.Equal(
            [new UsageRow("key_a", "alice renamed", "org/model", Day, 3, 0.75, 30, 12, 1), new UsageRow("key_a", "alice renamed", "org/other", Day.AddDays(1), 1, 1, 0, 3, 0)],
            rows);
        Assert.Equal(12, await reopened.GeneratedTokensAsync("key_a", Day, ct));
        Assert.Equal(0, await reopened.GeneratedTokensAsync("key_b", Day, ct));
    }

    [Fact]
    public async Task ReadAsync_FiltersByDaysKeyAndModel()
    {
        var store = new SqliteUsageStore(DatabasePath);
        var ct = TestContext.Current.CancellationToken;
        await store.AddAsync(
            [
                new UsageRow("key_a", "alice", "Org/Model", Day, 1, 0.1, 1, 1, 0),
                new UsageRow("key_b", "bob", "Org/Model", Day, 1, 0.1, 1, 1, 0),
                new UsageRow("key_a", "alice", "org/other", Day, 1, 0.1, 1, 1, 0),
                new UsageRow("key_a", "alice", "Org/Model", Day.AddDays(-1), 1, 0.1, 1, 1, 0),
            ], ct);

        Assert.Equal(3, (await store.ReadAsync(new UsageQuery(Day, Day), ct)).Count);
        Assert.Equal(2, (await store.ReadAsync(new UsageQuery(Day, Day, KeyId: "key_a"), ct)).Count);
        Assert.Equal(2, (await store.ReadAsync(new UsageQuery(Day, Day, ModelId: "org/model"), ct)).Count);
        Assert.Equal([Day.AddDays(-1), Day], (await store.ReadAsync(new UsageQuery(Day.AddDays(-1), Day, "key_a", "org/model"), ct)).Select(r => r.Day));
        Assert.Empty(await store.ReadAsync(new UsageQuery(Day.AddDays(5), Day.AddDays(6)), ct));
    }
}
