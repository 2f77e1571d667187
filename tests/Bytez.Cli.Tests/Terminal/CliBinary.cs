using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Bytez.Cli.Tests.Terminal;

/// <summary>The outcome of a run of the real binary: exit code and what it wrote (in a terminal, both streams together).</summary>
internal sealed record BinaryRun(int ExitCode, string Out, string Err)
{
    public override string ToString() => $"exit {ExitCode}\n--- out ---\n{Out}\n--- err ---\n{Err}";
}

/// <summary>
/// Runs the built <c>bytez</c> (src/Bytez.Cli's output, run by <c>dotnet</c> as the tool's shim does) as a separate
/// process: in a pseudo-terminal through <c>Terminal/pty_run.py</c>, or with its streams redirected.
/// </summary>
internal static class CliBinary
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Bytez.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (Bytez.slnx) is not above the test's folder.");
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Debug or Release: the configuration this test was built in, so the binaries match it.</summary>
    private static string Configuration => new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    /// <summary>The tool's assembly.</summary>
    public static string CliDll => Path.Combine(Root.Value, "src", "Bytez.Cli", "bin", Configuration, "net10.0", "Bytez.Cli.dll");

    /// <summary>The server's assembly (built as a dependency of Bytez.Testing).</summary>
    public static string ServerDll => Path.Combine(Root.Value, "src", "Bytez.Server", "bin", Configuration, "net10.0", "Bytez.Server.dll");

    /// <summary>Runs <c>bytez args</c> in a pseudo-terminal (160 columns) and returns what the terminal showed.</summary>
    public static async Task<BinaryRun> RunInTerminalAsync(
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string>? variables = null,
        string? interruptOn = null,
        string? prompt = null,
        IReadOnlyList<string>? inputs = null,
        bool eofAfterInputs = false,
        int timeoutSeconds = 120,
        CancellationToken cancellationToken = default)
    {
        var config = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["argv"] = new[] { "dotnet", CliDll }.Concat(args).ToArray(),
            ["interruptOn"] = interruptOn,
            ["prompt"] = prompt,
            ["inputs"] = inputs ?? [],
            ["eofAfterInputs"] = eofAfterInputs,
            ["timeout"] = timeoutSeconds,
        });
        var script = Path.Combine(AppContext.BaseDirectory, "Terminal", "pty_run.py");
        return await RunAsync("python3", [script, config], variables, cancellationToken);
    }

    /// <summary>Runs <c>bytez args</c> with standard output and error redirected (not a terminal).</summary>
    public static Task<BinaryRun> RunRedirectedAsync(
        IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? variables = null, CancellationToken cancellationToken = default) =>
        RunAsync("dotnet", [CliDll, .. args], variables, cancellationToken);

    /// <summary>Starts <c>bytez args</c> redirected, for a test that signals it while it runs.</summary>
    public static Process Start(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? variables = null)
    {
        var start = StartInfo("dotnet", [CliDll, .. args], variables);
        return Process.Start(start)!;
    }

    private static async Task<BinaryRun> RunAsync(
        string file, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? variables, CancellationToken cancellationToken)
    {
        using var process = Process.Start(StartInfo(file, args, variables))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new BinaryRun(process.ExitCode, await stdout, await stderr);
    }

    private static ProcessStartInfo StartInfo(string file, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? variables)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Only the variables the test gives: never the developer's own BYTEZ_KEY or BYTEZ_HOST.
        start.Environment.Remove("BYTEZ_KEY");
        start.Environment.Remove("BYTEZ_HOST");
        start.Environment.Remove("BYTEZ_SERVER");
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in variables ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }
}
