using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Bytez.Engine;
using Bytez.Engine.Media;
using Microsoft.AspNetCore.StaticFiles;

namespace Bytez.Server.Media;

/// <summary>A file of the store, found by its name: where it is, its type and length, and when it expires.</summary>
/// <param name="Path">The file on disk.</param>
/// <param name="ContentType">Its media type.</param>
/// <param name="Length">Its length in bytes.</param>
/// <param name="Expires">When it stops being served.</param>
public sealed record StoredMediaFile(string Path, string ContentType, long Length, DateTimeOffset Expires);

/// <summary>
/// The files tasks produced (a TTS WAV, a generated PNG), kept for clients to download from <c>GET /files/{name}</c>:
/// under <c>&lt;Home&gt;/media</c> (0700, files 0600), named by 128 random bits and the extension, served until
/// <see cref="MediaOptions.FileLifetime"/> after they were written (then 404), deleted by a sweep on the server's
/// <see cref="TimeProvider"/>, and all together at most <see cref="MediaOptions.MaxFileStoreBytes"/> (the oldest are
/// deleted first to make room). Files left by an earlier run are served until they expire.
/// </summary>
public sealed partial class MediaFileStore : IDisposable
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly MediaOptions _options;
    private readonly TimeProvider _time;
    private readonly ITimer _sweep;
    private long _totalBytes;

    /// <summary>Opens the store in <paramref name="directory"/> (created 0700), taking in the files an earlier run left.</summary>
    public MediaFileStore(string directory, MediaOptions options, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        Directory = PrivateFiles.CreateDirectory(directory).FullName;
        foreach (var file in new DirectoryInfo(Directory).EnumerateFiles())
        {
            if (FileName().IsMatch(file.Name))
            {
                var extension = Path.GetExtension(file.Name)[1..];
                Add(file.Name, new Entry(file.FullName, TypeOf(extension), file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero)));
            }
            else
            {
                TryDelete(file.FullName); // a write cut short by a crash, or something that is not ours to serve
            }
        }

        Sweep();
        var interval = options.FileLifetime < TimeSpan.FromMinutes(1) ? options.FileLifetime : TimeSpan.FromMinutes(1);
        _sweep = time.CreateTimer(_ => Sweep(), null, interval, interval);
    }

    /// <summary>The store's folder.</summary>
    public string Directory { get; }

    /// <summary>The bytes all stored files take.</summary>
    public long TotalBytes
    {
        get
        {
            lock (_lock)
            {
                return _totalBytes;
            }
        }
    }

    /// <summary>Writes a task's file and returns its name (<c>{32 hex digits}.{extension}</c>), to serve under <c>/files/</c>.</summary>
    /// <exception cref="EngineException">The file alone is larger than the whole store may be (TooLarge).</exception>
    public async Task<string> SaveAsync(MediaOutput media, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(media);
        if (media.Data.LongLength > _options.MaxFileStoreBytes)
        {
            throw EngineException.TooLarge(
                $"The task produced a file of {media.Data.LongLength} bytes, more than the server keeps for download (Bytez:Media:MaxFileStoreBytes = {_options.MaxFileStoreBytes}); ask with \"json\": false to receive its bytes directly.");
        }

        var name = $"{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}.{media.Extension}";
        var path = Path.Combine(Directory, name);
        var partial = path + ".partial";
        var stream = PrivateFiles.Create(partial);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(media.Data, cancellationToken).ConfigureAwait(false);
        }

        File.Move(partial, path);
        var evicted = new List<string>();
        lock (_lock)
        {
            // The oldest go first until the new file fits.
            foreach (var (oldName, old) in _entries.OrderBy(e => e.Value.Created).ToList())
            {
                if (_totalBytes + media.Data.LongLength <= _options.MaxFileStoreBytes)
                {
                    break;
                }

                Remove(oldName);
                evicted.Add(old.Path);
            }

            Add(name, new Entry(path, media.ContentType, media.Data.LongLength, _time.GetUtcNow()));
        }

        evicted.ForEach(TryDelete);
        return name;
    }

    /// <summary>The file of a name, or <see langword="null"/> when there is none or it has expired (it is then deleted).</summary>
    public StoredMediaFile? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string? expired = null;
        lock (_lock)
        {
            if (!_entries.TryGetValue(name, out var entry))
            {
                return null;
            }

            var expires = entry.Created + _options.FileLifetime;
            if (expires > _time.GetUtcNow())
            {
                return new StoredMediaFile(entry.Path, entry.ContentType, entry.Length, expires);
            }

            Remove(name);
            expired = entry.Path;
        }

        TryDelete(expired);
        return null;
    }

    /// <summary>Deletes every expired file; returns how many.</summary>
    public int Sweep()
    {
        List<string> expired;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            expired = [];
            foreach (var (name, entry) in _entries.ToList())
            {
                if (entry.Created + _options.FileLifetime <= now)
                {
                    Remove(name);
                    expired.Add(entry.Path);
                }
            }
        }

        expired.ForEach(TryDelete);
        return expired.Count;
    }

    /// <summary>Stops the sweep (the files stay for the next run).</summary>
    public void Dispose() => _sweep.Dispose();

    private void Add(string name, Entry entry)
    {
        _entries[name] = entry;
        _totalBytes += entry.Length;
    }

    private void Remove(string name)
    {
        if (_entries.Remove(name, out var entry))
        {
            _totalBytes -= entry.Length;
        }
    }

    private static string TypeOf(string extension) =>
        ContentTypes.TryGetContentType("x." + extension, out var type) ? type : "application/octet-stream";

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Gone already, or busy being served: the next sweep or start takes care of it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The names the store gives: 32 lower-case hex digits, a dot, 1-10 lower-case letters or digits.</summary>
    [GeneratedRegex("^[0-9a-f]{32}\\.[a-z0-9]{1,10}$")]
    internal static partial Regex FileName();

    private sealed record Entry(string Path, string ContentType, long Length, DateTimeOffset Created);
}
