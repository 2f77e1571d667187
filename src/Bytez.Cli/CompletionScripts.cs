namespace Bytez.Cli;

/// <summary>
/// The shell completion scripts of <c>bytez completion</c>. Each passes the line typed so far and the cursor position
/// to <c>bytez "[suggest:&lt;position&gt;]" "&lt;line&gt;"</c> (System.CommandLine's suggest directive), which prints
/// one completion a line.
/// </summary>
internal static class CompletionScripts
{
    /// <summary>The shells a script exists for.</summary>
    public static IReadOnlyList<string> Shells { get; } = ["bash", "zsh", "pwsh"];

    /// <summary>The script for a shell of <see cref="Shells"/>.</summary>
    public static string For(string shell) => shell switch
    {
        "bash" => Bash,
        "zsh" => Zsh,
        "pwsh" => PowerShell,
        _ => throw new ArgumentOutOfRangeException(nameof(shell), shell, "Expected bash, zsh or pwsh."),
    };

    private const string Bash = """
        # bytez completion for bash: add `source <(bytez completion bash)` to ~/.bashrc
        _bytez_complete() {
            local IFS=$'\n'
            local suggestions
            suggestions="$(bytez "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)"
            COMPREPLY=($(compgen -W "${suggestions}" -- "${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -F _bytez_complete bytez

        """;

    private const string Zsh = """
        # bytez completion for zsh: add `source <(bytez completion zsh)` to ~/.zshrc
        _bytez_complete() {
            local -a suggestions
            suggestions=("${(@f)$(bytez "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
            compadd -- "${suggestions[@]}"
        }
        compdef _bytez_complete bytez

        """;

    private const string PowerShell = """
        # bytez completion for PowerShell: add `bytez completion pwsh | Out-String | Invoke-Expression` to $PROFILE
        Register-ArgumentCompleter -Native -CommandName bytez -ScriptBlock {
            param($wordToComplete, $commandAst, $cursorPosition)
            bytez "[suggest:$cursorPosition]" "$commandAst" 2>$null | ForEach-Object {
                [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
            }
        }

        """;
}
