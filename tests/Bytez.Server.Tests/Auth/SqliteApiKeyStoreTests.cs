using Bytez.Server.Auth;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Bytez.Server.Tests.Auth;

/// <summary>The SQLite key store on a real database file: hashes only, revoke, rotate, expiry, audit, restart.</summary>
public sealed class SqliteApiKeyStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bytez-keys-store-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string DatabasePath => Path.Combine(_folder, "keys.db");

    private SqliteApiKeyStore Open() => new(DatabasePath, _time);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Create_ReturnsKeyInIssuedShape_AuthenticatesWithItsScopes()
    {
        var store = Open();
        var created = await store.CreateAsync(new ApiKeySpec("script", [ApiKeyScopes.Run], AllowedModels: ["Qwen/*"]), "admin", Token);

        Assert.Matches("^bz_[0-9a-f]{10}_[0-9a-f]{64}$", created.Key);
        Assert.Equal(created.Record.Prefix, ApiKeyFormat.PrefixOf(created.Key));
        var found = await store.AuthenticateAsync(created.Key, Token);
        Assert.NotNull(found);
        Assert.Equal("script", found.Name);
        Assert.Equal([ApiKeyScopes.Run], found.Scopes);
        Assert.Equal(["Qwen/*"], found.AllowedModels);
        Assert.NotNull(found.LastUsedAt);
    }

    [Fact]
    public async Task Authenticate_RightPrefixWrongSecret_OrOtherShapes_IsNull()
    {
        var store = Open();
        var created = await store.CreateAsync(new ApiKeySpec("k", [ApiKeyScopes.Run]), "admin", Token);
        var wrongSecret = created.Key[..^1] + (created.Key[^1] == '0' ? '1' : '0');

        Assert.Null(await store.AuthenticateAsync(wrongSecret, Token));
        Assert.Null(await store.AuthenticateAsync("bz_0000000000_" + new string('0', 64), Token));
        Assert.Null(await store.AuthenticateAsync("not-a-key", Token));
        Assert.Null(await store.AuthenticateAsync("", Token));
    }

    [Fact]
    public async Task TheSecret_IsNowhereInTheDatabaseFile_NorInTheList()
    {
        var store = Open();
        var created = await store.CreateAsync(new ApiKeySpec("k", [ApiKeyScopes.Admin]), "admin", Token);
        var listed = await store.ListAsync("admin", Token);
        SqliteConnection.ClearAllPools();

        var secret = created.Key[(ApiKeyFormat.Start.Length + ApiKeyFormat.PrefixLength + 1)..];
        foreach (var file in Directory.GetFiles(_folder))
        {
            var bytes = await File.ReadAllBytesAsync(file, Token);
            Assert.DoesNotContain(secret, System.Text.Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
        }

        var record = Assert.Single(listed);
        Assert.DoesNotContain(secret, record.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_RefusesTheKeyAtOnce_AndKeepsItListed()
    {
        var store = Open();
        var created = await store.CreateAsync(new ApiKeySpec("k", [ApiKeyScopes.Run]), "admin", Token);
        Assert.NotNull(await store.AuthenticateAsync(created.Key, Token));

        var revoked = await store.RevokeAsync(created.Record.Id, "admin", Token);

        Assert.NotNull(revoked?.RevokedAt);
        Assert.Null(await store.AuthenticateAsync(created.Key, Token));
        Assert.NotNull(Assert.Single(await store.ListAsync("admin", Token)).RevokedAt);
        Assert.Null(await store.RevokeAsync("key_unknown", "admin", Token));
        Assert.Null(await store.RotateAsync(created.Record.Id, "admin", Token));
    }

    [Fact]
    public async Task Rotate_OldKeyRefused_NewKeyAcceptedWithSameIdAndScopes()
    {
        var store = Open();
        var created = await store.CreateAsync(new ApiKeySpec("k", [ApiKeyScopes.ModelsRequest]), "admin", Token);

        var rotated = await store.RotateAsync(created.Record.Id, "admin", Token);

        Assert.NotNull(rotated);
        Assert.NotEqual(created.Key, rotated.Key);
        Assert.NotEqual(created.Record.Prefix, rotated.Record.Prefix);
        Assert.Null(await store.AuthenticateAsync(created.Key, Token));
        var found = await store.AuthenticateAsync(rotated.Key, Token);
        Assert.Equal(created.Record.Id, found?.Id);
        Assert.Equal([ApiKeyScopes.ModelsRequest], found?.Scopes);
    }

    [Fact]
    public async Task Expiry_RefusesTheKeyFromItsTime()
    {
        var store = Open();
        var created = await store.CreateAsync(new ApiKeySpec("k", [ApiKeyScopes.Run], _time.GetUtcNow().AddHours(1)), "admin", Token);
        Assert.NotNull(await store.AuthenticateAsync(created.Key, Token));

        _time.Advance(TimeSpan.FromHours(1));

        Assert.Null(await store.AuthenticateAsync(created.Key, Token));
    }

    [Fact]
    public async Task EveryOperation_WritesAnAuditRow_WithActorAndNoSecret()
    {
        var store = Open();
        var created = await store.CreateAsync(new ApiKeySpec("k", [ApiKeyScopes.Run]), "ops", Token);
        await store.ListAsync("ops", Token);
        var rotated = await store.RotateAsync(created.Record.Id, "ops", Token);
        await store.RevokeAsync(created.Record.Id, "boss", Token);

        var audit = await store.ReadAuditAsync(10, Token);

        Assert.Equal(["revoke", "rotate", "list", "create"], audit.Select(a => a.Action));
        Assert.Equal(["boss", "ops", "ops", "ops"], audit.Select(a => a.Actor));
        Assert.All(audit.Where(a => a.Action != "list"), a => Assert.Equal(created.Record.Id, a.KeyId));
        Assert.Contains(rotated!.Record.Prefix, audit[1].Detail, StringComparison.Ordinal);
        Assert.All(audit, a => Assert.DoesNotContain(created.Key[^20..], a.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Keys_SurviveRestart()
    {
        var created = await Open().CreateAsync(new ApiKeySpec("k", [ApiKeyScopes.ClustersManage]), "admin", Token);
        SqliteConnection.ClearAllPools();

        var reopened = Open();

        Assert.Equal(created.Record.Id, (await reopened.AuthenticateAsync(created.Key, Token))?.Id);
        Assert.Single(await reopened.ReadAuditAsync(10, Token), a => a.Action == "create");
    }

    [Theory]
    [InlineData("", "run")]
    [InlineData("name", "")]
    [InlineData("name", "everything")]
    public async Task Create_InvalidSpec_IsRefusedWithWhatIsExpected(string name, string scope)
    {
        var store = Open();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.CreateAsync(new ApiKeySpec(name, scope.Length == 0 ? [] : [scope]), "admin", Token));
        Assert.Contains(name.Length == 0 ? "'name'" : "scope", error.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ReadAuditAsync(10, Token));
    }
}
