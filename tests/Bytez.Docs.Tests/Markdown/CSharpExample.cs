namespace Bytez.Docs.Tests.Markdown;

/// <summary>
/// One C# example as a reader runs it: a block, joined with the blocks after it that are marked
/// <c>&lt;!-- continues --&gt;</c>.
/// </summary>
/// <param name="Blocks">The blocks, in the order of the file.</param>
public sealed record CSharpExample(IReadOnlyList<CodeBlock> Blocks)
{
    /// <summary>The place of the first block, <c>README.md:45</c>: the example's name in test results.</summary>
    public string Place => Blocks[0].Place;

    /// <summary>Every C# example of the documentation, keyed by <see cref="Place"/>.</summary>
    /// <exception cref="InvalidDataException">A file's first C# block is marked as a continuation.</exception>
    public static IReadOnlyDictionary<string, CSharpExample> All()
    {
        var examples = new Dictionary<string, CSharpExample>(StringComparer.Ordinal);
        foreach (var file in MarkdownFiles.Files())
        {
            List<CodeBlock>? current = null;
            foreach (var block in MarkdownFiles.Blocks(file).Where(b => b.IsCSharp))
            {
                if (block.Continues)
                {
                    if (current is null)
                    {
                        throw new InvalidDataException($"{block.Place}: marked as a continuation, but no C# block comes before it.");
                    }

                    current.Add(block);
                    continue;
                }

                current = [block];
                examples.Add(block.Place, new CSharpExample(current));
            }
        }

        return examples;
    }
}
