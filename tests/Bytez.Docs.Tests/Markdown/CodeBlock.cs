namespace Bytez.Docs.Tests.Markdown;

/// <summary>
/// One fenced code block of a Markdown file: its language, its text, the line of its first code line, and the mark
/// (an HTML comment on the line before the fence) that says how the tests treat it.
/// </summary>
/// <param name="File">The file's path relative to the repository root, with forward slashes.</param>
/// <param name="Line">The 1-based line of the block's first code line.</param>
/// <param name="Language">The fence's info string (<c>csharp</c>, <c>sh</c>, ...), lower case.</param>
/// <param name="Code">The lines between the fences.</param>
/// <param name="Continues">Marked <c>&lt;!-- continues --&gt;</c>: compiled with the C# blocks before it in the file.</param>
/// <param name="NotRunReason">Marked <c>&lt;!-- not run: reason --&gt;</c>: the reason the tests cannot run it.</param>
public sealed record CodeBlock(string File, int Line, string Language, IReadOnlyList<string> Code, bool Continues, string? NotRunReason)
{
    /// <summary>The block's place, <c>README.md:45</c>.</summary>
    public string Place => $"{File}:{Line}";

    /// <summary>Whether the block is C# (<c>csharp</c>, <c>cs</c> or <c>c#</c>).</summary>
    public bool IsCSharp => Language is "csharp" or "cs" or "c#";
}
