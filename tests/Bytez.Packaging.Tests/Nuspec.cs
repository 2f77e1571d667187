using System.IO.Compression;
using System.Reflection.Metadata;
using System.Xml.Linq;

namespace Bytez.Packaging.Tests;

/// <summary>A package dependency as the .nuspec lists it.</summary>
internal sealed record NuspecDependency(string TargetFramework, string Id, string Version);

/// <summary>What a package says about itself: its .nuspec, read out of the .nupkg, and the files it holds.</summary>
internal sealed record Nuspec(
    string Id,
    string Version,
    string? LicenseType,
    string? License,
    string? Readme,
    IReadOnlyList<string> PackageTypes,
    IReadOnlyList<NuspecDependency> Dependencies,
    IReadOnlyList<string> Files)
{
    /// <summary>Reads the .nuspec and the file list of a package.</summary>
    public static Nuspec Read(string packagePath)
    {
        using var zip = ZipFile.OpenRead(packagePath);
        var entry = zip.Entries.Single(e => !e.FullName.Contains('/', StringComparison.Ordinal)
            && e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase));
        using var stream = entry.Open();
        var metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        var license = Child(metadata, "license");
        var dependencies =
            from element in metadata.Descendants()
            where element.Name.LocalName == "dependency"
            let framework = element.Parent!.Name.LocalName == "group" ? (string?)element.Parent.Attribute("targetFramework") ?? "" : ""
            select new NuspecDependency(framework, (string)element.Attribute("id")!, (string)element.Attribute("version")!);
        var types =
            from element in metadata.Descendants()
            where element.Name.LocalName == "packageType"
            select (string)element.Attribute("name")!;
        return new Nuspec(
            Child(metadata, "id")!.Value,
            Child(metadata, "version")!.Value,
            (string?)license?.Attribute("type"),
            license?.Value,
            Child(metadata, "readme")?.Value,
            types.ToList(),
            dependencies.ToList(),
            zip.Entries.Select(e => e.FullName).ToList());
    }

    /// <summary>Whether the package at the path has the id (package file names alone are ambiguous: Bytez.Cli.*).</summary>
    public static bool IsPackage(string packagePath, string id) => Read(packagePath).Id == id;

    /// <summary>The text of a file inside a package.</summary>
    public static string ReadText(string packagePath, string path)
    {
        using var zip = ZipFile.OpenRead(packagePath);
        using var reader = new StreamReader(zip.GetEntry(path)!.Open());
        return reader.ReadToEnd();
    }

    /// <summary>The source document paths recorded in a portable PDB inside a (symbol) package.</summary>
    public static IReadOnlyList<string> PdbDocuments(string packagePath, string path)
    {
        using var zip = ZipFile.OpenRead(packagePath);
        using var copy = new MemoryStream();
        using (var entry = zip.GetEntry(path)!.Open())
        {
            entry.CopyTo(copy);
        }

        copy.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(copy);
        var reader = provider.GetMetadataReader();
        return reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToList();
    }

    private static XElement? Child(XElement parent, string name) =>
        parent.Elements().SingleOrDefault(e => e.Name.LocalName == name);
}
