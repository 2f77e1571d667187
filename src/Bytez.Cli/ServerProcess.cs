using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Bytez.Cli;

/// <summary>
/// The Bytez server as a child process of <c>bytez serve</c>. The tool does not host the server in-process: the
/// server carries native runtimes (ONNX Runtime, llama.cpp) for every platform and embedded models, several hundred
/// MB that a .NET tool package should not hold, so the tool runs a server that was built or published on this
/// machine: an apphost (<c>Bytez.Server</c>), an assembly (<c>Bytez.Server.dll</c>, run with <c>dotnet</c>), or a
/// project (a <c>.csproj</c> or its folder, run with <c>dotnet run</c>).
/// </summary>
internal static partial class ServerProcess
{
    /// <summary>The variable that names the server to run when <c>--server</c> is not given.</summary>
    public const string Variable = "BYTEZ_SERVER";

    private const int SigTerm = 15;

    /// <summary>
    /// The server to run: <paramref name="given"/> (from <c>--server</c> or <see cref="Variable"/>), else a server next
    /// to this tool. <see langword="null"/> when there is none; <paramref name="problem"/> says what was wrong with a given path.
    /// </summary>
    public static ProcessStartInfo? Resolve(string? given, string baseDirectory, out string? problem)
    {
        problem = null;
        if (given is not null)
        {
            var path = Path.GetFullPath(given);
            var start = StartInfo(path);
            if (start is null)
            {
                problem = $"'{given}' is not a Bytez server: expected the Bytez.Server executable, Bytez.Server.dll, or the Bytez.Server project (.csproj or its folder).";
            }

            return start;
        }

        foreach (var name in new[] { OperatingSystem.IsWindows() ? "Bytez.Server.exe" : "Bytez.Server", "Bytez.Server.dll" })
        {
            if (StartInfo(Path.Combine(baseDirectory, name)) is { } start)
            {
                return start;
            }
        }

        return null;
    }

    /// <summary>How to start the server at <paramref name="path"/>, or <see langword="null"/> when nothing runnable is there.</summary>
    internal static ProcessStartInfo? StartInfo(string path)
    {
        if (Directory.Exists(path))
        {
            var project = Path.Combine(path, "Bytez.Server.csproj");
            return File.Exists(project) ? StartInfo(project) : null;
        }

        if (!File.Exists(path))
        {
            return null;
        }

        var start = new ProcessStartInfo { UseShellExecute = false };
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".csproj":
                start.FileName = "dotnet";
                start.ArgumentList.Add("run");
                start.ArgumentList.Add("--project");
                start.ArgumentList.Add(path);
                start.ArgumentList.Add("--");
                break;
            case ".dll":
                start.FileName = "dotnet";
                start.ArgumentList.Add(path);
                break;
            case ".exe" or "":
                start.FileName = path;
                break;
            default:
                return null;
        }

        return start;
    }

    /// <summary>
    /// Runs the server with its standard streams those of this process until it exits. Cancelling (Ctrl+C) asks it to
    /// shut down (SIGTERM; on Windows it is ended), waits up to 30 s for it, then ends it.
    /// </summary>
    /// <returns>The server's exit code (0 after a clean shutdown).</returns>
    public static async Task<int> RunAsync(ProcessStartInfo start, CancellationToken cancellationToken)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A terminal's Ctrl+C reached the server too (same process group); a signal sent to this process alone did not.
            if (!OperatingSystem.IsWindows() && !process.HasExited)
            {
                _ = Kill(process.Id, SigTerm);
            }
            else if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        return process.ExitCode;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
