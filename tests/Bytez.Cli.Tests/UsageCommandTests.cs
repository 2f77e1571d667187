using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Cli.Tests;

/// <summary><c>bytez usage</c> against the real server's metering: what a key ran, as the CLI shows it.</summary>
public sealed class UsageCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Task<CliRun> RunAsync(params string[] args) => fixture.RunAsync(args);

    private Task<CliRun> RunWithKeyAsync(string key, params string[] args) => fixture.RunWithKeyAsync(key, args);

    [Fact]
    public async Task Usage_TotalsEqualTheRequestsMade_ByKeyAndModel()
    {
        const string miniLm = "sentence-transformers/all-MiniLM-L6-v2";
        var secret = (await RunAsync("keys", "create", "usage cli")).Out.TrimEnd('\n');
        var id = await fixture.KeyIdAsync("usage cli");
        for (var i = 0; i < 3; i++)
        {
            var run = await RunWithKeyAsync(secret, "run", miniLm, $"text {i}");
            Assert.True(run.ExitCode == 0, run.Err);
        }

        var own = await RunWithKeyAsync(secret, "usage", "--json");
        var table = await RunAsync("usage", "--for-key", "usage cli", "--period", "day");
        var byModel = await RunAsync("usage", "--for-key", id, "--model", "no/such-model", "--json");
        var others = await RunWithKeyAsync(secret, "usage", "--for-key", "someone else");

        Assert.True(own.ExitCode == 0, own.Err);
        using var report = JsonDocument.Parse(own.Out);
        Assert.Equal(3, report.RootElement.GetProperty("totals").GetProperty("requests").GetInt64());
        var usage = Assert.Single(report.RootElement.GetProperty("usage").EnumerateArray());
        Assert.Equal((id, "usage cli", miniLm, 3L), (usage.GetProperty("keyId").GetString(), usage.GetProperty("keyName").GetString(),
            usage.GetProperty("modelId").GetString(), usage.GetProperty("requests").GetInt64()));
        Assert.True(usage.GetProperty("inferenceSeconds").GetDouble() > 0);

        Assert.True(table.ExitCode == 0, table.Err);
        var lines = table.Out.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^DAY\s+KEY\s+MODEL\s+REQUESTS\s+INFERENCE \(S\)\s+INPUT TOKENS\s+GENERATED TOKENS$", lines[0]);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Matches($@"^{today}\s+usage cli\s+{System.Text.RegularExpressions.Regex.Escape(miniLm)}\s+3\s+\d+\.\d{{3}}\s+\d+\s+0$", lines[1]);
        Assert.Matches(@"^total\s+\S+ to \S+\s+3\s", lines[^1]);
        Assert.Equal(3, lines.Length);

        using var none = JsonDocument.Parse(byModel.Out);
        Assert.Equal(0, none.RootElement.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(1, others.ExitCode);
        Assert.StartsWith("Forbidden", others.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("usage", "--period", "year")]
    [InlineData("usage", "--period", "day", "--from", "2026-01-01")]
    [InlineData("usage", "--from", "yesterday")]
    public async Task Usage_BadCommandLine_Exits2(params string[] args)
    {
        var run = await RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.EndsWith("Run 'bytez --help' for usage.\n", run.Err, StringComparison.Ordinal);
    }
}
