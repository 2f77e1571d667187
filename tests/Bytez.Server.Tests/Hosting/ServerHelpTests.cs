using System.Text.RegularExpressions;
using Bytez.Server.Hosting;

namespace Bytez.Server.Tests.Hosting;

/// <summary><c>--help</c> and <c>--version</c>: the server explains itself and exits instead of starting.</summary>
public sealed partial class ServerHelpTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("-?")]
    public async Task Help_EachSpelling_ListsOptionsWithVariablesAndDefaultsAndExits0(string flag)
    {
        var run = await ServerCommand.RunAsync(flag);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Err);
        Assert.Contains("--urls=<value>", run.Out, StringComparison.Ordinal);
        Assert.Contains("env ASPNETCORE_URLS; default http://localhost:8080", run.Out, StringComparison.Ordinal);
        Assert.Contains("--Bytez:Home=<value>", run.Out, StringComparison.Ordinal);
        Assert.Contains("env BYTEZ_HOME; default ~/.bytez", run.Out, StringComparison.Ordinal);
        Assert.Contains("env Bytez__Scheduler__MemoryBudgetBytes", run.Out, StringComparison.Ordinal);
        Assert.Contains("add-model", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_KeyAndTokenInEnvironment_NeverPrintsTheirValues()
    {
        const string hfToken = "hf_secretTokenValue987";
        var run = await ServerCommand.RunAsync(new Dictionary<string, string> { ["HF_TOKEN"] = hfToken }, "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("BYTEZ_KEY", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(ServerCommand.Key, run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(hfToken, run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_PrintsInformationalVersionAndExits0()
    {
        var run = await ServerCommand.RunAsync("--version");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal($"Bytez server {ServerHelp.Version}", run.Out.Trim());
        Assert.Matches(@"^\d+\.\d+\.\d+", ServerHelp.Version);
    }

    [Fact]
    public void Write_DocumentedOptions_AreExactlyTheOptionsInHelp()
    {
        using var help = new StringWriter();
        ServerHelp.Write(help);
        var inHelp = HelpOption().Matches(help.ToString()).Select(m => m.Groups[1].Value.TrimStart('-')).ToHashSet(StringComparer.Ordinal);
        var documented = DocumentedOptions().Select(o => o.TrimStart('-')).ToHashSet(StringComparer.Ordinal);

        Assert.True(documented.Count > 40, $"only {documented.Count} options read from docs/configuration.md");
        Assert.Empty(documented.Except(inHelp).Order());
        Assert.Empty(inHelp.Except(documented).Order());
    }

    // The first column of every table in docs/configuration.md whose header starts with "option".
    private static IEnumerable<string> DocumentedOptions()
    {
        var inOptionTable = false;
        foreach (var line in File.ReadLines(FindDocs()))
        {
            if (!line.StartsWith('|'))
            {
                inOptionTable = false;
                continue;
            }

            var first = line.Split('|', StringSplitOptions.TrimEntries)[1];
            if (first == "option")
            {
                inOptionTable = true;
            }
            else if (inOptionTable && DocsOption().Match(first) is { Success: true } match)
            {
                yield return match.Groups[1].Value;
            }
        }
    }

    private static string FindDocs()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var docs = Path.Combine(dir.FullName, "docs", "configuration.md");
            if (File.Exists(docs))
            {
                return docs;
            }
        }

        throw new FileNotFoundException("docs/configuration.md not found above the test's folder.");
    }

    [GeneratedRegex(@"^  (--\S+?)=<value>$", RegexOptions.Multiline)]
    private static partial Regex HelpOption();

    [GeneratedRegex(@"^`([^`]+)`$")]
    private static partial Regex DocsOption();
}
