using System.Diagnostics;
using Bytez.Samples;
using Bytez.Testing;

namespace Bytez.Docs.Tests.Samples;

[Collection(SamplesCollection.Name)]
public sealed class ClusterLifecycleTests(SamplesFixture fixture)
{
    private const string Model = "Snowflake/snowflake-arctic-embed-xs";

    [Fact]
    public async Task RunAsync_EmbeddedModel_PrintsLoadedRanStatusAndShutDown()
    {
        using var client = fixture.CreateClient();
        using var output = new StringWriter();

        var code = await ClusterLifecycle.RunAsync(client, Model, "The weather is lovely today.", output, TestContext.Current.CancellationToken);

        Assert.Equal(0, code);
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"Loading {Model}...", lines[0]);
        Assert.Equal("Loaded: running, 1 instance(s)", lines[1]);
        Assert.StartsWith("Ran: [", lines[2], StringComparison.Ordinal);
        Assert.Equal("Status: running, 1 instance(s), 1 inference(s)", lines[3]);
        Assert.Equal("Shut down.", lines[4]);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.Model(Model).StatusAsync(TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Program_WithBytezHostAndKey_RunsAsAUserStartsIt()
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ClusterLifecycle.dll"));
        start.ArgumentList.Add(Model);
        start.Environment["BYTEZ_HOST"] = fixture.Docs.Server.BaseAddress.ToString();
        start.Environment["BYTEZ_KEY"] = TestServer.Key;

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await error}");
        Assert.Contains("Loaded: running, 1 instance(s)", await output, StringComparison.Ordinal);
        Assert.Contains("Shut down.", await output, StringComparison.Ordinal);
    }
}
