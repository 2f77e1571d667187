using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Cli.Tests;

/// <summary><c>bytez load</c>, <c>ps</c> and <c>stop</c> against the real server and its embedded models.</summary>
public sealed class ClusterCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string ArcticXs = "Snowflake/snowflake-arctic-embed-xs";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<CliRun> RunAsync(params string[] args) => fixture.RunAsync(args);

    [Fact]
    public async Task LoadPsStop_Embedding_LoadsShowsAndShutsTheClusterDown()
    {
        var load = await RunAsync("load", ArcticXs, "--timeout", "7", "--max", "2");
        var ps = await RunAsync("ps");
        var psJson = await RunAsync("ps", "--json");
        var stop = await RunAsync("stop", ArcticXs);
        var after = await RunAsync("ps", "--json");

        Assert.True(load.ExitCode == 0, load.Err);
        Assert.Equal($"Loaded: {ArcticXs} (1 instance, capacity 0/1/2, idle timeout 7 min)\n", load.Out);
        Assert.Equal(0, ps.ExitCode);
        var lines = ps.Out.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^MODEL\s+STATUS\s+INSTANCES\s+CAPACITY\s+TIMEOUT\s+INFERENCES\s+LAST USED\s+FAILURE$", lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^{ArcticXs}\s+running\s+1\s+0/1/2\s+7 min\s+"));
        using (var clusters = JsonDocument.Parse(psJson.Out))
        {
            var cluster = Assert.Single(clusters.RootElement.EnumerateArray(), c => c.GetProperty("modelId").GetString() == ArcticXs);
            Assert.Equal(1, cluster.GetProperty("instances").GetInt32());
        }

        Assert.Equal(0, stop.ExitCode);
        Assert.Equal($"Stopped: {ArcticXs}\n", stop.Out);
        using var left = JsonDocument.Parse(after.Out);
        Assert.DoesNotContain(left.RootElement.EnumerateArray(), c => c.GetProperty("modelId").GetString() == ArcticXs);
    }

    [Fact]
    public async Task Load_UnknownModel_PrintsTheServersErrorAndExits1()
    {
        var run = await RunAsync("load", "nobody/nothing");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("Model does not exist or has yet to be added to the Bytez catalog", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ps_NoClusters_SaysSo()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Bytez:EmbeddedModels"] = "false" });

        var run = await Cli.RunAsync(["ps", "--host", server.BaseAddress.AbsoluteUri, "--key", TestServer.Key], cancellationToken: Ct);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("No clusters: no model is loaded.\n", run.Out);
    }
}
