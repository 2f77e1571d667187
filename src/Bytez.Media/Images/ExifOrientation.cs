using System.Buffers.Binary;

namespace Bytez.Media.Images;

/// <summary>
/// Applies an EXIF orientation (tag 0x0112, values 1–8) as PIL's <c>ImageOps.exif_transpose</c> does: 2 mirror,
/// 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise.
/// </summary>
public static class ExifOrientation
{
    /// <summary>The image as it is meant to be seen; values other than 2–8 return it unchanged.</summary>
    public static RgbImage Apply(RgbImage image, int orientation)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (orientation is < 2 or > 8)
        {
            return image;
        }

        int w = image.Width, h = image.Height;
        bool swap = orientation >= 5;
        int ow = swap ? h : w, oh = swap ? w : h;
        var src = image.Rgb;
        var dst = new byte[src.Length];
        for (int y = 0; y < oh; y++)
        {
            for (int x = 0; x < ow; x++)
            {
                // The source pixel (sx, sy) shown at (x, y).
                (int sx, int sy) = orientation switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                int s = ((sy * w) + sx) * 3, d = ((y * ow) + x) * 3;
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }

        return new RgbImage(ow, oh, dst);
    }

    /// <summary>The orientation in a PNG's eXIf chunk (a TIFF header and IFD0, optionally after "Exif\0\0"), or 1.</summary>
    public static int ReadFromPng(ReadOnlySpan<byte> png)
    {
        int at = 8;
        while (at + 12 <= png.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(png[at..]);
            if (length > (uint)(png.Length - at - 12))
            {
                return 1;
            }

            var kind = png.Slice(at + 4, 4);
            if (kind.SequenceEqual("eXIf"u8))
            {
                return ReadFromTiff(png.Slice(at + 8, (int)length));
            }

            if (kind.SequenceEqual("IEND"u8))
            {
                return 1;
            }

            at += 12 + (int)length;
        }

        return 1;
    }

    /// <summary>The orientation tag (0x0112) of IFD0 in EXIF data, or 1 when absent or unreadable.</summary>
    public static int ReadFromTiff(ReadOnlySpan<byte> exif)
    {
        if (exif.StartsWith("Exif\0\0"u8))
        {
            exif = exif[6..];
        }

        if (exif.Length < 8)
        {
            return 1;
        }

        bool little = exif.StartsWith("II"u8);
        if (!little && !exif.StartsWith("MM"u8))
        {
            return 1;
        }

        uint ifd = little ? BinaryPrimitives.ReadUInt32LittleEndian(exif[4..]) : BinaryPrimitives.ReadUInt32BigEndian(exif[4..]);
        if (ifd > (uint)exif.Length - 2)
        {
            return 1;
        }

        int count = U16(exif, (int)ifd, little);
        for (int e = 0; e < count; e++)
        {
            int entry = (int)ifd + 2 + (e * 12);
            if (entry + 12 > exif.Length)
            {
                return 1;
            }

            if (U16(exif, entry, little) == 0x0112 && U16(exif, entry + 2, little) == 3)
            {
                return U16(exif, entry + 8, little);
            }
        }

        return 1;
    }

    private static ushort U16(ReadOnlySpan<byte> b, int i, bool little)
        => little ? BinaryPrimitives.ReadUInt16LittleEndian(b[i..]) : BinaryPrimitives.ReadUInt16BigEndian(b[i..]);
}
