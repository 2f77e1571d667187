using Bytez.Engine;
using Bytez.Server.Responses;
using Microsoft.Extensions.Time.Testing;

namespace Bytez.Server.Tests.Responses;

/// <summary>The SQLite store of the Responses API on a real database file: chains, bounds, expiry, purge, delete.</summary>
public sealed class SqliteResponseStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bytez-responses-store-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private SqliteResponseStore Open(ResponsesOptions? options = null) =>
        new(Path.Combine(_folder, "responses.db"), options ?? new ResponsesOptions(), _time);

    private async Task<List<string>> ChainAsync(SqliteResponseStore store, int length, string payload = "[]", string prefix = "resp")
    {
        var ids = new List<string>();
        for (var i = 0; i < length; i++)
        {
            var id = $"{prefix}_{i}";
            await store.SaveAsync(new StoredResponse(id, i == 0 ? null : ids[^1], _time.GetUtcNow(), payload, $$"""{"id": "{{id}}", "output": []}"""), ids.ToList(), Token);
            ids.Add(id);
        }

        return ids;
    }

    [Fact]
    public async Task LoadConversation_Chain_OldestFirst()
    {
        using var store = Open();
        var ids = await ChainAsync(store, 4);

        var chain = await store.LoadConversationAsync(ids[^1], Token);

        Assert.Equal(ids, chain.Select(c => c.Id));
        Assert.Equal(ids[1], chain[2].PreviousId);
    }

    [Fact]
    public async Task LoadConversation_DeletedLink_NotFoundNamingIt()
    {
        using var store = Open();
        var ids = await ChainAsync(store, 3);
        Assert.True(await store.DeleteAsync(ids[1], Token));

        var error = await Assert.ThrowsAsync<EngineException>(() => store.LoadConversationAsync(ids[2], Token));

        Assert.Equal(EngineErrorKind.NotFound, error.Kind);
        Assert.Contains(ids[1], error.Message, StringComparison.Ordinal);
        Assert.False(await store.DeleteAsync(ids[1], Token));
    }

    [Fact]
    public async Task LoadConversation_LongerThanTheBound_BadInputNamingTheOption()
    {
        using var store = Open(new ResponsesOptions { MaxConversationResponses = 3 });
        var ids = await ChainAsync(store, 5);

        Assert.Equal(4, (await store.LoadConversationAsync(ids[3], Token)).Count); // 3 earlier ones: allowed
        var error = await Assert.ThrowsAsync<EngineException>(() => store.LoadConversationAsync(ids[4], Token));
        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains("MaxConversationResponses", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadConversation_LargerThanTheBound_BadInputNamingTheOption()
    {
        using var store = Open(new ResponsesOptions { MaxConversationBytes = 1000 });
        var ids = await ChainAsync(store, 3, "[\"" + new string('x', 400) + "\"]");

        var error = await Assert.ThrowsAsync<EngineException>(() => store.LoadConversationAsync(ids[2], Token));
        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains("MaxConversationBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retention_ContinuedConversationStaysWhole_AndPurgeDeletesOnlyExpired()
    {
        using var store = Open(new ResponsesOptions { Retention = TimeSpan.FromDays(2) });
        var old = await ChainAsync(store, 1, prefix: "old");
        var ids = await ChainAsync(store, 1);
        _time.Advance(TimeSpan.FromDays(1.5));
        // A turn continuing ids[0] keeps it for the full retention again; `old` is left alone.
        await store.SaveAsync(new StoredResponse("resp_next", ids[0], _time.GetUtcNow(), "[]", """{"output": []}"""), ids, Token);
        _time.Advance(TimeSpan.FromDays(1));

        Assert.Null(await store.FindAsync(old[0], Token));
        Assert.Equal([ids[0], "resp_next"], (await store.LoadConversationAsync("resp_next", Token)).Select(c => c.Id));
        Assert.Equal(1, await store.PurgeAsync(Token)); // exactly the expired one
        Assert.NotNull(await store.FindAsync(ids[0], Token));

        _time.Advance(TimeSpan.FromDays(2));
        var expired = await Assert.ThrowsAsync<EngineException>(() => store.LoadConversationAsync("resp_next", Token));
        Assert.Equal(EngineErrorKind.NotFound, expired.Kind);
        Assert.Equal(2, await store.PurgeAsync(Token));
    }

    [Fact]
    public async Task Reopen_SameFile_KeepsResponses()
    {
        using (var store = Open())
        {
            await ChainAsync(store, 2);
        }

        using var reopened = Open();
        Assert.Equal(2, (await reopened.LoadConversationAsync("resp_1", Token)).Count);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
