using System.Text.Json;
using Bytez.Protocol;
using static Bytez.Cli.Tests.FakeRequestServer;

namespace Bytez.Cli.Tests;

/// <summary>Usage errors, an unreachable server, and the request commands against a loopback stand-in.</summary>
public sealed class CommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // ---- Usage and connection --------------------------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("run")]
    [InlineData("pull")]
    [InlineData("rm org")]
    [InlineData("load org/name --max many")]
    [InlineData("completion fish")]
    [InlineData("keys frobnicate")]
    [InlineData("request not-a-model-id")]
    [InlineData("status org/../name")]
    [InlineData("run org/name hi --param no-equals-sign")]
    [InlineData("frobnicate")]
    [InlineData("list --no-such-option")]
    public async Task RunAsync_UsageError_Exits2WithMessage(string commandLine)
    {
        var args = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        var run = await Cli.RunAsync([.. args, "--key", "k"], cancellationToken: Ct);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.EndsWith("Run 'bytez --help' for usage.\n", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NoKey_Exits2NamingTheVariable()
    {
        var run = await Cli.RunAsync(["list", "--host", Cli.ClosedAddress()], cancellationToken: Ct);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("BYTEZ_KEY", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_HostNotHttp_Exits2()
    {
        var run = await Cli.RunAsync(["list", "--host", "ftp://example", "--key", "k"], cancellationToken: Ct);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--host", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Help_PrintsCommandsAndExits0()
    {
        var run = await Cli.RunAsync(["--help"], cancellationToken: Ct);

        Assert.Equal(0, run.ExitCode);
        foreach (var command in new[] { "serve", "pull, request", "add-model", "status", "list", "run", "ps", "load", "stop", "rm", "keys", "completion" })
        {
            Assert.Contains(command, run.Out, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("serve", "--help")]
    [InlineData("pull", "--help")]
    [InlineData("request", "--help")]
    [InlineData("add-model", "--help")]
    [InlineData("status", "--help")]
    [InlineData("list", "--help")]
    [InlineData("run", "--help")]
    [InlineData("ps", "--help")]
    [InlineData("load", "--help")]
    [InlineData("stop", "--help")]
    [InlineData("rm", "--help")]
    [InlineData("keys", "--help")]
    [InlineData("keys", "create", "--help")]
    [InlineData("keys", "list", "--help")]
    [InlineData("keys", "revoke", "--help")]
    [InlineData("keys", "rotate", "--help")]
    [InlineData("keys", "audit", "--help")]
    [InlineData("keys", "limits", "--help")]
    [InlineData("usage", "--help")]
    [InlineData("completion", "--help")]
    public async Task RunAsync_HelpWithKeyInEnvironment_NamesTheVariableNeverItsValue(params string[] args)
    {
        const string secret = "sk-secret-value-4f8a2b";

        var run = await Cli.RunAsync(args, new Dictionary<string, string> { ["BYTEZ_KEY"] = secret }, Ct);

        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain(secret, run.Out + run.Err, StringComparison.Ordinal);
        Assert.Contains("(default: $BYTEZ_KEY; its value is never shown)", run.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("list")]
    [InlineData("status", "org/name")]
    [InlineData("run", "org/name", "hello")]
    [InlineData("run", "org/name", "hello", "--stream")]
    [InlineData("request", "org/name")]
    [InlineData("request", "org/name", "--no-wait")]
    [InlineData("pull", "org/name")]
    [InlineData("add-model", "org/name")]
    [InlineData("ps")]
    [InlineData("load", "org/name")]
    [InlineData("load", "org/name", "--no-wait")]
    [InlineData("stop", "org/name")]
    [InlineData("rm", "org/name")]
    [InlineData("keys", "list")]
    [InlineData("keys", "create", "x")]
    [InlineData("keys", "revoke", "key_1")]
    [InlineData("keys", "rotate", "key_1")]
    [InlineData("keys", "audit")]
    [InlineData("keys", "limits", "key_1", "--concurrent", "2")]
    [InlineData("usage")]
    public async Task RunAsync_ConnectionRefused_SaysServerCannotBeReachedAndExits1(params string[] args)
    {
        var host = Cli.ClosedAddress();

        var run = await Cli.RunAsync([.. args, "--host", host, "--key", "k"], cancellationToken: Ct);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"Cannot reach the Bytez server at {host}: ", run.Err, StringComparison.Ordinal);
    }

    // ---- request and status against the stand-in ------------------------------------------------------------

    [Fact]
    public async Task Request_NoWait_PrintsServerAnswerAndHowToCheck()
    {
        await using var server = await StartAsync("Job queued", Status("queued"));

        var run = await Cli.RunAsync(
            ["request", "org/name", "--revision", "v1", "--webhook", "http://hook.test/x", "--no-wait", "--host", server.Host, "--key", "k"],
            cancellationToken: Ct);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("Job queued\n", run.Out);
        Assert.Equal("Check it with: bytez status org/name\n", run.Err);
        Assert.Equal(["POST /models/v2/request/org/name {\"revision\":\"v1\",\"webhook\":\"http://hook.test/x\"}"], server.Requests);
    }

    [Fact]
    public async Task Request_Wait_FollowsToReadyWithPlainProgress()
    {
        await using var server = await StartAsync("Job queued", Status("downloading", 500, 1000), Status("ready", 1000, 1000));

        var run = await Cli.RunAsync(["request", "org/name", "--host", server.Host, "--key", "k"], cancellationToken: Ct);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("Ready: org/name (feature-extraction, 0.3 GB RAM, 0.03 B params)\n", run.Out);
        Assert.Equal("downloading: 1 file, 1.0 kB\nready\n", run.Err);
        Assert.Equal(["POST /models/v2/request/org/name ", "GET /models/v2/request/org/name", "GET /models/v2/request/org/name"], server.Requests);
    }

    [Fact]
    public async Task Request_JobFails_PrintsReasonAndExits1()
    {
        await using var server = await StartAsync("Job queued", Status("failed", 0, 0, "No ONNX or GGUF weights"));

        var run = await Cli.RunAsync(["request", "org/name", "--host", server.Host, "--key", "k"], cancellationToken: Ct);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Equal("failed\nFailed: No ONNX or GGUF weights\n", run.Err);
    }

    [Fact]
    public async Task Request_Cancelled_SaysTheJobGoesOnAndHowToCheck()
    {
        await using var server = await StartAsync("Model is already queued", Status("downloading", 1, 1000));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));

        var run = await Cli.RunAsync(["request", "org/name", "--host", server.Host, "--key", "k"], cancellationToken: cancel.Token);

        Assert.Equal(130, run.ExitCode);
        Assert.EndsWith(
            "Stopped following org/name; the server goes on with the request. Check it with: bytez status org/name\n",
            run.Err,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_Downloading_PrintsKeyValueBlock()
    {
        await using var server = await StartAsync("Job queued", Status("downloading", 250, 1000));

        var run = await Cli.RunAsync(["status", "org/name", "--host", server.Host, "--key", "k"], cancellationToken: Ct);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            """
            model:    org/name
            state:    downloading
            revision: main
            format:   onnx
            files:    onnx/model.onnx (1.0 kB)
            progress: 250 B / 1.0 kB (25.0 %)
            created:  2026-03-01 10:00:00Z
            updated:  2026-03-01 10:00:01Z

            """.ReplaceLineEndings("\n"),
            run.Out);
    }

    [Fact]
    public async Task Status_Json_PrintsTheStatusAsJson()
    {
        await using var server = await StartAsync("Job queued", Status("failed", 0, 0, "Cancelled"));

        var run = await Cli.RunAsync(["status", "org/name", "--json", "--host", server.Host, "--key", "k"], cancellationToken: Ct);

        Assert.Equal(0, run.ExitCode);
        var status = JsonSerializer.Deserialize(run.Out, ProtocolJsonContext.Default.ModelRequestStatus)!;
        Assert.Equal("failed", status.State);
        Assert.Equal("Cancelled", status.Error);
    }

    [Fact]
    public async Task List_Requests_PrintsRequestTable()
    {
        await using var server = await StartAsync("Job queued", Status("downloading", 250, 1000), Status("failed", 0, 0, "Cancelled"));

        var run = await Cli.RunAsync(["list", "--requests", "--host", server.Host, "--key", "k"], cancellationToken: Ct);

        Assert.Equal(0, run.ExitCode);
        var lines = run.Out.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^ID\s+STATE\s+PROGRESS\s+SIZE\s+UPDATED\s+ERROR$", lines[0]);
        Assert.Matches(@"^org/name\s+failed\s+-\s+-\s+2026-03-01 10:00:01Z\s+Cancelled$", lines[1]);
        Assert.Matches(@"^org/name\s+downloading\s+25 %\s+1.0 kB\s+2026-03-01 10:00:01Z$", lines[2]);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    [Fact]
    public void ParseParameters_Values_KeepJsonTypesAndFallBackToStrings()
    {
        var parameters = BytezCommands.ParseParameters(
            ["max_new_tokens=20", "temperature=0.7", "do_sample=true", "stop=[\"\\n\"]", "mode=fast", "name=\"42\"", "expr=a=b"]);

        Assert.Equal(
            """{"max_new_tokens":20,"temperature":0.7,"do_sample":true,"stop":["\n"],"mode":"fast","name":"42","expr":"a=b"}""",
            parameters!.Value.GetRawText());
        Assert.Null(BytezCommands.ParseParameters([]));
    }

    [Theory]
    [InlineData("http://localhost:8080", "http://localhost:8080/models/v2/")]
    [InlineData("http://localhost:8080/", "http://localhost:8080/models/v2/")]
    [InlineData("https://host/prefix", "https://host/prefix/models/v2/")]
    [InlineData("http://host:1/models/v2", "http://host:1/models/v2/")]
    public void ApiBase_Host_EndsWithModelsV2(string host, string expected)
    {
        Assert.Equal(expected, BytezCommands.ApiBase(new Uri(host)).AbsoluteUri);
    }

    [Fact]
    public void ReadyLine_UnmeasuredModel_HasOnlyTheId()
    {
        Assert.Equal("Ready: org/name", BytezCommands.ReadyLine(new ModelRequestStatus { ModelId = "org/name", State = "ready" }));
    }
}
