using System.Net;
using Bytez.Server.Tests.Auth;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Admin;

/// <summary>The admin API of keys on the real server: secrets shown once, rotate, audit, admin scope, restart.</summary>
public sealed class KeysApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Create_ShowsTheSecretOnce_ListNeverShowsIt()
    {
        var key = await ScopeTests.CreateKeyAsync(fixture.Server, """{"name": "once", "scopes": ["run"]}""");
        using var admin = fixture.Server.CreateHttpClient();

        var (status, body, response) = await GetAsync(admin, "/admin/v1/keys");

        Assert.Equal(HttpStatusCode.OK, status);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        Assert.DoesNotContain(key[^64..], text, StringComparison.Ordinal);
        var listed = AssertOutput(body).EnumerateArray().Single(k => key.StartsWith(k.GetProperty("prefix").GetString()! + "_", StringComparison.Ordinal));
        Assert.Equal("once", listed.GetProperty("name").GetString());
        Assert.Equal(["run"], listed.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["id", "name", "prefix", "scopes", "allowedModels", "createdAt", "expiresAt", "lastUsedAt", "revokedAt"],
            listed.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Rotate_OldKeyRefused_NewOneWorks_AndAuditHasEveryOperation()
    {
        var key = await ScopeTests.CreateKeyAsync(fixture.Server, """{"name": "rotating", "scopes": ["run"]}""");
        using var admin = fixture.Server.CreateHttpClient();
        var id = AssertOutput((await GetAsync(admin, "/admin/v1/keys")).Body).EnumerateArray()
            .Single(k => key.StartsWith(k.GetProperty("prefix").GetString()! + "_", StringComparison.Ordinal)).GetProperty("id").GetString();

        var (status, body, _) = await PostAsync(admin, $"/admin/v1/keys/{id}/rotate", "");

        Assert.Equal(HttpStatusCode.OK, status);
        var rotated = AssertOutput(body).GetProperty("key").GetString()!;
        using var old = fixture.Server.CreateHttpClient("Key " + key);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(old, "list/tasks")).Status);
        using var fresh = fixture.Server.CreateHttpClient("Key " + rotated);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(fresh, "list/tasks")).Status);

        var audit = AssertOutput((await GetAsync(admin, "/admin/v1/keys/audit?limit=1000")).Body).EnumerateArray()
            .Where(a => a.GetProperty("keyId").GetString() == id).Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Equal(["rotate", "create"], audit);
    }

    [Theory]
    [InlineData("""{"scopes": ["run"]}""", "'name'")]
    [InlineData("""{"name": "x", "scopes": ["root"]}""", "root")]
    [InlineData("""{"name": "x", "scopes": ["run"], "expiresAt": "tomorrow"}""", "ISO 8601")]
    [InlineData("""{"name": "x", "scopes": ["run"], "colour": "red"}""", "colour")]
    [InlineData("[]", "JSON object")]
    public async Task Create_BadBody_Is400SayingWhatIsExpected(string json, string expected)
    {
        using var admin = fixture.Server.CreateHttpClient();
        var (status, body, _) = await PostAsync(admin, "/admin/v1/keys", json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownKey_RevokeAndRotate_Are404()
    {
        using var admin = fixture.Server.CreateHttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(admin, HttpMethod.Delete, "/admin/v1/keys/key_nope")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(admin, "/admin/v1/keys/key_nope/rotate", "")).Status);
    }

    [Fact]
    public async Task NonAdminKey_CannotManageKeys_AndNoKeyIs401()
    {
        var key = await ScopeTests.CreateKeyAsync(fixture.Server, """{"name": "everything but admin", "scopes": ["run", "models:request", "clusters:manage"]}""");
        using var client = fixture.Server.CreateHttpClient("Key " + key);
        var (status, body, _) = await PostAsync(client, "/admin/v1/keys", """{"name": "escalate", "scopes": ["admin"]}""");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("'admin'", AssertErrorEnvelope(body), StringComparison.Ordinal);
        using var anonymous = fixture.Server.CreateHttpClient(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(anonymous, "/admin/v1/keys")).Status);
    }

    [Fact]
    public async Task IssuedAdminKey_CanCreateKeys()
    {
        var adminKey = await ScopeTests.CreateKeyAsync(fixture.Server, """{"name": "second admin", "scopes": ["admin"]}""");
        using var client = fixture.Server.CreateHttpClient("Key " + adminKey);
        var (status, _, _) = await PostAsync(client, "/admin/v1/keys", """{"name": "made by second admin", "scopes": ["run"]}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var audit = AssertOutput((await GetAsync(client, "/admin/v1/keys/audit")).Body);
        Assert.StartsWith("second admin", audit[0].GetProperty("actor").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssuedKeys_SurviveARestart()
    {
        var home = Path.Combine(Path.GetTempPath(), "bytez-test-home-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?> { ["Bytez:Home"] = home };
        try
        {
            string key;
            await using (var first = await TestServer.StartAsync(settings))
            {
                key = await ScopeTests.CreateKeyAsync(first, """{"name": "durable", "scopes": ["run"]}""");
            }

            Assert.True(File.Exists(Path.Combine(home, "state", "keys.db")));
            await using var second = await TestServer.StartAsync(settings);
            using var client = second.CreateHttpClient("Key " + key);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "list/tasks")).Status);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(home, recursive: true);
        }
    }
}
