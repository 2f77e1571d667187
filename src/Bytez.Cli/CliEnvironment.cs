namespace Bytez.Cli;

/// <summary>What the command reads from its surroundings: environment variables, the terminal and the clock.</summary>
public sealed class CliEnvironment
{
    /// <summary>Reads an environment variable (<c>BYTEZ_HOST</c>, <c>BYTEZ_KEY</c>); the process's by default.</summary>
    public Func<string, string?> GetVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Whether standard error is a terminal, so progress is one redrawn line; otherwise plain lines.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>The terminal's width in columns, 0 when unknown.</summary>
    public int TerminalWidth { get; init; }

    /// <summary>Where a chat reads its messages from, one a line; standard input by default.</summary>
    public TextReader Input { get; init; } = TextReader.Null;

    /// <summary>Whether standard input is a terminal, so a chat shows a prompt.</summary>
    public bool InputIsTerminal { get; init; }

    /// <summary>The clock of the polling and of the download rate.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The process's environment and console.</summary>
    public static CliEnvironment FromConsole()
    {
        var terminal = !Console.IsErrorRedirected;
        var width = 0;
        if (terminal)
        {
            try
            {
                width = Console.WindowWidth;
            }
            catch (IOException)
            {
            }
        }

        return new CliEnvironment
        {
            ErrorIsTerminal = terminal,
            TerminalWidth = width,
            Input = Console.In,
            InputIsTerminal = !Console.IsInputRedirected,
        };
    }
}
