using System.Text.RegularExpressions;
using Bytez.Testing;

namespace Bytez.Packaging.Tests;

/// <summary>
/// The packages as a user meets them: what the .nupkg files say, the SDK package referenced from a fresh console app
/// and the CLI installed as a .NET tool, both run against a real server on loopback. Slow (several dotnet
/// processes), so the packages are packed once for the class.
/// </summary>
public sealed partial class PackagesTests(PackagesFixture fixture) : IClassFixture<PackagesFixture>
{
    private const int Timeout = 20 * 60 * 1000;

    private const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";

    private const string ArcticXs = "Snowflake/snowflake-arctic-embed-xs";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = Timeout)]
    public void Pack_AllPackages_ShareOneSemVerVersion()
    {
        Assert.Matches(SemVer(), fixture.Version);
        foreach (var id in PackagesFixture.PackedProjects)
        {
            var nuspec = Nuspec.Read(fixture.Package(id));
            Assert.Equal(id, nuspec.Id);
            Assert.Equal(fixture.Version, nuspec.Version);
            Assert.True(File.Exists(fixture.Package(id, ".snupkg")), $"{id}: no symbol package");
        }

        Assert.Equal(6, Directory.GetFiles(fixture.Feed).Length);
    }

    [Fact(Timeout = Timeout)]
    public void Pack_Sdk_HasReadmeLicenceAndItsDependencies()
    {
        var package = fixture.Package("Bytez");
        var nuspec = Nuspec.Read(package);

        Assert.Equal(("expression", "MIT"), (nuspec.LicenseType, nuspec.License));
        Assert.Equal("README.md", nuspec.Readme);
        Assert.Equal(
            File.ReadAllText(Path.Combine(PackagesFixture.RepositoryRoot, "src", "Bytez", "README.md")),
            Nuspec.ReadText(package, "README.md"));
        Assert.Contains("lib/net8.0/Bytez.dll", nuspec.Files);
        Assert.Contains("lib/net10.0/Bytez.dll", nuspec.Files);
        Assert.Contains("lib/net10.0/Bytez.xml", nuspec.Files);
        // The Microsoft.Extensions.AI adapters and AddBytezClient (docs/extensions-ai.md) bring three packages, on both frameworks.
        Assert.Equal(
            from framework in new[] { "net10.0", "net8.0" }
            from dependency in new[]
            {
                ("Bytez.Protocol", fixture.Version),
                ("Microsoft.Extensions.AI", "11.0.0"),
                ("Microsoft.Extensions.Http", "10.0.13"),
                ("Microsoft.Extensions.Options.ConfigurationExtensions", "10.0.13"),
            }
            select new NuspecDependency(framework, dependency.Item1, dependency.Item2),
            nuspec.Dependencies.OrderBy(d => d.TargetFramework, StringComparer.Ordinal).ThenBy(d => d.Id, StringComparer.Ordinal));
        Assert.Equal("README.md", Nuspec.Read(fixture.Package("Bytez.Protocol")).Readme);
    }

    [Fact(Timeout = Timeout)]
    public void Pack_Sdk_SymbolPackageHasDeterministicSourcePaths()
    {
        var symbols = fixture.Package("Bytez", ".snupkg");
        foreach (var framework in new[] { "net8.0", "net10.0" })
        {
            var documents = Nuspec.PdbDocuments(symbols, $"lib/{framework}/Bytez.pdb");

            // A CI build (CI=true) maps the checkout to /_/: no build machine's paths in what users download.
            Assert.Contains("/_/src/Bytez/BytezClient.cs", documents);
            Assert.DoesNotContain(documents, d => d.StartsWith(PackagesFixture.RepositoryRoot, StringComparison.Ordinal));
        }
    }

    [Fact(Timeout = Timeout)]
    public void Pack_Cli_IsDotnetToolWithItsReadme()
    {
        var package = fixture.Package("Bytez.Cli");
        var nuspec = Nuspec.Read(package);

        Assert.Equal(["DotnetTool"], nuspec.PackageTypes);
        Assert.Contains("tools/net10.0/any/Bytez.Cli.dll", nuspec.Files);
        Assert.Contains("tools/net10.0/any/DotnetToolSettings.xml", nuspec.Files);
        Assert.Contains("<Command Name=\"bytez\"", Nuspec.ReadText(package, "tools/net10.0/any/DotnetToolSettings.xml"), StringComparison.Ordinal);
        Assert.Equal(("expression", "MIT"), (nuspec.LicenseType, nuspec.License));
        Assert.StartsWith("# bytez", Nuspec.ReadText(package, "README.md"), StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task SdkPackage_FreshConsoleApp_ListsModelsAndRunsAnEmbedding()
    {
        var app = CreateUserFolder("app");
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Bytez" Version="{fixture.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), $$"""
            using Bytez;

            using var client = new BytezClient(new BytezClientOptions
            {
                ApiKey = Environment.GetEnvironmentVariable("BYTEZ_KEY"),
                BaseAddress = new Uri(args[0]),
            });
            foreach (var model in (await client.List.ModelsAsync()).EnsureSuccess().Output!)
            {
                Console.WriteLine($"model: {model.ModelId}");
            }

            var result = await client.Model("{{MiniLm}}").RunAsync("The weather is lovely today.");
            Console.WriteLine($"embedding: {result.EnsureSuccess().GetEmbedding().Length}");
            """);
        var environment = new Dictionary<string, string>(fixture.InstallEnvironment) { ["BYTEZ_KEY"] = TestServer.Key };

        var run = await DotnetProcess.RunDotnetAsync(
            ["run", "--", fixture.Server.ApiBase.AbsoluteUri], app, environment, PackagesFixture.CommandTimeout, Ct);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Out.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains($"model: {MiniLm}", lines);
        Assert.Contains($"model: {ArcticXs}", lines);
        Assert.Contains("embedding: 384", lines);
        // Restored from the feed into our own packages folder, at the packed version.
        Assert.True(Directory.Exists(Path.Combine(fixture.PackagesFolder, "bytez", fixture.Version)), run.ToString());
        Assert.True(Directory.Exists(Path.Combine(fixture.PackagesFolder, "bytez.protocol", fixture.Version)), run.ToString());
    }

    [Fact(Timeout = Timeout)]
    public async Task CliPackage_InstalledAsTool_ListsTheServersModels()
    {
        var user = CreateUserFolder("tool-user");
        var tools = Path.Combine(user, "tools");

        var install = await DotnetProcess.RunDotnetAsync(
            ["tool", "install", "Bytez.Cli", "--version", fixture.Version, "--tool-path", tools, "--add-source", fixture.Feed],
            user, fixture.InstallEnvironment, PackagesFixture.CommandTimeout, Ct);
        Assert.True(install.ExitCode == 0, install.ToString());

        var list = await DotnetProcess.RunAsync(
            Path.Combine(tools, "bytez"),
            ["list", "--host", fixture.Server.BaseAddress.AbsoluteUri.TrimEnd('/'), "--key", TestServer.Key],
            user, null, TimeSpan.FromMinutes(2), Ct);

        Assert.True(list.ExitCode == 0, list.ToString());
        var lines = list.Out.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Matches(@"^ID\s+TASK", lines[0]);
        Assert.Contains(lines, l => l.StartsWith(MiniLm + " ", StringComparison.Ordinal) && l.Contains("sentence-similarity", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(ArcticXs + " ", StringComparison.Ordinal) && l.Contains("feature-extraction", StringComparison.Ordinal));
    }

    /// <summary>
    /// A folder where a user works: outside the repository, with a nuget.config adding the local feed to the machine's
    /// usual sources, and empty Directory.*.props so that nothing of a parent folder's build settings applies.
    /// </summary>
    private string CreateUserFolder(string name)
    {
        var folder = Path.Combine(fixture.Root, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="bytez-local" value="{fixture.Feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(folder, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(folder, "Directory.Build.targets"), "<Project />");
        File.WriteAllText(Path.Combine(folder, "Directory.Packages.props"), "<Project />");
        return folder;
    }

    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$")]
    private static partial Regex SemVer();
}
