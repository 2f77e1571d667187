using System.CommandLine;

namespace Bytez.Cli;

internal sealed partial class BytezCommands
{
    /// <summary>
    /// <c>bytez completion bash|zsh|pwsh</c>: prints a script that makes the shell complete commands and options. The
    /// script asks the tool itself through System.CommandLine's <c>[suggest]</c> directive, so nothing else
    /// (dotnet-suggest) needs installing.
    /// </summary>
    private Command CompletionCommand()
    {
        var shell = new Argument<string>("shell") { Description = "The shell: bash, zsh or pwsh" };
        shell.AcceptOnlyFromAmong([.. CompletionScripts.Shells]);
        var command = new Command("completion", "Print the shell completion script (add `source <(bytez completion bash)` to ~/.bashrc)") { shell };
        command.SetAction(async (parse, ct) =>
        {
            await _out.WriteAsync(CompletionScripts.For(parse.GetValue(shell)!)).ConfigureAwait(false);
            return Program.Success;
        });
        return command;
    }
}
