using System.Text.Json;
using Bytez.Testing;

namespace Bytez.Cli.Tests;

/// <summary>One real server (the embedded models) for the commands run against it.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    /// <summary>The server's address as <c>--host</c> takes it.</summary>
    public string Host => Server.BaseAddress.AbsoluteUri.TrimEnd('/');

    public async ValueTask InitializeAsync() => Server = await TestServer.StartAsync();

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    /// <summary>Runs the CLI with <paramref name="args"/> against this server with its admin key.</summary>
    internal Task<CliRun> RunAsync(params string[] args) => RunWithKeyAsync(TestServer.Key, args);

    /// <summary>Runs the CLI with <paramref name="args"/> against this server with <paramref name="key"/>.</summary>
    internal Task<CliRun> RunWithKeyAsync(string key, params string[] args) =>
        Cli.RunAsync([.. args, "--host", Host, "--key", key], cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>The id of the key named <paramref name="name"/>, read through <c>bytez keys list --json</c>.</summary>
    public async Task<string> KeyIdAsync(string name)
    {
        var list = await RunAsync("keys", "list", "--json");
        using var keys = JsonDocument.Parse(list.Out);
        return keys.RootElement.EnumerateArray().Single(k => k.GetProperty("name").GetString() == name).GetProperty("id").GetString()!;
    }
}

/// <summary>The commands end to end against the real server.</summary>
public sealed class ServerCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";
    private const string ArcticXs = "Snowflake/snowflake-arctic-embed-xs";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Host => fixture.Host;

    private Task<CliRun> RunAsync(params string[] args) => fixture.RunAsync(args);

    [Fact]
    public async Task List_RealServer_ShowsEmbeddedModelsAsTable()
    {
        var run = await RunAsync("list");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Err);
        var lines = run.Out.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^ID\s+TASK\s+PARAMS \(B\)\s+RAM \(GB\)$", lines[0]);
        Assert.Contains(lines, l => l.StartsWith(MiniLm, StringComparison.Ordinal) && l.Contains("sentence-similarity", StringComparison.Ordinal) && l.Contains("0.0227", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(ArcticXs, StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_TaskAndJson_PrintsOnlyThatTaskAsJson()
    {
        var run = await RunAsync("list", "--task", "feature-extraction", "--json");

        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Out);
        var models = document.RootElement.EnumerateArray().ToList();
        Assert.NotEmpty(models);
        Assert.All(models, m => Assert.Equal("feature-extraction", m.GetProperty("task").GetString()));
        Assert.Contains(models, m => m.GetProperty("modelId").GetString() == ArcticXs);
    }

    [Fact]
    public async Task List_HostAndKeyFromEnvironment_UsesThem()
    {
        var run = await Cli.RunAsync(
            ["list"],
            new Dictionary<string, string> { ["BYTEZ_HOST"] = Host, ["BYTEZ_KEY"] = TestServer.Key },
            Ct);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(MiniLm, run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_WrongKey_PrintsUnauthorizedAndExits1()
    {
        var run = await Cli.RunAsync(["list", "--host", Host, "--key", "wrong"], cancellationToken: Ct);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("Unauthorized\n", run.Err);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task Run_EmbeddingModel_PrintsVector()
    {
        var run = await RunAsync("run", MiniLm, "The weather is lovely today.");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Err);
        using var document = JsonDocument.Parse(run.Out);
        var numbers = Flatten(document.RootElement).ToList();
        Assert.Equal(384, numbers.Count);
        Assert.Contains('\n', run.Out.TrimEnd('\n'));   // indented
    }

    [Fact]
    public async Task Run_Param_IsSentAndTheModelStillAnswers()
    {
        var run = await RunAsync("run", ArcticXs, "hello", "--param", "normalize=true", "--json");

        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Out);
        Assert.Equal(384, Flatten(document.RootElement).Count());
    }

    [Fact]
    public async Task Run_UnknownModel_PrintsServerErrorAndExits1()
    {
        var run = await RunAsync("run", "nobody/no-such-model", "hello");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Equal("Model does not exist or has yet to be added to the Bytez catalog: nobody/no-such-model\n", run.Err);
    }

    [Fact]
    public async Task Status_UnknownRequest_PrintsNotFoundAndExits1()
    {
        var run = await RunAsync("status", "nobody/never-requested");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.StartsWith("There is no request for nobody/never-requested", run.Err, StringComparison.Ordinal);
    }

    private static IEnumerable<double> Flatten(JsonElement element) => element.ValueKind == JsonValueKind.Array
        ? element.EnumerateArray().SelectMany(Flatten)
        : [element.GetDouble()];
}
