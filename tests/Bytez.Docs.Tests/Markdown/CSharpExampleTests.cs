using Microsoft.CodeAnalysis;

namespace Bytez.Docs.Tests.Markdown;

/// <summary>
/// Every C# block of README.md, docs/*.md and the package READMEs compiles against the SDK, so a renamed member or a
/// missing <c>using</c> fails the build of the tests' CI run instead of a reader's first ten minutes.
/// </summary>
public sealed class CSharpExampleTests
{
    /// <summary>The examples, by the place of their first block.</summary>
    public static TheoryData<string> Examples() => [.. CSharpExample.All().Keys];

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_WithTheSdkNamespacesImported_CompilesWithoutErrors(string place)
    {
        var example = CSharpExample.All()[place];

        var errors = SnippetCompiler.Errors(example, SnippetCompiler.SdkNamespaces());

        Assert.True(errors.IsEmpty, $"The example at {place} does not compile:\n" + string.Join('\n', errors.Select(SnippetCompiler.Describe)));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_AsShown_HasTheUsingsItNeeds(string place)
    {
        var example = CSharpExample.All()[place];
        var withAll = SnippetCompiler.Errors(example, SnippetCompiler.SdkNamespaces()).Select(SnippetCompiler.Describe).ToHashSet();

        var missing = SnippetCompiler.Errors(example, [])
            .Where(e => !withAll.Contains(SnippetCompiler.Describe(e)))
            .Select(e => SnippetCompiler.Describe(e) + Suggestion(e))
            .ToList();

        Assert.True(missing.Count == 0, $"The example at {place} needs a using it does not show:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void Examples_OfTheReadme_AreFound()
    {
        var readme = CSharpExample.All().Values.Where(e => e.Place.StartsWith("README.md:", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(readme);
        Assert.True(readme.Sum(e => e.Blocks.Count) >= 8, "README.md should hold its C# examples in ```csharp fences.");
    }

    [Fact]
    public void Errors_WrongMemberName_ReportsTheMarkdownLine()
    {
        var block = new CodeBlock("README.md", 40, "csharp", ["using Bytez;", "", "var address = BytezClientOptions.LocalBaseAddress;"], false, null);

        var errors = SnippetCompiler.Errors(new CSharpExample([block]), []);

        var error = Assert.Single(errors);
        Assert.Equal("README.md:42: CS0117: 'BytezClientOptions' does not contain a definition for 'LocalBaseAddress'", SnippetCompiler.Describe(error));
    }

    [Fact]
    public void Errors_MissingProtocolUsing_IsOnlyAnErrorWithoutTheSdkNamespaces()
    {
        var block = new CodeBlock("README.md", 10, "csharp", ["using Bytez;", "var p = new ModelParameters { MaxNewTokens = 8 };"], false, null);
        var example = new CSharpExample([block]);

        Assert.Contains(SnippetCompiler.Errors(example, []), e => e.Id == "CS0246");
        Assert.Empty(SnippetCompiler.Errors(example, SnippetCompiler.SdkNamespaces()));
        Assert.Equal(["Bytez.Protocol"], SnippetCompiler.NamespacesOf("ModelParameters"));
    }

    [Fact]
    public void Source_UsingsInALaterBlock_AreHoistedAndKeepTheirLines()
    {
        var first = new CodeBlock("README.md", 10, "csharp", ["using Bytez;", "using var client = new BytezClient(\"key\");"], false, null);
        var second = new CodeBlock("README.md", 20, "csharp", ["using System.Text.Json;", "var e = JsonSerializer.SerializeToElement(1);"], true, null);

        var errors = SnippetCompiler.Errors(new CSharpExample([first, second]), []);

        Assert.Empty(errors);
    }

    private static string Suggestion(Diagnostic error)
    {
        if (error.Id is not ("CS0246" or "CS0103") || error.Location.SourceTree is null)
        {
            return string.Empty;
        }

        var name = error.Location.SourceTree.GetText().ToString(error.Location.SourceSpan);
        var generic = name.IndexOf('<', StringComparison.Ordinal);
        name = generic < 0 ? name : name[..generic];
        var namespaces = SnippetCompiler.NamespacesOf(name);
        return namespaces.Count == 0 ? string.Empty : $" (show `using {namespaces[0]};`)";
    }
}
