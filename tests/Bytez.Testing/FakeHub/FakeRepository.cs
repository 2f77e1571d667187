using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Bytez.Testing.Hub;

/// <summary>
/// A repository of a <see cref="FakeHub"/>: its metadata, its files (kept in git or in LFS, with the hashes the real hub
/// publishes) and the faults the next downloads of a file should meet. Thread-safe.
/// </summary>
public sealed class FakeRepository
{
    private readonly object _gate = new();
    private readonly Dictionary<string, FakeFile> _files = new(StringComparer.Ordinal);
    private string? _pipelineTag;
    private string? _libraryName;
    private string? _modelType;
    private string? _ggufArchitecture;
    private string? _requiredToken;
    private bool _private;
    private long _listedDownloads;

    internal FakeRepository(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        Id = id;
        Commit = RandomNumberGenerator.GetHexString(40, lowercase: true);
        ObjectId = RandomNumberGenerator.GetHexString(24, lowercase: true);
    }

    /// <summary>The repository id, <c>org/name</c>.</summary>
    public string Id { get; }

    /// <summary>The only commit: 40 lowercase hex digits, random per repository.</summary>
    public string Commit { get; }

    /// <summary>The pipeline tag (the task), served as <c>pipeline_tag</c> (omitted when null).</summary>
    public string? PipelineTag { get => Read(() => _pipelineTag); set => Write(() => _pipelineTag = value); }

    /// <summary>The library, served as <c>library_name</c> (omitted when null).</summary>
    public string? LibraryName { get => Read(() => _libraryName); set => Write(() => _libraryName = value); }

    /// <summary>The tags, served as <c>tags</c>. Change it before requests are made.</summary>
    public List<string> Tags { get; } = [];

    /// <summary>Served as <c>config.model_type</c> (the <c>config</c> object is omitted when this and <see cref="Architectures"/> are empty).</summary>
    public string? ModelType { get => Read(() => _modelType); set => Write(() => _modelType = value); }

    /// <summary>Served as <c>config.architectures</c>. Change it before requests are made.</summary>
    public List<string> Architectures { get; } = [];

    /// <summary>Served as <c>gguf.architecture</c>; the <c>gguf</c> object is omitted when null.</summary>
    public string? GgufArchitecture { get => Read(() => _ggufArchitecture); set => Write(() => _ggufArchitecture = value); }

    /// <summary>
    /// Makes the repository gated: its metadata stays public, its files need <c>Authorization: Bearer &lt;token&gt;</c>
    /// (none: 401 <c>GatedRepo</c>; another token: 403 <c>GatedRepo</c>).
    /// </summary>
    public string? RequiredToken { get => Read(() => _requiredToken); set => Write(() => _requiredToken = value); }

    /// <summary>
    /// Makes the repository private: metadata and files need <see cref="RequiredToken"/>; without it (or with no
    /// token set at all) the repository answers like one that does not exist.
    /// </summary>
    public bool Private { get => Read(() => _private); set => Write(() => _private = value); }

    /// <summary>The download count the hub states for the repository (<c>downloads</c>), which searches sort by; default 0.</summary>
    public long ListedDownloads { get => Read(() => _listedDownloads); set => Write(() => _listedDownloads = value); }

    internal string ObjectId { get; }

    /// <summary>
    /// Adds (or replaces) a file. <paramref name="lfs"/> decides whether it is stored in LFS (served through a redirect,
    /// with a SHA-256 published); by default files of 10 KiB or more, <c>.onnx</c>, <c>.gguf</c>, <c>.bin</c>,
    /// <c>.safetensors</c> and ONNX external data are.
    /// </summary>
    public FakeRepository AddFile(string path, byte[] content, bool? lfs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(content);
        var file = new FakeFile(path, (byte[])content.Clone(), lfs ?? IsLfsByDefault(path, content.Length));
        lock (_gate)
        {
            _files[path] = file;
        }

        return this;
    }

    /// <summary>The next <paramref name="times"/> GETs of the file's body send <paramref name="afterBytes"/> bytes, then abort the connection.</summary>
    public void CutOnce(string path, long afterBytes, int times = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(times);
        lock (_gate)
        {
            var file = Existing(path);
            file.CutAfter = afterBytes;
            file.CutTimes = times;
        }
    }

    /// <summary>Serves the file with one byte flipped (the middle one); the published hashes stay those of the real content.</summary>
    public void ServeCorrupted(string path, bool corrupted = true)
    {
        lock (_gate)
        {
            Existing(path).Corrupted = corrupted;
        }
    }

    /// <summary>The next <paramref name="times"/> GETs of the file's body answer <paramref name="status"/> with no body.</summary>
    public void FailNext(string path, int status, int times = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 100);
        ArgumentOutOfRangeException.ThrowIfNegative(times);
        lock (_gate)
        {
            var file = Existing(path);
            file.FailStatus = status;
            file.FailTimes = times;
        }
    }

    /// <summary>How many GETs of the file's body were answered with 200 or 206 (cut ones included).</summary>
    public int Downloads(string path)
    {
        lock (_gate)
        {
            return Existing(path).Downloads;
        }
    }

    /// <summary>The size of a file in bytes.</summary>
    public long Size(string path)
    {
        lock (_gate)
        {
            return Existing(path).Content.LongLength;
        }
    }

    /// <summary>The files, sorted by path.</summary>
    internal IReadOnlyList<FakeFile> Files()
    {
        lock (_gate)
        {
            return _files.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToArray();
        }
    }

    internal FakeFile? Find(string path)
    {
        lock (_gate)
        {
            return _files.GetValueOrDefault(path);
        }
    }

    /// <summary>Takes the fault for the GET being answered and counts it as a download when it gets a body.</summary>
    internal Fault TakeFault(FakeFile file)
    {
        lock (_gate)
        {
            if (file.FailTimes > 0)
            {
                file.FailTimes--;
                return new Fault(file.FailStatus, null, false);
            }

            long? cut = null;
            if (file.CutTimes > 0)
            {
                file.CutTimes--;
                cut = file.CutAfter;
            }

            return new Fault(null, cut, file.Corrupted);
        }
    }

    internal void CountDownload(FakeFile file)
    {
        lock (_gate)
        {
            file.Downloads++;
        }
    }

    internal (string? Tag, string? Library, string[] Tags, string? ModelType, string[] Architectures, string? Gguf, string? Token, bool Private) Snapshot()
    {
        lock (_gate)
        {
            return (_pipelineTag, _libraryName, [.. Tags], _modelType, [.. Architectures], _ggufArchitecture, _requiredToken, _private);
        }
    }

    private static bool IsLfsByDefault(string path, long size)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        return size >= 10 * 1024
            || name.Contains(".onnx_data", StringComparison.OrdinalIgnoreCase)
            || Path.GetExtension(name).ToLowerInvariant() is ".onnx" or ".gguf" or ".bin" or ".safetensors";
    }

    private FakeFile Existing(string path) =>
        _files.GetValueOrDefault(path) ?? throw new KeyNotFoundException($"The repository {Id} has no file '{path}'.");

    private T Read<T>(Func<T> read)
    {
        lock (_gate)
        {
            return read();
        }
    }

    private void Write(Action write)
    {
        lock (_gate)
        {
            write();
        }
    }

    /// <summary>What the next GET of a file meets: a status with no body, a cut after some bytes, a flipped byte.</summary>
    internal readonly record struct Fault(int? Status, long? CutAfter, bool Corrupted);

    /// <summary>A file with the hashes the hub publishes for it.</summary>
    internal sealed class FakeFile
    {
        public FakeFile(string path, byte[] content, bool lfs)
        {
            Path = path;
            Content = content;
            Lfs = lfs;
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(content));
            if (lfs)
            {
                var pointer = Encoding.UTF8.GetBytes(
                    $"version https://git-lfs.github.com/spec/v1\noid sha256:{Sha256}\nsize {content.Length.ToString(CultureInfo.InvariantCulture)}\n");
                PointerSize = pointer.Length;
                BlobId = GitBlobId(pointer);
            }
            else
            {
                BlobId = GitBlobId(content);
            }
        }

        public string Path { get; }

        public byte[] Content { get; }

        public bool Lfs { get; }

        public string Sha256 { get; }

        public string BlobId { get; }

        public int PointerSize { get; }

        public long CutAfter { get; set; }

        public int CutTimes { get; set; }

        public bool Corrupted { get; set; }

        public int FailStatus { get; set; }

        public int FailTimes { get; set; }

        public int Downloads { get; set; }

        /// <summary>The bytes served: the content, or a copy with the middle byte flipped.</summary>
        public byte[] Body(bool corrupted)
        {
            if (!corrupted || Content.Length == 0)
            {
                return Content;
            }

            var copy = (byte[])Content.Clone();
            copy[copy.Length / 2] ^= 0xFF;
            return copy;
        }

        /// <summary>git's object id of a blob: SHA-1 of <c>blob &lt;size&gt;\0</c> and the bytes.</summary>
        public static string GitBlobId(byte[] bytes)
        {
            var header = Encoding.ASCII.GetBytes($"blob {bytes.Length.ToString(CultureInfo.InvariantCulture)}\0");
#pragma warning disable CA5350 // git's object ids are SHA-1 by definition
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
#pragma warning restore CA5350
            sha1.AppendData(header);
            sha1.AppendData(bytes);
            return Convert.ToHexStringLower(sha1.GetHashAndReset());
        }
    }
}
