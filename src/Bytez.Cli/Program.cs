namespace Bytez.Cli;

/// <summary>The entry point of the <c>bytez</c> command.</summary>
public static class Program
{
    /// <summary>Exit code of a command that did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>Exit code of a failure: the server's error, an unreachable server, a failed model request.</summary>
    public const int Failure = 1;

    /// <summary>Exit code of a command line that does not parse, or lacks a key.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code after Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    /// <summary>Runs the command line with the console; Ctrl+C cancels the running command once.</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            // The first Ctrl+C stops the command gracefully; a second one ends the process as usual.
            if (!cancel.IsCancellationRequested)
            {
                e.Cancel = true;
                cancel.Cancel();
            }
        }

        Console.CancelKeyPress += OnCancel;
        try
        {
            return await RunAsync(args, Console.Out, Console.Error, CliEnvironment.FromConsole(), cancel.Token).ConfigureAwait(false);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
        }
    }

    /// <summary>Runs the command line in-process, writing to the given writers (what tests call).</summary>
    /// <param name="args">The arguments, without the command name.</param>
    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where progress, errors and hints go.</param>
    /// <param name="environment">Environment variables, terminal facts and the clock; <see langword="null"/> for a non-terminal with the process's variables.</param>
    /// <param name="cancellationToken">Stops the running command, as Ctrl+C does.</param>
    /// <returns>The exit code: <see cref="Success"/>, <see cref="Failure"/>, <see cref="UsageError"/> or <see cref="Interrupted"/>.</returns>
    public static Task<int> RunAsync(
        string[] args,
        TextWriter stdout,
        TextWriter stderr,
        CliEnvironment? environment = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        return new BytezCommands(stdout, stderr, environment ?? new CliEnvironment()).RunAsync(args, cancellationToken);
    }
}
