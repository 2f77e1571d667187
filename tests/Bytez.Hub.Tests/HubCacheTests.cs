using Bytez.Hub;

namespace Bytez.Hub.Tests;

public sealed class HubCacheTests : IDisposable
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private static readonly string Sha = new('a', 64);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "bytez-hub-cache-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void RepoPath_ModelId_HuggingFaceFolderName()
    {
        var cache = new HubCache(_root);

        Assert.Equal(Path.Combine(_root, "models--BAAI--bge-small-en-v1.5"), cache.RepoPath("BAAI/bge-small-en-v1.5"));
        Assert.Equal(Path.Combine(_root, "models--org--m", "snapshots", Commit), cache.SnapshotPath("org/m", Commit));
        Assert.Equal(Path.Combine(_root, "models--org--m", "blobs", Sha), cache.BlobPath("org/m", Sha));
        Assert.Equal(Path.Combine(_root, "models--org--m", "blobs", Sha + ".incomplete"), cache.IncompletePath("org/m", Sha));
        Assert.Equal(Path.Combine(_root, ".locks", "models--org--m", Sha + ".lock"), cache.LockPath("org/m", Sha));
    }

    [Fact]
    public void Root_TrailingSeparator_Trimmed()
    {
        var cache = new HubCache(_root + Path.DirectorySeparatorChar);

        Assert.Equal(_root, cache.Root);
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("org/..")]
    [InlineData("org")]
    [InlineData("org/name/x")]
    public void RepoPath_InvalidId_Invalid(string modelId)
    {
        var error = Assert.Throws<HubException>(() => new HubCache(_root).RepoPath(modelId));

        Assert.Equal(HubErrorKind.Invalid, error.Kind);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a\\..\\..\\b")]
    [InlineData("./a")]
    [InlineData("")]
    [InlineData("C:/x")]
    public void SnapshotFilePath_UnsafePath_Invalid(string path)
    {
        var error = Assert.Throws<HubException>(() => new HubCache(_root).SnapshotFilePath("org/m", Commit, path));

        Assert.Equal(HubErrorKind.Invalid, error.Kind);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../blobs")]
    [InlineData("a/b")]
    [InlineData("")]
    public void BlobPath_UnsafeName_Invalid(string blobName)
    {
        var error = Assert.Throws<HubException>(() => new HubCache(_root).BlobPath("org/m", blobName));

        Assert.Equal(HubErrorKind.Invalid, error.Kind);
    }

    [Fact]
    public void SnapshotPath_UnsafeCommit_Invalid()
    {
        var error = Assert.Throws<HubException>(() => new HubCache(_root).SnapshotPath("org/m", "../../x"));

        Assert.Equal(HubErrorKind.Invalid, error.Kind);
    }

    [Fact]
    public void SnapshotFilePath_NestedPath_UnderSnapshot()
    {
        var cache = new HubCache(_root);

        Assert.Equal(Path.Combine(cache.SnapshotPath("org/m", Commit), "onnx", "model.onnx"), cache.SnapshotFilePath("org/m", Commit, "onnx/model.onnx"));
    }

    [Fact]
    public void Link_NestedPath_RelativeSymlinkToBlob()
    {
        var cache = new HubCache(_root);
        WriteBlob(cache, "hello"u8.ToArray());
        var file = new HubFile("onnx/sub/model.onnx", 5, null, Sha);

        var entry = cache.Link("org/m", Commit, file);

        Assert.Equal("../../../../blobs/" + Sha, new FileInfo(entry).LinkTarget);
        Assert.Equal("hello"u8.ToArray(), File.ReadAllBytes(entry));
    }

    [Fact]
    public void Link_TopLevelFile_TwoLevelsUp()
    {
        var cache = new HubCache(_root);
        WriteBlob(cache, "{}"u8.ToArray());

        var entry = cache.Link("org/m", Commit, new HubFile("config.json", 2, Sha, null));

        Assert.Equal("../../blobs/" + Sha, new FileInfo(entry).LinkTarget);
    }

    [Fact]
    public void Link_ExistingEntry_Replaced()
    {
        var cache = new HubCache(_root);
        WriteBlob(cache, "new"u8.ToArray());
        var entry = cache.SnapshotFilePath("org/m", Commit, "config.json");
        Directory.CreateDirectory(Path.GetDirectoryName(entry)!);
        File.WriteAllText(entry, "old");

        cache.Link("org/m", Commit, new HubFile("config.json", 3, Sha, null));

        Assert.Equal("new", File.ReadAllText(entry));
        Assert.NotNull(new FileInfo(entry).LinkTarget);
    }

    [Fact]
    public void Link_SymlinksUnavailable_MovesBlobIntoSnapshot()
    {
        var cache = new HubCache(_root) { UseSymlinks = false };
        var blob = WriteBlob(cache, "weights"u8.ToArray());

        var entry = cache.Link("org/m", Commit, new HubFile("model.onnx", 7, null, Sha));

        Assert.Null(new FileInfo(entry).LinkTarget);
        Assert.Equal("weights", File.ReadAllText(entry));
        Assert.False(File.Exists(blob));
    }

    [Fact]
    public void Link_MissingBlob_Throws()
    {
        var cache = new HubCache(_root);

        Assert.Throws<FileNotFoundException>(() => cache.Link("org/m", Commit, new HubFile("model.onnx", 7, null, Sha)));
    }

    [Fact]
    public void WriteRef_Branch_CommitWithoutNewline()
    {
        var cache = new HubCache(_root);

        cache.WriteRef("org/m", "main", Commit);

        Assert.Equal(Commit, File.ReadAllText(Path.Combine(_root, "models--org--m", "refs", "main")));
        Assert.Equal(Commit, cache.TryReadRef("org/m", "main"));
    }

    [Fact]
    public void WriteRef_BranchWithSlash_NestedFile()
    {
        var cache = new HubCache(_root);

        cache.WriteRef("org/m", "refs/pr/1", Commit);

        Assert.Equal(Commit, File.ReadAllText(Path.Combine(_root, "models--org--m", "refs", "refs", "pr", "1")));
    }

    [Fact]
    public void WriteRef_Overwrite_NewCommit()
    {
        var cache = new HubCache(_root);
        cache.WriteRef("org/m", "main", Commit);
        var next = new string('f', 40);

        cache.WriteRef("org/m", "main", next);

        Assert.Equal(next, cache.TryReadRef("org/m", "main"));
        Assert.Single(Directory.GetFiles(Path.Combine(_root, "models--org--m", "refs")));
    }

    [Fact]
    public void WriteRef_RevisionIsCommit_WritesNothing()
    {
        var cache = new HubCache(_root);

        cache.WriteRef("org/m", Commit, Commit);

        Assert.False(Directory.Exists(Path.Combine(_root, "models--org--m", "refs")));
    }

    [Fact]
    public void TryReadRef_Missing_Null()
    {
        Assert.Null(new HubCache(_root).TryReadRef("org/m", "main"));
    }

    [Theory]
    [InlineData("../../x")]
    [InlineData("a/../b")]
    [InlineData("/abs")]
    public void WriteRef_UnsafeRevision_Invalid(string revision)
    {
        var error = Assert.Throws<HubException>(() => new HubCache(_root).WriteRef("org/m", revision, Commit));

        Assert.Equal(HubErrorKind.Invalid, error.Kind);
    }

    private static string WriteBlob(HubCache cache, byte[] content)
    {
        var blob = cache.BlobPath("org/m", Sha);
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        File.WriteAllBytes(blob, content);
        return blob;
    }
}
