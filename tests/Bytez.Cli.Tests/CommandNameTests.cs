using Bytez.Cli.Tests.Terminal;

namespace Bytez.Cli.Tests;

/// <summary>The real binary's help calls the tool <c>bytez</c>, not its assembly <c>Bytez.Cli</c>.</summary>
public sealed class CommandNameTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Usage:\n  bytez [command] [options]", "--help")]
    [InlineData("Usage:\n  bytez keys create <name> [options]", "keys", "create", "--help")]
    [InlineData("Usage:\n  bytez run <model> [<input>] [options]", "run", "-h")]
    public async Task Help_OfTheRealBinary_NamesTheToolBytez(string usage, params string[] args)
    {
        var run = await CliBinary.RunRedirectedAsync(args, cancellationToken: Ct);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(usage, run.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("Bytez.Cli", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_InProcess_NamesTheToolBytez()
    {
        var run = await Cli.RunAsync(["stop", "--help"], cancellationToken: Ct);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("\n  bytez stop ", run.Out, StringComparison.Ordinal);
    }
}
