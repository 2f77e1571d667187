namespace Bytez;

/// <summary>
/// A file a media task produced (text-to-speech audio, a generated image): its bytes and the content type the server
/// gave, from <see cref="BytezModel.RunFileAsync(string, Protocol.ModelParameters?, CancellationToken)"/> or
/// <see cref="BytezClient.DownloadAsync"/>.
/// </summary>
public sealed class BytezFile
{
    /// <summary>Creates the file.</summary>
    /// <param name="data">The file's bytes.</param>
    /// <param name="contentType">Its media type as the server sent it, or <see langword="null"/>.</param>
    public BytezFile(byte[] data, string? contentType)
    {
        Data = data ?? throw new ArgumentNullException(nameof(data));
        ContentType = contentType;
    }

    /// <summary>The file's bytes.</summary>
    public byte[] Data { get; }

    /// <summary>Its media type as the server sent it (<c>audio/wav</c>, <c>image/png</c>), or <see langword="null"/>.</summary>
    public string? ContentType { get; }

    /// <summary>Writes the bytes to a file (created or replaced).</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public Task SaveAsync(string path, CancellationToken cancellationToken = default) =>
        File.WriteAllBytesAsync(path, Data, cancellationToken);
}
