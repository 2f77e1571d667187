namespace Bytez.Media.Images;

/// <summary>
/// A decoded image as the Python pipelines hold it after <c>convert("RGB")</c>: 8-bit red, green and blue per pixel,
/// rows top to bottom, interleaved (height × width × 3, as a numpy array of the PIL image).
/// </summary>
public sealed class RgbImage
{
    /// <summary>Wraps pixels; <paramref name="rgb"/> must hold exactly <c>width × height × 3</c> bytes.</summary>
    public RgbImage(int width, int height, byte[] rgb)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentNullException.ThrowIfNull(rgb);
        if (rgb.LongLength != (long)width * height * 3)
        {
            throw new ArgumentException($"An image of {width}×{height} needs {(long)width * height * 3} bytes, not {rgb.LongLength}.", nameof(rgb));
        }

        Width = width;
        Height = height;
        Rgb = rgb;
    }

    /// <summary>The width in pixels.</summary>
    public int Width { get; }

    /// <summary>The height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pixels: row-major, three bytes (R, G, B) each.</summary>
    public byte[] Rgb { get; }
}
