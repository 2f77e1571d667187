namespace Bytez.Media.Images;

/// <summary>An encoded image format the decoder accepts, told from the first bytes of the file (never from a name).</summary>
public enum ImageFormat
{
    /// <summary>PNG (signature 89 50 4E 47 0D 0A 1A 0A).</summary>
    Png,

    /// <summary>JPEG (FF D8 FF).</summary>
    Jpeg,

    /// <summary>GIF 87a or 89a; the first frame is decoded, as PIL's <c>Image.open</c> does.</summary>
    Gif,

    /// <summary>WebP (RIFF....WEBP).</summary>
    WebP,

    /// <summary>BMP (BM).</summary>
    Bmp,
}

/// <summary>Tells an image format from its magic bytes.</summary>
public static class ImageFormatSniffer
{
    /// <summary>The formats accepted, as named in error messages.</summary>
    public const string Accepted = "PNG, JPEG, GIF, WebP or BMP";

    /// <summary>The format whose signature <paramref name="bytes"/> starts with, or null when none matches.</summary>
    public static ImageFormat? Sniff(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return ImageFormat.Png;
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return ImageFormat.Jpeg;
        }

        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8))
        {
            return ImageFormat.Gif;
        }

        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8))
        {
            return ImageFormat.WebP;
        }

        if (bytes.StartsWith("BM"u8))
        {
            return ImageFormat.Bmp;
        }

        return null;
    }
}
