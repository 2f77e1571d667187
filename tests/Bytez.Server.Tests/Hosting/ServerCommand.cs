using System.Diagnostics;

namespace Bytez.Server.Tests.Hosting;

/// <summary>The outcome of one run of the server as its own process.</summary>
internal sealed record ServerCommandRun(int ExitCode, string Out, string Err)
{
    /// <summary>The lines written to standard error.</summary>
    public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Runs <c>dotnet Bytez.Server.dll</c> with arguments, as a user would from the shell, until it exits.</summary>
internal static class ServerCommand
{
    public const string Key = "startup-test-key-0123456789";

    /// <summary>Runs the server and waits (at most a minute, a hang guard) for it to exit.</summary>
    public static async Task<ServerCommandRun> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Bytez.Server.dll"));
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["BYTEZ_KEY"] = Key;
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ServerCommandRun(process.ExitCode, await output, await error);
    }

    public static Task<ServerCommandRun> RunAsync(params string[] args) => RunAsync(null, args);
}
