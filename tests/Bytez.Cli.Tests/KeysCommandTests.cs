using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Cli.Tests;

/// <summary><c>bytez keys</c> against the real server's admin API.</summary>
public sealed class KeysCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Task<CliRun> RunAsync(params string[] args) => fixture.RunAsync(args);

    private Task<CliRun> RunWithKeyAsync(string key, params string[] args) => fixture.RunWithKeyAsync(key, args);

    [Fact]
    public async Task Create_PrintsTheSecretOnce_ListNeverShowsIt()
    {
        var create = await RunAsync("keys", "create", "ci script", "--scope", "run", "--scope", "models:request", "--model", "Snowflake/*");
        var list = await RunAsync("keys", "list");
        var listJson = await RunAsync("keys", "list", "--json");

        Assert.Equal(0, create.ExitCode);
        var secret = create.Out.TrimEnd('\n');
        Assert.Matches("^bz_[0-9a-f]+_", secret);
        Assert.DoesNotContain('\n', secret);
        Assert.Contains("never shown again", create.Err, StringComparison.Ordinal);
        Assert.Equal(0, list.ExitCode);
        Assert.Equal(0, listJson.ExitCode);
        Assert.DoesNotContain(secret, list.Out + list.Err + listJson.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[^20..], list.Out + listJson.Out, StringComparison.Ordinal);
        var row = Assert.Single(list.Out.Split('\n'), l => l.Contains("ci script", StringComparison.Ordinal));
        Assert.Contains("run,models:request", row, StringComparison.Ordinal);
        Assert.Contains("Snowflake/*", row, StringComparison.Ordinal);
        Assert.Contains(secret[..secret.LastIndexOf('_')] + "…", row, StringComparison.Ordinal);
        using var listed = JsonDocument.Parse(listJson.Out);
        Assert.Contains(listed.RootElement.EnumerateArray(), k => k.GetProperty("name").GetString() == "ci script");

        // The new key works with its scopes.
        var models = await RunWithKeyAsync(secret, "list", "--json");
        Assert.Equal(0, models.ExitCode);
    }

    [Fact]
    public async Task Revoke_KeyIsRefusedOnItsNextCommand()
    {
        var secret = (await RunAsync("keys", "create", "to revoke")).Out.TrimEnd('\n');
        var id = await fixture.KeyIdAsync("to revoke");
        Assert.Equal(0, (await RunWithKeyAsync(secret, "list")).ExitCode);

        var revoke = await RunAsync("keys", "revoke", id);
        var after = await RunWithKeyAsync(secret, "list");

        Assert.Equal(0, revoke.ExitCode);
        Assert.StartsWith($"Revoked: {id} (to revoke, bz_", revoke.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, revoke.Out, StringComparison.Ordinal);
        Assert.Equal(1, after.ExitCode);
        Assert.Equal("Unauthorized\n", after.Err);
    }

    [Fact]
    public async Task Rotate_PrintsANewSecret_TheOldOneStopsWorking()
    {
        var old = (await RunAsync("keys", "create", "to rotate")).Out.TrimEnd('\n');
        var id = await fixture.KeyIdAsync("to rotate");

        var rotate = await RunAsync("keys", "rotate", id);
        var audit = await RunAsync("keys", "audit", "--json", "--limit", "1000");

        Assert.Equal(0, rotate.ExitCode);
        var fresh = rotate.Out.TrimEnd('\n');
        Assert.NotEqual(old, fresh);
        Assert.Equal(1, (await RunWithKeyAsync(old, "list")).ExitCode);
        Assert.Equal(0, (await RunWithKeyAsync(fresh, "list")).ExitCode);
        Assert.Equal(0, audit.ExitCode);
        using var rows = JsonDocument.Parse(audit.Out);
        Assert.Equal(["rotate", "create"], rows.RootElement.EnumerateArray()
            .Where(r => r.GetProperty("keyId").GetString() == id).Select(r => r.GetProperty("action").GetString()));
        Assert.DoesNotContain(fresh, audit.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_Json_HoldsTheSecretAndTheRecord()
    {
        var create = await RunAsync("keys", "create", "json key", "--expires", "2099-01-01T00:00:00Z", "--json");

        Assert.Equal(0, create.ExitCode);
        using var created = JsonDocument.Parse(create.Out);
        Assert.StartsWith("bz_", created.RootElement.GetProperty("key").GetString(), StringComparison.Ordinal);
        Assert.Equal(["run"], created.RootElement.GetProperty("record").GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.StartsWith("2099-01-01T00:00:00", created.RootElement.GetProperty("record").GetProperty("expiresAt").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_WithoutAdminScope_SaysForbiddenAndExits1()
    {
        var secret = (await RunAsync("keys", "create", "not admin", "--scope", "run")).Out.TrimEnd('\n');

        var list = await RunWithKeyAsync(secret, "keys", "list");

        Assert.Equal(1, list.ExitCode);
        Assert.StartsWith("Forbidden: this key lacks the 'admin' scope", list.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("keys", "create", "x", "--scope", "root")]
    [InlineData("keys", "revoke")]
    [InlineData("keys", "audit", "--limit", "0")]
    [InlineData("keys", "create", "x", "--concurrent", "-1")]
    [InlineData("keys", "create", "x", "--requests-per-minute", "many")]
    [InlineData("keys", "limits", "key_1", "--tokens-per-day", "1.5")]
    public async Task Keys_BadCommandLine_Exits2(params string[] args)
    {
        var run = await RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.EndsWith("Run 'bytez --help' for usage.\n", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithLimits_ListShowsThem_TheKeyGets429BeyondItsRequestsPerMinute()
    {
        var secret = (await RunAsync("keys", "create", "limited cli", "--concurrent", "3", "--requests-per-minute", "2", "--tokens-per-day", "0")).Out.TrimEnd('\n');
        var list = await RunAsync("keys", "list");
        var listJson = await RunAsync("keys", "list", "--json");

        var first = await RunWithKeyAsync(secret, "list");
        var second = await RunWithKeyAsync(secret, "list");
        var third = await RunWithKeyAsync(secret, "list");

        Assert.Equal(0, list.ExitCode);
        var header = list.Out.Split('\n')[0];
        Assert.Matches(@"\bCONCURRENT\s+REQ/MIN\s+TOKENS/DAY\b", header);
        var row = Assert.Single(list.Out.Split('\n'), l => l.Contains("limited cli", StringComparison.Ordinal));
        Assert.Matches(@"\s3\s+2\s+none\s", row);
        using var listed = JsonDocument.Parse(listJson.Out);
        var limits = listed.RootElement.EnumerateArray().Single(k => k.GetProperty("name").GetString() == "limited cli").GetProperty("limits");
        Assert.Equal((3, 2, 0L), (limits.GetProperty("concurrentRequests").GetInt32(), limits.GetProperty("requestsPerMinute").GetInt32(), limits.GetProperty("generatedTokensPerDay").GetInt64()));
        Assert.Equal((0, 0), (first.ExitCode, second.ExitCode));
        Assert.Equal(1, third.ExitCode);
        Assert.StartsWith("Rate limit exceeded: this key may make 2 requests per minute", third.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Limits_ChangesOnlyTheGivenOnes_DefaultGoesBack_ZeroLifts()
    {
        var secret = (await RunAsync("keys", "create", "limits cli", "--concurrent", "4", "--requests-per-minute", "1")).Out.TrimEnd('\n');
        var id = await fixture.KeyIdAsync("limits cli");
        Assert.Equal(0, (await RunWithKeyAsync(secret, "list")).ExitCode);
        Assert.Equal(1, (await RunWithKeyAsync(secret, "list")).ExitCode);

        var shown = await RunAsync("keys", "limits", id);
        var changed = await RunAsync("keys", "limits", id, "--requests-per-minute", "0", "--tokens-per-day", "500");
        var afterChange = await RunWithKeyAsync(secret, "list");
        var back = await RunAsync("keys", "limits", id, "--concurrent", "default", "--json");
        var unknown = await RunAsync("keys", "limits", "key_nope", "--concurrent", "1");
        var tooMany = await RunAsync("keys", "limits", id, "--concurrent", "2000000");

        Assert.Equal(0, shown.ExitCode);
        Assert.Equal($"{id} (limits cli): concurrent requests 4, requests per minute 1, generated tokens per day default\n", shown.Out);
        Assert.Equal(0, changed.ExitCode);
        Assert.Equal($"{id} (limits cli): concurrent requests 4, requests per minute none, generated tokens per day 500\n", changed.Out);
        Assert.Equal(0, afterChange.ExitCode);
        Assert.Equal(0, back.ExitCode);
        using var json = JsonDocument.Parse(back.Out);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("concurrentRequests").ValueKind);
        Assert.Equal((0, 500L), (json.RootElement.GetProperty("requestsPerMinute").GetInt32(), json.RootElement.GetProperty("generatedTokensPerDay").GetInt64()));
        Assert.Equal(1, unknown.ExitCode);
        Assert.StartsWith("No key 'key_nope'", unknown.Err, StringComparison.Ordinal);
        Assert.Equal(1, tooMany.ExitCode);
        Assert.Contains("concurrentRequests", tooMany.Err, StringComparison.Ordinal);
    }
}
