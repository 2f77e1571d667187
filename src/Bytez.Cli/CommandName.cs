using System.CommandLine;
using System.CommandLine.Help;
using System.Text.RegularExpressions;

namespace Bytez.Cli;

/// <summary>
/// Makes help call the tool <c>bytez</c>. System.CommandLine names the root command after the running assembly
/// (<c>RootCommand.ExecutableName</c>, read-only), which is <c>Bytez.Cli</c> both under <c>dotnet Bytez.Cli.dll</c> and
/// under the tool's shim; the assembly cannot be renamed <c>bytez</c> (it would shadow the SDK's <c>Bytez.dll</c>). So
/// help is written as usual and the root's name in it is replaced by the command's.
/// </summary>
internal static class CommandName
{
    /// <summary>The command's name, as the tool installs it (<c>ToolCommandName</c>).</summary>
    public const string Name = "bytez";

    /// <summary>
    /// Runs <paramref name="parsed"/> when its action is help (<c>--help</c>, <c>-h</c>, <c>-?</c>), writing the help
    /// to <paramref name="output"/> with the root command named <see cref="Name"/>; <see langword="null"/> for any
    /// other action.
    /// </summary>
    public static async Task<int?> TryWriteHelpAsync(ParseResult parsed, InvocationConfiguration configuration, TextWriter output, CancellationToken cancellationToken)
    {
        if (parsed.Action is not HelpAction)
        {
            return null;
        }

        using var text = new StringWriter { NewLine = output.NewLine };
        var original = configuration.Output;
        configuration.Output = text;
        int code;
        try
        {
            code = await parsed.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            configuration.Output = original;
        }

        var rootName = parsed.RootCommandResult.Command.Name;
        var help = rootName == Name
            ? text.ToString()
            : Regex.Replace(text.ToString(), $@"(?<![\w.-]){Regex.Escape(rootName)}(?![\w.-])", Name, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        await output.WriteAsync(help).ConfigureAwait(false);
        return code;
    }
}
