using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Bytez.Testing;
using Bytez.Testing.Hub;

namespace Bytez.Cli.Tests.Terminal;

/// <summary>
/// The real <c>bytez</c> binary in its own process: in a pseudo-terminal (progress redrawn with <c>\r</c>, Ctrl+C,
/// a chat's prompt), redirected (plain lines), <c>serve</c>, and the bash completion script in a real bash.
/// </summary>
public sealed partial class TerminalTests
{
    private const string Secret = "sk-terminal-secret-9c1d";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string> Variables(HubTestServer env) => new()
    {
        ["BYTEZ_HOST"] = env.Server.BaseAddress.AbsoluteUri.TrimEnd('/'),
        ["BYTEZ_KEY"] = TestServer.Key,
    };

    [Fact]
    public async Task Pull_InATerminal_RedrawsOneProgressLineWithCarriageReturns()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("term-org/tiny-GGUF", ["tiny-Q4_K_M.gguf"]);
        env.Hub.BytesPerSecond = repo.Size("tiny-Q4_K_M.gguf") / 4;

        var run = await CliBinary.RunInTerminalAsync(["pull", repo.Id], Variables(env), cancellationToken: Ct);

        Assert.True(run.ExitCode == 0, run.ToString());
        var redraws = RedrawRegex().Matches(run.Out);
        Assert.True(redraws.Count >= 2, run.ToString());
        Assert.Contains(redraws, m => ProgressBarRegex().IsMatch(m.Value));
        Assert.Matches(@$"\nReady: {repo.Id} \(chat, ", run.Out);
        Assert.DoesNotContain(TestServer.Key, run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_Redirected_WritesPlainLinesWithoutCarriageReturns()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("term-org/plain-GGUF", ["tiny-Q4_K_M.gguf"]);
        env.Hub.BytesPerSecond = repo.Size("tiny-Q4_K_M.gguf") / 3;

        var run = await CliBinary.RunRedirectedAsync(["pull", repo.Id], Variables(env), Ct);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain('\r', run.Out + run.Err);
        Assert.Matches(@"(?m)^downloading: 1 file, ", run.Err);
        Assert.Matches(@"(?m)^ready$", run.Err);
        Assert.StartsWith($"Ready: {repo.Id} (chat, ", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_CtrlC_StopsFollowingWithExitCode130_AndTheServerGoesOn()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("term-org/slow-GGUF", ["tiny-Q4_K_M.gguf"]);
        env.Hub.BytesPerSecond = Math.Max(1, repo.Size("tiny-Q4_K_M.gguf") / 60);

        var run = await CliBinary.RunInTerminalAsync(["pull", repo.Id], Variables(env), interruptOn: "downloading", cancellationToken: Ct);

        Assert.True(run.ExitCode == 130, run.ToString());
        Assert.Contains($"Stopped following {repo.Id}; the server goes on with the request.", run.Out, StringComparison.Ordinal);
        using var client = env.CreateClient();
        var status = await HubTestServer.GetStatusAsync(client, repo.Id, Ct);
        Assert.Equal("downloading", status!.State);
    }

    [Fact]
    public async Task Help_InATerminalWithTheKeySet_NamesTheVariableNeverItsValue()
    {
        var variables = new Dictionary<string, string> { ["BYTEZ_KEY"] = Secret };

        var root = await CliBinary.RunInTerminalAsync(["--help"], variables, cancellationToken: Ct);
        var keys = await CliBinary.RunInTerminalAsync(["keys", "create", "--help"], variables, cancellationToken: Ct);

        Assert.Equal(0, root.ExitCode);
        Assert.Equal(0, keys.ExitCode);
        Assert.Contains("$BYTEZ_KEY", root.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, root.Out + keys.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_InATerminal_PromptsStreamsAndEndsAtBye()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("term-org/chat-GGUF", ["tiny-Q4_K_M.gguf"]);
        await env.RequestAndWaitAsync(repo.Id, cancellationToken: Ct);

        var run = await CliBinary.RunInTerminalAsync(
            ["run", repo.Id, "--param", "max_new_tokens=3"], Variables(env), prompt: ">>> ", inputs: ["hello", "/bye"], cancellationToken: Ct);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Chatting with {repo.Id}. Type /bye or press Ctrl+D to end.", run.Out, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Matches(run.Out, ">>> ").Count);
    }

    [Fact]
    public async Task Chat_CtrlD_EndsTheChat()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("term-org/eof-GGUF", ["tiny-Q4_K_M.gguf"]);
        await env.RequestAndWaitAsync(repo.Id, cancellationToken: Ct);

        var run = await CliBinary.RunInTerminalAsync(
            ["run", repo.Id, "--param", "max_new_tokens=2"], Variables(env), prompt: ">>> ", inputs: ["hi"], eofAfterInputs: true, cancellationToken: Ct);

        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public async Task Serve_StartsTheServerAndCtrlCStopsIt()
    {
        var port = FreePort();
        var home = Directory.CreateTempSubdirectory("bytez-cli-serve-").FullName;
        var variables = new Dictionary<string, string> { ["BYTEZ_KEY"] = TestServer.Key, ["BYTEZ_SERVER"] = CliBinary.ServerDll };
        try
        {
            using var process = CliBinary.Start(
                ["serve", "--urls", $"http://127.0.0.1:{port}", "--", $"--Bytez:Home={home}", "--Bytez:EmbeddedModels=false"], variables);
            process.StandardInput.Close();
            var serverOut = process.StandardOutput.ReadToEndAsync(Ct);
            var serverErr = process.StandardError.ReadToEndAsync(Ct);
            var listed = await WaitForListAsync($"http://127.0.0.1:{port}");

            Assert.True(listed.ExitCode == 0, listed.ToString());
            Assert.Equal("No models.\n", listed.Out);
            Assert.Equal(0, Kill(process.Id, 2));   // SIGINT, as Ctrl+C sends
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(exit.Token);
            Assert.True(process.ExitCode == 0, await serverOut + await serverErr);
            var after = await CliBinary.RunRedirectedAsync(["list", "--host", $"http://127.0.0.1:{port}", "--key", TestServer.Key], cancellationToken: Ct);
            Assert.StartsWith("Cannot reach the Bytez server", after.Err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_NoServerFound_SaysHowToGiveOneAndExits2()
    {
        var run = await CliBinary.RunRedirectedAsync(["serve", "--server", "/nonexistent/Bytez.Server.dll"], cancellationToken: Ct);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("is not a Bytez server", run.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bytez li", "list")]
    [InlineData("bytez keys r", "revoke rotate")]
    [InlineData("bytez rm --js", "--json")]
    public async Task CompletionScript_InBash_CompletesCommandsAndOptions(string line, string expected)
    {
        var shim = Directory.CreateTempSubdirectory("bytez-cli-shim-").FullName;
        try
        {
            var bytez = Path.Combine(shim, "bytez");
            await File.WriteAllTextAsync(bytez, $"#!/bin/sh\nexec dotnet '{CliBinary.CliDll}' \"$@\"\n", Ct);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(bytez, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var words = line.Split(' ');
            var script = $"""
                source <(bytez completion bash)
                COMP_LINE='{line}'; COMP_POINT={line.Length}; COMP_WORDS=({line}); COMP_CWORD={words.Length - 1}
                _bytez_complete
                echo "${"{"}COMPREPLY[*]{"}"}"
                """;
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-c", script])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["PATH"] = shim + ":" + Environment.GetEnvironmentVariable("PATH") },
            })!;
            var output = await process.StandardOutput.ReadToEndAsync(Ct);
            var error = await process.StandardError.ReadToEndAsync(Ct);
            await process.WaitForExitAsync(Ct);

            Assert.True(process.ExitCode == 0, error);
            Assert.Equal(expected, output.Trim());
        }
        finally
        {
            Directory.Delete(shim, recursive: true);
        }
    }

    private static async Task<BinaryRun> WaitForListAsync(string host)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var run = await CliBinary.RunRedirectedAsync(["list", "--host", host, "--key", TestServer.Key], cancellationToken: Ct);
            if (run.ExitCode == 0 || DateTime.UtcNow > deadline)
            {
                return run;
            }

            await Task.Delay(500, Ct);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    /// <summary>A carriage return that starts a redrawn line (not one of a CRLF).</summary>
    [GeneratedRegex(@"\r[^\r\n]*")]
    private static partial Regex RedrawRegex();

    [GeneratedRegex(@"\[[#.]{30}\]\s+\d+\.\d %")]
    private static partial Regex ProgressBarRegex();
}
