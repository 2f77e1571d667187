using System.Text.Json;

namespace Bytez.Engine.Media;

/// <summary>
/// A file a task produces (the WAV of text-to-speech, the PNG of text-to-image). The server answers it as the hosted
/// service does: with <c>json: false</c> the raw bytes with <see cref="ContentType"/>; otherwise a URL to the file
/// in <c>output</c>, which the server stores and serves. Written by itself, where no file store is at hand, it is a
/// <c>data:</c> URI.
/// </summary>
public sealed class MediaOutput : TaskOutput
{
    /// <summary>Creates the output.</summary>
    /// <param name="data">The encoded file.</param>
    /// <param name="contentType">Its media type, such as <c>audio/wav</c> or <c>image/png</c>.</param>
    /// <param name="extension">Its file extension without the dot, such as <c>wav</c> or <c>png</c> (letters and digits).</param>
    /// <exception cref="ArgumentException">The content type is empty or the extension is not 1-10 letters or digits.</exception>
    public MediaOutput(byte[] data, string contentType, string extension)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        ArgumentException.ThrowIfNullOrEmpty(extension);
        if (extension.Length > 10 || !extension.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"'{extension}' is not a file extension (1-10 letters or digits, no dot).", nameof(extension));
        }

        Data = data;
        ContentType = contentType;
        Extension = extension.ToLowerInvariant();
    }

    /// <summary>The encoded file.</summary>
    public byte[] Data { get; }

    /// <summary>Its media type (<c>audio/wav</c>, <c>image/png</c>).</summary>
    public string ContentType { get; }

    /// <summary>Its file extension without the dot, lower case (<c>wav</c>, <c>png</c>).</summary>
    public string Extension { get; }

    /// <summary>Writes the file as a <c>data:</c> URI string (the server writes a URL instead).</summary>
    public override void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue($"data:{ContentType};base64,{Convert.ToBase64String(Data)}");
    }
}
