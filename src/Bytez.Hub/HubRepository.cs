namespace Bytez.Hub;

/// <summary>One file of a hub repository at a commit, as the hub's model API lists it.</summary>
/// <param name="Path">The path in the repository (<c>rfilename</c>), with forward slashes.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="BlobId">The git blob id (SHA-1 of the file, or of its LFS pointer for LFS files).</param>
/// <param name="Sha256">For LFS files, the SHA-256 of the content (the LFS object id); <see langword="null"/> for files kept in git.</param>
public sealed record HubFile(string Path, long Size, string? BlobId, string? Sha256)
{
    /// <summary>The name of the file's blob in the cache: the SHA-256 for LFS files, the git blob id for others (as huggingface_hub names them).</summary>
    public string? BlobName => Sha256 ?? BlobId;
}

/// <summary>A repository's metadata at one commit, as the hub's model API (<c>/api/models/{id}/revision/{rev}</c>) describes it.</summary>
public sealed record HubRepository
{
    /// <summary>The repository id as the hub spells it, <c>org/name</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The commit the revision resolved to (40 hex digits).</summary>
    public required string Commit { get; init; }

    /// <summary>The Hugging Face pipeline tag (the task), or <see langword="null"/>.</summary>
    public string? PipelineTag { get; init; }

    /// <summary>The library the repository is for (<c>transformers</c>, <c>sentence-transformers</c>, <c>gguf</c>, ...), or <see langword="null"/>.</summary>
    public string? LibraryName { get; init; }

    /// <summary>The repository's tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Whether the repository is gated (its files need a token of a user who accepted its terms).</summary>
    public bool Gated { get; init; }

    /// <summary>Whether the repository is private.</summary>
    public bool Private { get; init; }

    /// <summary><c>config.model_type</c> from the hub's metadata, or <see langword="null"/>.</summary>
    public string? ModelType { get; init; }

    /// <summary><c>config.architectures</c> from the hub's metadata.</summary>
    public IReadOnlyList<string> Architectures { get; init; } = [];

    /// <summary>The architecture the hub read from the repository's GGUF files (<c>gguf.architecture</c>), or <see langword="null"/>.</summary>
    public string? GgufArchitecture { get; init; }

    /// <summary>Every file of the repository at <see cref="Commit"/>.</summary>
    public required IReadOnlyList<HubFile> Files { get; init; }
}
