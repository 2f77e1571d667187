using System.Text.RegularExpressions;

namespace Bytez.Docs.Tests.Markdown;

/// <summary>
/// The repository's documentation: README.md, docs/*.md and the package READMEs under src/, read into their fenced
/// code blocks.
/// </summary>
public static partial class MarkdownFiles
{
    /// <summary>The mark that joins a C# block to the C# blocks before it in its file.</summary>
    public const string ContinuesMark = "continues";

    /// <summary>The prefix of the mark on a block the tests cannot run; the reason follows it.</summary>
    public const string NotRunMark = "not run:";

    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The repository root (the folder holding Bytez.slnx).</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>Every documentation file, relative to the root with forward slashes, in a stable order.</summary>
    public static IReadOnlyList<string> Files()
    {
        var files = new List<string> { "README.md" };
        files.AddRange(Directory.EnumerateFiles(Path.Combine(RepositoryRoot, "docs"), "*.md").Select(Relative).Order(StringComparer.Ordinal));
        files.AddRange(Directory.EnumerateFiles(Path.Combine(RepositoryRoot, "src"), "README.md", SearchOption.AllDirectories)
            .Select(Relative).Order(StringComparer.Ordinal));
        return files;
    }

    /// <summary>Every fenced code block of every documentation file.</summary>
    public static IReadOnlyList<CodeBlock> AllBlocks() => Files().SelectMany(Blocks).ToList();

    /// <summary>The fenced code blocks of one file, in order.</summary>
    /// <exception cref="InvalidDataException">A fence is never closed.</exception>
    public static IReadOnlyList<CodeBlock> Blocks(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot, file));
        var blocks = new List<CodeBlock>();
        for (var i = 0; i < lines.Length; i++)
        {
            var opening = lines[i].TrimStart();
            if (!opening.StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            var language = opening[3..].Trim().ToLowerInvariant();
            var start = i + 1;
            var end = start;
            while (end < lines.Length && lines[end].Trim() != "```")
            {
                end++;
            }

            if (end == lines.Length)
            {
                throw new InvalidDataException($"{file}:{i + 1}: the code fence is never closed.");
            }

            var mark = MarkBefore(lines, i);
            var notRun = mark is not null && mark.StartsWith(NotRunMark, StringComparison.OrdinalIgnoreCase)
                ? mark[NotRunMark.Length..].Trim()
                : null;
            blocks.Add(new CodeBlock(file, start + 1, language, lines[start..end], mark == ContinuesMark, notRun));
            i = end;
        }

        return blocks;
    }

    /// <summary>The text of the HTML comment on the last non-blank line before a fence, if that line is one.</summary>
    private static string? MarkBefore(string[] lines, int fence)
    {
        for (var j = fence - 1; j >= 0; j--)
        {
            if (string.IsNullOrWhiteSpace(lines[j]))
            {
                continue;
            }

            var match = MarkPattern().Match(lines[j].Trim());
            return match.Success ? match.Groups[1].Value.Trim() : null;
        }

        return null;
    }

    private static string Relative(string path) => Path.GetRelativePath(RepositoryRoot, path).Replace('\\', '/');

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Bytez.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Bytez.slnx above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^<!--\s*(.*?)\s*-->$")]
    private static partial Regex MarkPattern();
}
