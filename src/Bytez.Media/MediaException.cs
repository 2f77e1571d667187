namespace Bytez.Media;

/// <summary>What is wrong with a media input, which decides the status a server answers with.</summary>
public enum MediaErrorKind
{
    /// <summary>The bytes are not a valid file of the format they claim or were sniffed as (400).</summary>
    Malformed,

    /// <summary>The media is over a configured limit: bytes, pixels, duration (413).</summary>
    TooLarge,

    /// <summary>The format is not one this server decodes, or needs a decoder that is not installed (415).</summary>
    Unsupported,
}

/// <summary>A media input that cannot be used; the message says what was expected and which limit applies.</summary>
public sealed class MediaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MediaException(MediaErrorKind kind, string message, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    /// <summary>What is wrong, which decides the status.</summary>
    public MediaErrorKind Kind { get; }
}
