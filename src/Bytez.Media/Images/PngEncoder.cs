using SkiaSharp;

namespace Bytez.Media.Images;

/// <summary>
/// Encodes the images a task returns (segmentation masks, depth maps) as PNG with SkiaSharp: 8-bit greyscale (PIL
/// mode "L", what the pipelines' masks and depth images are) or 8-bit RGB. Lossless: a decoder reads the same pixels.
/// </summary>
public static class PngEncoder
{
    /// <summary>An 8-bit greyscale PNG of <paramref name="width"/> × <paramref name="height"/> row-major values.</summary>
    public static byte[] EncodeGrey(ReadOnlySpan<byte> pixels, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (pixels.Length != (long)width * height)
        {
            throw new ArgumentException($"A {width}×{height} greyscale image needs {(long)width * height} bytes, not {pixels.Length}.", nameof(pixels));
        }

        return Encode(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque), pixels, width);
    }

    /// <summary>An 8-bit RGB PNG of <paramref name="image"/> (opaque).</summary>
    public static byte[] EncodeRgb(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var rgba = new byte[(long)image.Width * image.Height * 4];
        for (long i = 0, o = 0; i < image.Rgb.LongLength; i += 3, o += 4)
        {
            rgba[o] = image.Rgb[i];
            rgba[o + 1] = image.Rgb[i + 1];
            rgba[o + 2] = image.Rgb[i + 2];
            rgba[o + 3] = 255;
        }

        return Encode(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba, image.Width * 4);
    }

    private static unsafe byte[] Encode(SKImageInfo info, ReadOnlySpan<byte> pixels, int rowBytes)
    {
        fixed (byte* p = pixels)
        {
            using var pixmap = new SKPixmap(info, (IntPtr)p, rowBytes);
            using var data = pixmap.Encode(SKEncodedImageFormat.Png, 100)
                ?? throw new InvalidOperationException($"SkiaSharp could not encode a {info.Width}×{info.Height} PNG.");
            return data.ToArray();
        }
    }
}
