using Bytez.Media.Images;

namespace Bytez.Engine.Onnx.Embedded;

/// <summary>
/// Bilinear sampling of an <see cref="RgbImage"/> through an affine map, with the edge pixels repeated outside the
/// image (OpenCV's <c>INTER_LINEAR</c> with <c>BORDER_REPLICATE</c>): the resizes and rotated text crops the embedded
/// image models were trained with. Not Hugging Face's (PIL's) resize, which lives in Bytez.Media.
/// </summary>
public static class ImageSampling
{
    /// <summary>
    /// Samples a <paramref name="width"/> × <paramref name="height"/> image whose pixel (x, y) is read at source
    /// position <c>origin + x·stepX + y·stepY</c> (pixel centres at integer coordinates). Returns the pixels as
    /// interleaved floats (height × width × 3, R, G, B, 0–255).
    /// </summary>
    public static float[] Affine(
        RgbImage source, int width, int height, (double X, double Y) origin, (double X, double Y) stepX, (double X, double Y) stepY)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var pixels = new float[checked(width * height * 3)];
        var rgb = source.Rgb;
        var maxX = source.Width - 1;
        var maxY = source.Height - 1;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var sx = origin.X + (x * stepX.X) + (y * stepY.X);
                var sy = origin.Y + (x * stepX.Y) + (y * stepY.Y);
                var x0 = (int)Math.Floor(sx);
                var y0 = (int)Math.Floor(sy);
                var fx = (float)(sx - x0);
                var fy = (float)(sy - y0);
                var xa = Math.Clamp(x0, 0, maxX);
                var xb = Math.Clamp(x0 + 1, 0, maxX);
                var ya = Math.Clamp(y0, 0, maxY);
                var yb = Math.Clamp(y0 + 1, 0, maxY);
                var o = ((y * width) + x) * 3;
                for (var c = 0; c < 3; c++)
                {
                    float top = (rgb[(((ya * source.Width) + xa) * 3) + c] * (1 - fx)) + (rgb[(((ya * source.Width) + xb) * 3) + c] * fx);
                    float bottom = (rgb[(((yb * source.Width) + xa) * 3) + c] * (1 - fx)) + (rgb[(((yb * source.Width) + xb) * 3) + c] * fx);
                    pixels[o + c] = (top * (1 - fy)) + (bottom * fy);
                }
            }
        }

        return pixels;
    }

    /// <summary>
    /// Resizes the region (<paramref name="left"/>, <paramref name="top"/>, <paramref name="regionWidth"/> ×
    /// <paramref name="regionHeight"/>) of the source to <paramref name="width"/> × <paramref name="height"/> with
    /// half-pixel centres, as <c>cv2.resize</c> does. Returns interleaved RGB floats 0–255.
    /// </summary>
    public static float[] Resize(RgbImage source, double left, double top, double regionWidth, double regionHeight, int width, int height)
    {
        var sx = regionWidth / width;
        var sy = regionHeight / height;
        return Affine(source, width, height, (left + (0.5 * sx) - 0.5, top + (0.5 * sy) - 0.5), (sx, 0), (0, sy));
    }

    /// <summary>Resizes the whole image to <paramref name="width"/> × <paramref name="height"/> (see <see cref="Resize(RgbImage, double, double, double, double, int, int)"/>).</summary>
    public static float[] Resize(RgbImage source, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Resize(source, 0, 0, source.Width, source.Height, width, height);
    }
}
