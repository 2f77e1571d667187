namespace Bytez;

/// <summary>
/// An image or a sound to send to a media task (image-classification, object-detection, automatic-speech-recognition,
/// ...): a URL the server fetches, or the file's bytes sent as base64. Pass it to
/// <see cref="BytezModel.RunAsync(BytezMedia, Protocol.ModelParameters?, CancellationToken)"/>; it is sent in
/// <c>input</c> as a string, the form every Bytez server reads (an http(s) URL, a <c>data:</c> URI, or bare base64).
/// </summary>
/// <remarks>
/// Servers recognise the format from the bytes, so the media type given to <see cref="FromBytes"/> only labels the
/// data URI. A base64 input makes the request body 4/3 of the file's size: mind the server's body limit (a server of
/// this project admits 25 MiB of media by default; the hosted service recommends URLs for large files).
/// </remarks>
public sealed class BytezMedia
{
    private static readonly Dictionary<string, string> MediaTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = "image/png", [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg", [".gif"] = "image/gif",
        [".webp"] = "image/webp", [".bmp"] = "image/bmp", [".wav"] = "audio/wav", [".mp3"] = "audio/mpeg",
        [".flac"] = "audio/flac", [".ogg"] = "audio/ogg", [".m4a"] = "audio/mp4", [".webm"] = "video/webm",
        [".mp4"] = "video/mp4",
    };

    private BytezMedia(string value, bool isUrl)
    {
        Value = value;
        IsUrl = isUrl;
    }

    /// <summary>What is sent in <c>input</c>: the URL, or the data URI or bare base64 of the bytes.</summary>
    public string Value { get; }

    /// <summary>Whether the server fetches the media from a URL (otherwise the bytes travel in the request).</summary>
    public bool IsUrl { get; }

    /// <summary>Media the server fetches from an absolute http or https URL.</summary>
    /// <exception cref="ArgumentException">The URL is not absolute http or https.</exception>
    public static BytezMedia FromUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"'{url}' is not an absolute http or https URL; send the file's bytes with FromBytes or FromFileAsync instead.", nameof(url));
        }

        return new BytezMedia(url.AbsoluteUri, isUrl: true);
    }

    /// <summary>Media the server fetches from an absolute http or https URL given as a string.</summary>
    /// <exception cref="ArgumentException">The URL is not absolute http or https.</exception>
    public static BytezMedia FromUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? FromUrl(uri)
            : throw new ArgumentException($"'{url}' is not an absolute http or https URL.", nameof(url));

    /// <summary>
    /// The bytes of a file (a PNG, a JPEG, a WAV, ...), sent as base64: a data URI when <paramref name="mediaType"/> is
    /// given (<c>image/png</c>), bare base64 otherwise.
    /// </summary>
    /// <exception cref="ArgumentException">The data is empty.</exception>
    public static BytezMedia FromBytes(ReadOnlySpan<byte> data, string? mediaType = null)
    {
        if (data.IsEmpty)
        {
            throw new ArgumentException("The media is empty.", nameof(data));
        }

        var base64 = Convert.ToBase64String(data);
        return new BytezMedia(string.IsNullOrWhiteSpace(mediaType) ? base64 : $"data:{mediaType.Trim()};base64,{base64}", isUrl: false);
    }

    /// <summary>The rest of a stream, sent as base64 (see <see cref="FromBytes"/>).</summary>
    /// <param name="stream">The stream, read to its end (not disposed).</param>
    /// <param name="mediaType">The media type for the data URI, or <see langword="null"/> for bare base64.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<BytezMedia> FromStreamAsync(Stream stream, string? mediaType = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return FromBytes(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), mediaType);
    }

    /// <summary>
    /// A file on disk, sent as base64; the data URI names the media type of its extension (<c>.png</c>, <c>.jpg</c>,
    /// <c>.wav</c>, <c>.mp3</c>, ...), or none for other extensions.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<BytezMedia> FromFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return FromBytes(bytes, MediaTypes.GetValueOrDefault(Path.GetExtension(path)));
    }

    /// <summary>The URL, or how many base64 characters are sent (never the data itself).</summary>
    public override string ToString() => IsUrl ? Value : $"base64 ({Value.Length} characters)";
}
