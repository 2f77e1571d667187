using Bytez.Testing;
using Bytez.Testing.Hub;

namespace Bytez.Cli.Tests;

/// <summary><c>bytez request</c> end to end: the real server fetching a tiny real-format model from a fake hub on loopback.</summary>
public sealed class RequestCommandTests
{
    [Fact]
    public async Task Request_NewModel_ShowsProgressAndEndsReady()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("cli-org/tiny-GGUF", ["tiny-Q4_K_M.gguf"]);
        env.Hub.BytesPerSecond = repo.Size("tiny-Q4_K_M.gguf") / 5;
        var host = env.Server.BaseAddress.AbsoluteUri.TrimEnd('/');

        var run = await Cli.RunAsync(["request", repo.Id, "--host", host, "--key", TestServer.Key], cancellationToken: TestContext.Current.CancellationToken);
        var status = await Cli.RunAsync(["status", repo.Id, "--host", host, "--key", TestServer.Key], cancellationToken: TestContext.Current.CancellationToken);
        var list = await Cli.RunAsync(["list", "--host", host, "--key", TestServer.Key], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith($"Ready: {repo.Id} (chat, ", run.Out, StringComparison.Ordinal);
        Assert.Contains("downloading", run.Err, StringComparison.Ordinal);
        Assert.Matches(@"downloading: \d+ % \(", run.Err);
        Assert.Contains("ready", run.Err, StringComparison.Ordinal);
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("ready", status.Out, StringComparison.Ordinal);
        Assert.Contains(list.Out.Split('\n'), l => l.StartsWith(repo.Id, StringComparison.Ordinal) && l.Contains("chat", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Request_RepositoryThatFails_PrintsTheReasonAndExits1()
    {
        await using var env = await HubTestServer.StartAsync();
        var host = env.Server.BaseAddress.AbsoluteUri.TrimEnd('/');

        var run = await Cli.RunAsync(["request", "nobody/nothing", "--host", host, "--key", TestServer.Key], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Failed: ", run.Err, StringComparison.Ordinal);
        Assert.Contains("nobody/nothing", run.Err, StringComparison.Ordinal);
    }
}
