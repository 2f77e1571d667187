using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Bytez.Hub.Download;

/// <summary>
/// The incremental hash a file is checked with: SHA-256 of the content for LFS files, the git blob SHA-1
/// (<c>blob {size}\0</c> then the content) for files kept in git.
/// </summary>
internal sealed class BlobHasher : IDisposable
{
    private const int BufferSize = 1 << 17;

    private readonly HubFile _file;
    private IncrementalHash _hash;

    /// <summary>Starts the hash of a file's content.</summary>
    public BlobHasher(HubFile file)
    {
        _file = file;
        Expected = (file.Sha256 ?? file.BlobId ?? throw new HubException(HubErrorKind.Invalid, $"The hub published no hash for '{file.Path}'."))
            .ToLowerInvariant();
        Algorithm = file.Sha256 is not null ? "SHA-256" : "The git blob SHA-1";
        _hash = Create();
    }

    /// <summary>The hash the hub published, lower-case hex.</summary>
    public string Expected { get; }

    /// <summary>The hash's name for messages.</summary>
    public string Algorithm { get; }

    /// <summary>Adds bytes.</summary>
    public void Append(ReadOnlySpan<byte> bytes) => _hash.AppendData(bytes);

    /// <summary>Forgets the bytes added so far (a download restarting from zero).</summary>
    public void Reset()
    {
        _hash.Dispose();
        _hash = Create();
    }

    /// <summary>The hash of the bytes added, lower-case hex; the hasher starts over afterwards.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    /// <summary>Adds the first <paramref name="length"/> bytes of a stream read from its start; leaves it positioned at <paramref name="length"/>.</summary>
    public async Task AppendAsync(Stream stream, long length, CancellationToken cancellationToken)
    {
        stream.Position = 0;
        var buffer = new byte[(int)Math.Min(BufferSize, Math.Max(length, 1))];
        var remaining = length;
        while (remaining > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException();
            }

            Append(buffer.AsSpan(0, read));
            remaining -= read;
        }
    }

    /// <summary>
    /// Adds the first <paramref name="length"/> bytes of an open file, read at explicit offsets (the handle's file
    /// position, and so a <see cref="FileStream"/> over it, is left alone).
    /// </summary>
    public async Task AppendAsync(Microsoft.Win32.SafeHandles.SafeFileHandle file, long length, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            for (var offset = 0L; offset < length;)
            {
                var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, (int)Math.Min(BufferSize, length - offset)), offset, cancellationToken)
                    .ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException();
                }

                Append(buffer.AsSpan(0, read));
                offset += read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Whether a file on disk has the size and hash the hub published.</summary>
    public static async Task<bool> VerifyAsync(HubFile file, string path, CancellationToken cancellationToken)
    {
        using var hasher = new BlobHasher(file);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            if (stream.Length != file.Size)
            {
                return false;
            }

            await hasher.AppendAsync(stream, file.Size, cancellationToken).ConfigureAwait(false);
        }

        return string.Equals(hasher.Finish(), hasher.Expected, StringComparison.Ordinal);
    }

    /// <inheritdoc />
    public void Dispose() => _hash.Dispose();

    private IncrementalHash Create()
    {
        if (_file.Sha256 is not null)
        {
            return IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }

#pragma warning disable CA5350 // git names blobs by SHA-1; it is the published hash, not a security decision of ours.
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
#pragma warning restore CA5350
        hash.AppendData(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"blob {_file.Size}\0")));
        return hash;
    }
}
