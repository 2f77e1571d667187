using Bytez.Testing;
using Bytez.Testing.Hub;
using Bytez.Testing.TinyModels;

namespace Bytez.Cli.Tests;

/// <summary><c>bytez request</c> end to end: the real server fetching a tiny real-format model from a fake hub on loopback.</summary>
public sealed class RequestCommandTests
{
    [Fact]
    public async Task Request_NewModel_ShowsProgressAndEndsReady()
    {
        await using var hub = await FakeHub.StartAsync();
        var root = Directory.CreateTempSubdirectory("bytez-cli-request-").FullName;
        try
        {
            var repo = hub.AddRepository("cli-org/tiny-GGUF");
            repo.PipelineTag = "text-generation";
            var gguf = GgufModelWriter.WriteTinyLlama(Path.Combine(root, "tiny-Q4_K_M.gguf"));
            repo.AddFile("tiny-Q4_K_M.gguf", File.ReadAllBytes(gguf.Path));
            hub.BytesPerSecond = new FileInfo(gguf.Path).Length / 4;
            await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
            {
                ["Bytez:ModelsPath"] = Path.Combine(root, "models"),
                ["Bytez:EmbeddedModels"] = "false",
                ["Bytez:Hub:Endpoint"] = hub.Endpoint,
                ["Bytez:Hub:CachePath"] = Path.Combine(root, "hf-cache"),
                ["Bytez:LlamaCpp:Threads"] = "1",
            });
            var host = server.BaseAddress.AbsoluteUri.TrimEnd('/');

            var run = await Cli.RunAsync(["request", repo.Id, "--host", host, "--key", TestServer.Key], cancellationToken: TestContext.Current.CancellationToken);
            var status = await Cli.RunAsync(["status", repo.Id, "--host", host, "--key", TestServer.Key], cancellationToken: TestContext.Current.CancellationToken);
            var list = await Cli.RunAsync(["list", "--host", host, "--key", TestServer.Key], cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal(0, run.ExitCode);
            Assert.StartsWith($"Ready: {repo.Id} (chat, ", run.Out, StringComparison.Ordinal);
            Assert.Contains("downloading", run.Err, StringComparison.Ordinal);
            Assert.Matches(@"downloading: \d+ % \(", run.Err);
            Assert.Contains("measuring", run.Err, StringComparison.Ordinal);
            Assert.Equal(0, status.ExitCode);
            Assert.Contains("ready", status.Out, StringComparison.Ordinal);
            Assert.Contains(list.Out.Split('\n'), l => l.StartsWith(repo.Id, StringComparison.Ordinal) && l.Contains("chat", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Request_RepositoryThatFails_PrintsTheReasonAndExits1()
    {
        await using var hub = await FakeHub.StartAsync();
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:Hub:Endpoint"] = hub.Endpoint,
            ["Bytez:Hub:RetryDelay"] = "00:00:00.010",
        });
        var host = server.BaseAddress.AbsoluteUri.TrimEnd('/');

        var run = await Cli.RunAsync(["request", "nobody/nothing", "--host", host, "--key", TestServer.Key], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Failed: ", run.Err, StringComparison.Ordinal);
        Assert.Contains("nobody/nothing", run.Err, StringComparison.Ordinal);
    }
}
