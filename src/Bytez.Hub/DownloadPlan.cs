using Bytez.Hub.Planning;

namespace Bytez.Hub;

/// <summary>The weight formats a model request can fetch.</summary>
public static class ModelFormats
{
    /// <summary>ONNX in the Hugging Face / Optimum layout, run by ONNX Runtime.</summary>
    public const string Onnx = "onnx";

    /// <summary>A GGUF file, run by llama.cpp.</summary>
    public const string Gguf = "gguf";
}

/// <summary>What a model request downloads: the files the engine needs from one commit of a repository, and the task.</summary>
public sealed record DownloadPlan
{
    /// <summary>The repository id as the hub spells it.</summary>
    public required string ModelId { get; init; }

    /// <summary>The commit the files come from.</summary>
    public required string Commit { get; init; }

    /// <summary>The task the model will be served under (its pipeline tag).</summary>
    public required string Task { get; init; }

    /// <summary><see cref="ModelFormats.Onnx"/> or <see cref="ModelFormats.Gguf"/>.</summary>
    public required string Format { get; init; }

    /// <summary>The files to download, in download order.</summary>
    public required IReadOnlyList<HubFile> Files { get; init; }

    /// <summary>
    /// The path, relative to the snapshot folder, that the engine loads: empty for an ONNX folder, the <c>.gguf</c>
    /// file's repository path for GGUF.
    /// </summary>
    public required string ModelPath { get; init; }

    /// <summary>The sum of the files' sizes.</summary>
    public long TotalBytes => Files.Sum(f => f.Size);
}

/// <summary>What this server can run, told to the planner by the host (the engine knows; the hub project does not reference it).</summary>
public sealed record SupportedModels
{
    /// <summary>The tasks some pipeline of the engine serves (for example <c>feature-extraction</c>, <c>text-generation</c>).</summary>
    public required IReadOnlySet<string> Tasks { get; init; }

    /// <summary>The weight formats a runtime is installed for (<see cref="ModelFormats"/>).</summary>
    public required IReadOnlySet<string> Formats { get; init; }

    /// <summary>Which files make an ONNX model the engine loads (the engine's layouts, passed through by the host).</summary>
    public required IModelLayout Layout { get; init; }
}

/// <summary>Progress of a download: bytes of the plan's files on disk, of all of them.</summary>
/// <param name="BytesDone">Bytes on disk so far, resumed bytes included.</param>
/// <param name="BytesTotal">Bytes of all files of the plan.</param>
/// <param name="CurrentFile">The repository path of the file being fetched, or <see langword="null"/> between files.</param>
/// <param name="Verifying">True while hashing bytes already on disk (a resumed file's first part, or a file found in the cache) rather than fetching.</param>
public readonly record struct DownloadProgress(long BytesDone, long BytesTotal, string? CurrentFile, bool Verifying = false);
