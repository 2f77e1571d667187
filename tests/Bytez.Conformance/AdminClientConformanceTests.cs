using System.Net;
using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>The SDK's admin client (<see cref="BytezClient.Admin"/>) against the real server's key API on loopback.</summary>
public sealed class AdminClientConformanceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BytezClient Client(string key = TestServer.Key) =>
        new(new BytezClientOptions { ApiKey = key, BaseAddress = fixture.Server.ApiBase });

    [Fact]
    public async Task CreateKey_SecretOnlyInTheAnswer_ListShowsTheRecordWithoutIt()
    {
        using var admin = Client();

        var created = (await admin.Admin.CreateKeyAsync(
            new ApiKeyCreateOptions
            {
                Name = "sdk script",
                Scopes = [ApiKeyScope.Run],
                ExpiresAt = new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero),
                AllowedModels = ["sentence-transformers/*"],
            },
            Ct)).EnsureSuccess().Output!;
        var listed = (await admin.Admin.ListKeysAsync(Ct)).EnsureSuccess().Output!;

        Assert.StartsWith(created.Record.Prefix + "_", created.Key, StringComparison.Ordinal);
        Assert.Equal("sdk script", created.Record.Name);
        Assert.Equal([ApiKeyScope.Run], created.Record.Scopes);
        Assert.Equal(["sentence-transformers/*"], created.Record.AllowedModels);
        Assert.Equal(new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero), created.Record.ExpiresAt);
        Assert.Null(created.Record.RevokedAt);
        var record = Assert.Single(listed, k => k.Id == created.Record.Id);
        Assert.Equal((created.Record.Name, created.Record.Prefix, created.Record.ExpiresAt), (record.Name, record.Prefix, record.ExpiresAt));
        Assert.True((created.Record.CreatedAt - record.CreatedAt).Duration() < TimeSpan.FromMilliseconds(1), "the stored time keeps milliseconds");
        Assert.Equal(created.Record.Scopes, record.Scopes);
        Assert.Equal(created.Record.AllowedModels, record.AllowedModels);
        Assert.DoesNotContain(created.Key, JsonSerializer.Serialize(listed.Select(k => new { k.Id, k.Name, k.Prefix, k.Scopes })), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreatedKey_HasOnlyItsScopes()
    {
        using var admin = Client();
        var key = (await admin.Admin.CreateKeyAsync(new ApiKeyCreateOptions { Name = "run only", Scopes = [ApiKeyScope.Run] }, Ct))
            .EnsureSuccess().Output!.Key;
        using var runOnly = Client(key);

        var models = await runOnly.List.ModelsAsync(cancellationToken: Ct);
        var request = await runOnly.RequestModelAsync("nobody/nothing", Ct);
        var keys = await runOnly.Admin.ListKeysAsync(Ct);

        Assert.True(models.IsSuccess, models.Error);
        Assert.Equal(HttpStatusCode.Forbidden, request.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, keys.StatusCode);
        Assert.Contains("admin", keys.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeKey_RefusedOnItsNextRequest()
    {
        using var admin = Client();
        var created = (await admin.Admin.CreateKeyAsync(new ApiKeyCreateOptions { Name = "to revoke", Scopes = [ApiKeyScope.Run] }, Ct))
            .EnsureSuccess().Output!;
        using var user = Client(created.Key);
        Assert.True((await user.List.TasksAsync(Ct)).IsSuccess);

        var revoked = (await admin.Admin.RevokeKeyAsync(created.Record.Id, Ct)).EnsureSuccess().Output!;
        var after = await user.List.TasksAsync(Ct);

        Assert.NotNull(revoked.RevokedAt);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task RotateKey_OldSecretRefused_NewOneWorks_AuditHasBoth()
    {
        using var admin = Client();
        var created = (await admin.Admin.CreateKeyAsync(new ApiKeyCreateOptions { Name = "to rotate", Scopes = [ApiKeyScope.Run] }, Ct))
            .EnsureSuccess().Output!;

        var rotated = (await admin.Admin.RotateKeyAsync(created.Record.Id, Ct)).EnsureSuccess().Output!;
        using var old = Client(created.Key);
        using var fresh = Client(rotated.Key);
        var audit = (await admin.Admin.GetKeyAuditAsync(1000, Ct)).EnsureSuccess().Output!;

        Assert.NotEqual(created.Key, rotated.Key);
        Assert.Equal(created.Record.Id, rotated.Record.Id);
        Assert.Equal(HttpStatusCode.Unauthorized, (await old.List.TasksAsync(Ct)).StatusCode);
        Assert.True((await fresh.List.TasksAsync(Ct)).IsSuccess);
        Assert.Equal(["rotate", "create"], audit.Where(a => a.KeyId == created.Record.Id).Select(a => a.Action));
        Assert.All(audit, a => Assert.DoesNotContain(rotated.Key, a.Detail ?? "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RevokeKey_UnknownId_Is404WithTheServersMessage()
    {
        using var admin = Client();

        var result = await admin.Admin.RevokeKeyAsync("no-such-key", Ct);

        Assert.Equal(HttpStatusCode.NotFound, result.StatusCode);
        Assert.Contains("no-such-key", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateKey_UnknownScope_Is400SayingWhy()
    {
        using var admin = Client();

        var result = await admin.Admin.CreateKeyAsync(new ApiKeyCreateOptions { Name = "x", Scopes = ["root"] }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, result.StatusCode);
        Assert.Contains("root", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateKey_WithLimits_RecordShowsThem_TheKeyIsHeldToItsRequestsPerMinute()
    {
        using var admin = Client();
        var created = (await admin.Admin.CreateKeyAsync(
            new ApiKeyCreateOptions
            {
                Name = "limited script",
                Scopes = [ApiKeyScope.Run],
                Limits = new ApiKeyLimits { ConcurrentRequests = 3, RequestsPerMinute = 2 },
            },
            Ct)).EnsureSuccess().Output!;
        using var user = Client(created.Key);

        var first = await user.List.TasksAsync(Ct);
        var second = await user.List.TasksAsync(Ct);
        var third = await user.List.TasksAsync(Ct);
        var listed = Assert.Single((await admin.Admin.ListKeysAsync(Ct)).EnsureSuccess().Output!, k => k.Id == created.Record.Id);

        Assert.Equal(new ApiKeyLimits { ConcurrentRequests = 3, RequestsPerMinute = 2, GeneratedTokensPerDay = null }, created.Record.Limits);
        Assert.Equal(created.Record.Limits, listed.Limits);
        Assert.True(first.IsSuccess && second.IsSuccess, first.Error ?? second.Error);
        Assert.Equal((HttpStatusCode)429, third.StatusCode);
        Assert.StartsWith("Rate limit exceeded", third.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetKeyLimits_SetsTheWholeLimits_NullGoesBackToTheDefault_ZeroLiftsTheLimit()
    {
        using var admin = Client();
        var created = (await admin.Admin.CreateKeyAsync(
            new ApiKeyCreateOptions
            {
                Name = "limits changed",
                Scopes = [ApiKeyScope.Run],
                Limits = new ApiKeyLimits { ConcurrentRequests = 3, RequestsPerMinute = 1, GeneratedTokensPerDay = 1000 },
            },
            Ct)).EnsureSuccess().Output!;
        using var user = Client(created.Key);
        Assert.True((await user.List.TasksAsync(Ct)).IsSuccess);
        Assert.Equal((HttpStatusCode)429, (await user.List.TasksAsync(Ct)).StatusCode);

        var changed = (await admin.Admin.SetKeyLimitsAsync(created.Record.Id, new ApiKeyLimits { RequestsPerMinute = 0 }, Ct)).EnsureSuccess().Output!;
        var afterChange = await user.List.TasksAsync(Ct);
        var listed = Assert.Single((await admin.Admin.ListKeysAsync(Ct)).EnsureSuccess().Output!, k => k.Id == created.Record.Id);
        var unknown = await admin.Admin.SetKeyLimitsAsync("no-such-key", new ApiKeyLimits(), Ct);
        var negative = await admin.Admin.SetKeyLimitsAsync(created.Record.Id, new ApiKeyLimits { ConcurrentRequests = -1 }, Ct);
        var audit = (await admin.Admin.GetKeyAuditAsync(1000, Ct)).EnsureSuccess().Output!;

        Assert.Equal(new ApiKeyLimits { ConcurrentRequests = null, RequestsPerMinute = 0, GeneratedTokensPerDay = null }, changed.Limits);
        Assert.Equal(changed.Limits, listed.Limits);
        Assert.True(afterChange.IsSuccess, afterChange.Error);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Contains("concurrentRequests", negative.Error, StringComparison.Ordinal);
        Assert.Contains(audit, a => a.KeyId == created.Record.Id && a.Action == "limits" && a.Detail!.EndsWith("-> concurrentRequests=default; requestsPerMinute=unlimited; generatedTokensPerDay=default", StringComparison.Ordinal));
    }
}
