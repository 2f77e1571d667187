using System.Xml.Linq;
using Bytez.Testing;

namespace Bytez.Packaging.Tests;

/// <summary>
/// Packs Bytez.Protocol, Bytez and Bytez.Cli once for the test class, the way a release is packed (Release, CI=true),
/// into a local feed in a temporary folder outside the repository, and starts a real server for the installed
/// packages to talk to. Builds go to the temporary folder too (<c>--artifacts-path</c>), so the repository's own
/// obj/ and bin/ are never written and a concurrent build of the suite is not disturbed.
/// </summary>
public sealed class PackagesFixture : IAsyncLifetime
{
    /// <summary>The projects packed, in dependency order.</summary>
    public static readonly string[] PackedProjects = ["Bytez.Protocol", "Bytez", "Bytez.Cli"];

    /// <summary>How long one dotnet command may take on a busy machine before it is killed.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(10);

    /// <summary>How long packing (a Release build of the three projects) may take before it is killed.</summary>
    public static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(20);

    /// <summary>The temporary folder holding everything the tests write.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "bytez-packaging-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The local feed the packages were packed into.</summary>
    public string Feed => Path.Combine(Root, "feed");

    /// <summary>
    /// The NuGet global packages folder of the installs: our own, so a package packed now is never confused with an
    /// older build of the same version in the user's cache, and nothing of the tests stays in that cache.
    /// </summary>
    public string PackagesFolder => Path.Combine(Root, "nuget-packages");

    /// <summary>The repository checkout (the folder holding Bytez.slnx).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The version the packages got.</summary>
    public string Version { get; private set; } = "";

    /// <summary>The real server the installed packages call.</summary>
    public TestServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        var artifacts = Path.Combine(Root, "artifacts");
        var packing = PackAllAsync(artifacts);
        Server = await TestServer.StartAsync();
        await packing;
        var sdk = Directory.GetFiles(Feed, "Bytez.*.nupkg").Single(f => Nuspec.IsPackage(f, "Bytez"));
        Version = Nuspec.Read(sdk).Version;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The path of a package file in the feed, e.g. <c>Package("Bytez", ".snupkg")</c>.</summary>
    public string Package(string id, string extension = ".nupkg") => Path.Combine(Feed, $"{id}.{Version}{extension}");

    /// <summary>
    /// The environment of a user's install: our packages folder; every other NuGet setting (sources, HTTP cache) is
    /// the machine's own.
    /// </summary>
    public IReadOnlyDictionary<string, string> InstallEnvironment => new Dictionary<string, string>
    {
        ["NUGET_PACKAGES"] = PackagesFolder,
    };

    private async Task PackAllAsync(string artifacts)
    {
        // One dotnet pack over a solution of the three projects: one restore, and MSBuild orders and shares the builds.
        var solution = Path.Combine(Root, "packages.slnx");
        new XElement(
            "Solution",
            PackedProjects.Select(p => new XElement("Project", new XAttribute("Path", Path.Combine(RepositoryRoot, "src", p, p + ".csproj")))))
            .Save(solution);
        var run = await DotnetProcess.RunDotnetAsync(
            ["pack", solution, "-c", "Release", "--artifacts-path", artifacts, $"-p:PackageOutputPath={Feed}"],
            RepositoryRoot,
            new Dictionary<string, string> { ["CI"] = "true" },
            PackTimeout,
            CancellationToken.None);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet pack failed.\n{run}");
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Bytez.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Bytez.slnx above {AppContext.BaseDirectory}.");
    }
}
