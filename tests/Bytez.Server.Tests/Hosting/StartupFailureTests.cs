using System.Net;
using System.Net.Sockets;

namespace Bytez.Server.Tests.Hosting;

/// <summary>
/// A server that cannot start says why in one line on standard error, with what to do, and exits non-zero; the stack
/// trace goes only to the log at Debug. Each case runs the real server as its own process.
/// </summary>
public sealed class StartupFailureTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bytez-startup-").FullName;

    private string[] Arguments(params string[] extra) =>
    [
        $"--Bytez:Home={Path.Combine(_root, "home")}",
        $"--Bytez:ModelsPath={Path.Combine(_root, "models")}",
        "--Bytez:EmbeddedModels=false",
        .. extra,
    ];

    [Fact]
    public async Task Start_PortInUse_OneLineNamingAddressAndFixExits1()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)other.LocalEndpoint).Port}";

        var run = await ServerCommand.RunAsync(Arguments("--urls", address));

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrLines);
        Assert.StartsWith($"listen {address}: address already in use.", line, StringComparison.Ordinal);
        Assert.Contains("--urls", line, StringComparison.Ordinal);
        Assert.Contains("ASPNETCORE_URLS", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PortInUseWithDebugLogging_TraceGoesToTheLogOnly()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)other.LocalEndpoint).Port}";

        var run = await ServerCommand.RunAsync(Arguments("--urls", address, "--Logging:LogLevel:Default=Debug"));

        Assert.Equal(1, run.ExitCode);
        Assert.Single(run.ErrLines);
        Assert.Contains("AddressInUseException", run.Out, StringComparison.Ordinal);
        Assert.Contains("   at ", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NonNumericMemoryBudget_OneLineNamingOptionExits1()
    {
        var run = await ServerCommand.RunAsync(Arguments("--urls", "http://127.0.0.1:0", "--Bytez:Scheduler:MemoryBudgetBytes=lots"));

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrLines);
        Assert.Equal(
            "Invalid setting: Bytez:Scheduler:MemoryBudgetBytes must be a whole number, not 'lots'. Fix --Bytez:Scheduler:MemoryBudgetBytes (or the environment variable Bytez__Scheduler__MemoryBudgetBytes) or remove it to use the default; see --help for every option.",
            line);
        Assert.DoesNotContain("   at ", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NonBooleanFromEnvironment_OneLineNamingVariableExits1()
    {
        var run = await ServerCommand.RunAsync(
            new Dictionary<string, string> { ["Bytez__Metrics__Enabled"] = "sometimes" },
            Arguments("--urls", "http://127.0.0.1:0"));

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrLines);
        Assert.Contains("Bytez:Metrics:Enabled must be true or false, not 'sometimes'", line, StringComparison.Ordinal);
        Assert.Contains("Bytez__Metrics__Enabled", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OutOfRangeValue_OneLineInvalidSettingExits1()
    {
        var run = await ServerCommand.RunAsync(Arguments("--urls", "http://127.0.0.1:0", "--Bytez:Scheduler:DefaultTimeoutMinutes=0"));

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrLines);
        Assert.StartsWith("Invalid setting: DefaultTimeoutMinutes must be from 1 to 1440", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_UrlsNotAnAddress_OneLineNamingTheValueAndFixExits1()
    {
        var run = await ServerCommand.RunAsync(Arguments("--urls", "not-an-address"));

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrLines);
        Assert.StartsWith("Invalid setting: --urls (or ASPNETCORE_URLS) has 'not-an-address'", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_DataDirectoryNotWritable_OneLineNamingDirectoryAndFixExits1()
    {
        // A regular file where a directory should be: unwritable for every user, root included.
        var file = Path.Combine(_root, "not-a-directory");
        await File.WriteAllTextAsync(file, "", TestContext.Current.CancellationToken);
        var home = Path.Combine(file, "home");

        var run = await ServerCommand.RunAsync(
            "--urls", "http://127.0.0.1:0", $"--Bytez:Home={home}", $"--Bytez:ModelsPath={Path.Combine(_root, "models")}", "--Bytez:EmbeddedModels=false");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrLines);
        Assert.StartsWith($"The data directory {home} is not writable", line, StringComparison.Ordinal);
        Assert.Contains("BYTEZ_HOME", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Out, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
