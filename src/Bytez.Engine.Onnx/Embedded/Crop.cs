using Bytez.Media.Images;

namespace Bytez.Engine.Onnx.Embedded;

/// <summary>A cut-out line of text: interleaved RGB floats 0–255, row-major.</summary>
internal sealed record Crop(int Width, int Height, float[] Pixels)
{
    /// <summary>The crop as an 8-bit image (rounded), for resampling.</summary>
    public RgbImage AsImage()
    {
        var bytes = new byte[Pixels.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)Math.Clamp(MathF.Round(Pixels[i]), 0, 255);
        }

        return new RgbImage(Width, Height, bytes);
    }

    /// <summary>Turned 90° counter-clockwise (<c>np.rot90</c>).</summary>
    public Crop RotatedCounterClockwise()
    {
        var rotated = new float[Pixels.Length];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                // (x, y) goes to (y, Width - 1 - x) in an image Height wide.
                var target = (((Width - 1 - x) * Height) + y) * 3;
                Array.Copy(Pixels, ((y * Width) + x) * 3, rotated, target, 3);
            }
        }

        return new Crop(Height, Width, rotated);
    }

    /// <summary>Turned 180°.</summary>
    public Crop Rotated180()
    {
        var rotated = new float[Pixels.Length];
        var count = Width * Height;
        for (var i = 0; i < count; i++)
        {
            Array.Copy(Pixels, i * 3, rotated, (count - 1 - i) * 3, 3);
        }

        return new Crop(Width, Height, rotated);
    }
}
