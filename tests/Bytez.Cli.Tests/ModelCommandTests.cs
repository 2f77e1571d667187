using System.Text.Json;
using Bytez.Testing;
using Bytez.Testing.Hub;

namespace Bytez.Cli.Tests;

/// <summary><c>bytez rm</c>, <c>add-model</c> and the <c>pull</c> alias against the real server fetching from a fake hub.</summary>
public sealed class ModelCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<CliRun> RunAsync(HubTestServer env, params string[] args) =>
        Cli.RunAsync([.. args, "--host", env.Server.BaseAddress.AbsoluteUri.TrimEnd('/'), "--key", TestServer.Key], cancellationToken: Ct);

    private static string RepoFolder(HubTestServer env, string id) => Path.Combine(env.CachePath, "models--" + id.Replace("/", "--", StringComparison.Ordinal));

    [Fact]
    public async Task Rm_PulledModel_DeletesItsFilesAndItLeavesTheList()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("cli-rm/tiny-GGUF", ["tiny-Q4_K_M.gguf"]);
        Assert.Equal(0, (await RunAsync(env, "pull", repo.Id)).ExitCode);
        Assert.Contains(repo.Id, (await RunAsync(env, "list")).Out, StringComparison.Ordinal);
        Assert.True(Directory.Exists(RepoFolder(env, repo.Id)));

        var rm = await RunAsync(env, "rm", repo.Id, "--force");   // the install's try-out left it loaded: --force stops it
        var list = await RunAsync(env, "list");
        var requests = await RunAsync(env, "list", "--requests");

        Assert.True(rm.ExitCode == 0, rm.Err);
        Assert.Matches(@$"^Removed: {repo.Id} \(\d+(\.\d)? [kM]?B freed\)\n$", rm.Out);
        Assert.False(Directory.Exists(RepoFolder(env, repo.Id)));
        Assert.DoesNotContain(repo.Id, list.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(repo.Id, requests.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rm_LoadedModel_SaysStopItFirstAndExits1_ThenWorksAfterStop()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("cli-rm/loaded-GGUF", ["tiny-Q4_K_M.gguf"]);
        Assert.Equal(0, (await RunAsync(env, "request", repo.Id)).ExitCode);
        Assert.Equal(0, (await RunAsync(env, "load", repo.Id)).ExitCode);

        var refused = await RunAsync(env, "rm", repo.Id);
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith($"{repo.Id} is loaded", refused.Err, StringComparison.Ordinal);
        Assert.EndsWith($"Stop it first (bytez stop {repo.Id}), or use bytez rm --force.\n", refused.Err, StringComparison.Ordinal);
        Assert.True(Directory.Exists(RepoFolder(env, repo.Id)));

        var stop = await RunAsync(env, "stop", repo.Id);
        var rm = await RunAsync(env, "rm", repo.Id, "--json");

        Assert.Equal(0, stop.ExitCode);
        Assert.Equal(0, rm.ExitCode);
        using var removed = JsonDocument.Parse(rm.Out);
        Assert.Equal(repo.Id, removed.RootElement.GetProperty("modelId").GetString());
        Assert.True(removed.RootElement.GetProperty("bytesFreed").GetInt64() >= repo.Size("tiny-Q4_K_M.gguf"));
    }

    [Fact]
    public async Task Rm_UnknownModel_Exits1WithTheServersMessage()
    {
        await using var env = await HubTestServer.StartAsync();

        var rm = await RunAsync(env, "rm", "nobody/nothing");

        Assert.Equal(1, rm.ExitCode);
        Assert.Equal("Model does not exist or has yet to be added to the Bytez catalog: nobody/nothing\n", rm.Err);
    }

    [Fact]
    public async Task AddModel_QueuesTheJobAndReturns_TheModelArrives()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("cli-add/tiny-GGUF", ["tiny-Q4_K_M.gguf"]);

        var add = await RunAsync(env, "add-model", repo.Id);

        Assert.Equal(0, add.ExitCode);
        Assert.Equal("Job queued\n", add.Out);
        Assert.Equal($"Follow it with: bytez pull {repo.Id} (or bytez status {repo.Id})\n", add.Err);
        using var client = env.CreateClient();
        Assert.Equal("ready", (await HubTestServer.WaitAsync(client, repo.Id, cancellationToken: Ct)).State);
        Assert.Equal("Model available\n", (await RunAsync(env, "add-model", repo.Id)).Out);
    }
}
