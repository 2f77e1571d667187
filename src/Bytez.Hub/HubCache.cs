using Bytez.Protocol;

namespace Bytez.Hub;

/// <summary>
/// The Hugging Face hub cache on disk, shared with Python tools: <c>models--org--name/blobs/&lt;hash&gt;</c>,
/// <c>snapshots/&lt;commit&gt;/&lt;path&gt;</c> (links to the blobs) and <c>refs/&lt;revision&gt;</c>.
/// </summary>
public sealed class HubCache
{
    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Creates the cache over its root folder (<see cref="HubOptions.ResolvedCachePath"/>).</summary>
    public HubCache(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    /// <summary>The cache root.</summary>
    public string Root { get; }

    /// <summary>Whether snapshot entries are symbolic links to blobs; when off (or when the file system refuses links) blobs are moved into the snapshot.</summary>
    internal bool UseSymlinks { get; set; } = true;

    /// <summary>The mode of files this server creates in the cache on Unix: owner read and write (0600).</summary>
    public const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The mode of folders this server creates in the cache on Unix: owner only (0700).</summary>
    public const UnixFileMode PrivateFolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Creates the cache root and the repository's folder when missing, owner-only (0700 on Unix), so what is
    /// downloaded beneath is the server user's alone; folders that exist (made by Python tools) keep their mode.
    /// </summary>
    public void CreateModelFolder(string modelId)
    {
        var folder = RepoPath(modelId);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }

        Directory.CreateDirectory(Root, PrivateFolderMode);
        Directory.CreateDirectory(folder, PrivateFolderMode);
    }

    /// <summary>
    /// Deletes a repository from the cache: its folder (blobs, snapshots, refs) and its lock files, as
    /// <c>huggingface-cli delete-cache</c> does. Returns the bytes of the files deleted (links not counted), 0 when
    /// the repository was not cached.
    /// </summary>
    /// <exception cref="HubException">The id is not a valid model id.</exception>
    public long DeleteModel(string modelId)
    {
        var folder = RepoPath(modelId);
        long bytes = 0;
        if (Directory.Exists(folder))
        {
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                if (file.LinkTarget is null)
                {
                    bytes += file.Length;
                }
            }

            Directory.Delete(folder, recursive: true);
        }

        var locks = Path.Combine(Root, ".locks", Path.GetFileName(folder));
        if (Directory.Exists(locks))
        {
            Directory.Delete(locks, recursive: true);
        }

        return bytes;
    }

    /// <summary>The repository's folder: <c>models--org--name</c> under the root (huggingface_hub's naming).</summary>
    /// <exception cref="HubException">The id is not a valid model id.</exception>
    public string RepoPath(string modelId)
    {
        HubClient.ValidateModelId(modelId);
        return Under(Root, Path.Combine(Root, "models--" + modelId.Replace("/", "--", StringComparison.Ordinal)), modelId);
    }

    /// <summary>The snapshot folder of a commit of a repository (it exists once a download linked files into it).</summary>
    public string SnapshotPath(string modelId, string commit)
    {
        ValidateName(commit, "commit");
        var snapshots = Path.Combine(RepoPath(modelId), "snapshots");
        return Under(snapshots, Path.Combine(snapshots, commit), commit);
    }

    /// <summary>Where a repository file appears in a snapshot: <c>snapshots/&lt;commit&gt;/&lt;path&gt;</c>.</summary>
    /// <exception cref="HubException">The path is not a safe relative path inside the snapshot.</exception>
    public string SnapshotFilePath(string modelId, string commit, string path)
    {
        ValidateRepoPath(path);
        var snapshot = SnapshotPath(modelId, commit);
        return Under(snapshot, Path.Combine([snapshot, .. path.Split('/')]), path);
    }

    /// <summary>A blob of a repository: <c>blobs/&lt;blobName&gt;</c> (the SHA-256 of LFS files, the git blob id of others).</summary>
    public string BlobPath(string modelId, string blobName)
    {
        ValidateName(blobName, "blob name");
        var blobs = Path.Combine(RepoPath(modelId), "blobs");
        return Under(blobs, Path.Combine(blobs, blobName), blobName);
    }

    /// <summary>The partial download of a blob: <c>blobs/&lt;blobName&gt;.incomplete</c>, resumed from its length.</summary>
    public string IncompletePath(string modelId, string blobName) => BlobPath(modelId, blobName) + ".incomplete";

    /// <summary>The lock file of a blob, shared with huggingface_hub: <c>.locks/models--org--name/&lt;blobName&gt;.lock</c>.</summary>
    internal string LockPath(string modelId, string blobName)
    {
        ValidateName(blobName, "blob name");
        var locks = Path.Combine(Root, ".locks", Path.GetFileName(RepoPath(modelId)));
        return Under(locks, Path.Combine(locks, blobName + ".lock"), blobName);
    }

    /// <summary>The file of a revision: <c>refs/&lt;revision&gt;</c> (branch names with '/' are folders).</summary>
    public string RefPath(string modelId, string revision)
    {
        HubClient.ValidateRevision(revision);
        ValidateRepoPath(revision);
        var refs = Path.Combine(RepoPath(modelId), "refs");
        return Under(refs, Path.Combine([refs, .. revision.Split('/')]), revision);
    }

    /// <summary>
    /// Records that a branch or tag points at a commit (<c>refs/&lt;revision&gt;</c> holds the hash, no newline); nothing is
    /// written when the revision is the commit itself.
    /// </summary>
    public void WriteRef(string modelId, string revision, string commit)
    {
        ValidateName(commit, "commit");
        if (string.Equals(revision, commit, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var path = RefPath(modelId, revision);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path) && string.Equals(File.ReadAllText(path).Trim(), commit, StringComparison.Ordinal))
        {
            return;
        }

        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllText(temporary, commit);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The commit a revision pointed at when it was last downloaded, or <see langword="null"/>.</summary>
    public string? TryReadRef(string modelId, string revision)
    {
        var path = RefPath(modelId, revision);
        try
        {
            var commit = File.ReadAllText(path).Trim();
            return commit.Length > 0 ? commit : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Puts a downloaded blob into the snapshot of a commit: a relative symbolic link <c>snapshots/&lt;commit&gt;/&lt;path&gt;</c>
    /// → <c>../../blobs/&lt;blobName&gt;</c> (one more <c>../</c> per folder of the path); where links cannot be created
    /// the blob is moved into the snapshot, as huggingface_hub does. Returns the snapshot entry's path.
    /// </summary>
    /// <exception cref="HubException">The file has no blob name or its path would leave the snapshot.</exception>
    /// <exception cref="FileNotFoundException">The blob is not in the cache.</exception>
    public string Link(string modelId, string commit, HubFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var blobName = file.BlobName ?? throw new HubException(HubErrorKind.Invalid, $"The hub published no hash for '{file.Path}'.");
        var blob = BlobPath(modelId, blobName);
        var entry = SnapshotFilePath(modelId, commit, file.Path);
        if (!File.Exists(blob))
        {
            throw new FileNotFoundException($"The blob of '{file.Path}' is not in the cache.", blob);
        }

        var folder = Path.GetDirectoryName(entry)!;
        Directory.CreateDirectory(folder);
        var relative = Path.GetRelativePath(folder, blob);
        var existing = new FileInfo(entry);
        if (existing.LinkTarget is { } target && string.Equals(target, relative, PathComparison) && existing.Exists)
        {
            return entry;
        }

        if (existing.Exists || existing.LinkTarget is not null)
        {
            existing.Delete();
        }

        if (UseSymlinks)
        {
            try
            {
                File.CreateSymbolicLink(entry, relative);
                return entry;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                // Fall through: the file system or the account cannot create links (Windows without developer mode).
            }
        }

        File.Move(blob, entry, overwrite: true);
        return entry;
    }

    /// <summary>Whether a path is a safe repository path: relative, '/'-separated, without empty, '.' or '..' segments.</summary>
    /// <summary>
    /// Whether a repository path from the hub is safe to join under a snapshot folder: relative, forward slashes only,
    /// no empty, <c>.</c> or <c>..</c> segments, no drive or stream colon, no control characters.
    /// </summary>
    internal static bool IsSafeRepoPath(string path) =>
        !string.IsNullOrEmpty(path)
        && path.Length <= 4096
        && !path.Contains('\\', StringComparison.Ordinal)
        && !path.Contains(':', StringComparison.Ordinal)
        && !path.Any(char.IsControl)
        && path.Split('/').All(segment => segment.Length > 0 && segment is not ("." or ".."));

    private static void ValidateRepoPath(string path)
    {
        if (!IsSafeRepoPath(path))
        {
            throw new HubException(HubErrorKind.Invalid, $"'{path}' is not a safe repository path.");
        }
    }

    private static void ValidateName(string name, string what)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 128 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new HubException(HubErrorKind.Invalid, $"'{name}' is not a valid {what}.");
        }
    }

    private string Under(string folder, string path, string what)
    {
        var full = Path.GetFullPath(path);
        if (!full.StartsWith(WithSeparator(folder), PathComparison) || !full.StartsWith(WithSeparator(Root), PathComparison))
        {
            throw new HubException(HubErrorKind.Invalid, $"'{what}' would lead outside the hub cache {Root}.");
        }

        return full;
    }

    private static string WithSeparator(string folder)
    {
        var full = Path.GetFullPath(folder);
        return Path.EndsInDirectorySeparator(full) ? full : full + Path.DirectorySeparatorChar;
    }
}
