using Bytez.Media.Audio;
using Bytez.Media.Images;
using Bytez.Testing;
using SkiaSharp;

namespace Bytez.Engine.Tests.Embedded;

/// <summary>
/// Real inputs for the embedded media models' checks: Debian's <c>darknet</c> sample photos and espeak-ng speech
/// (<see cref="RealMedia"/>), decoded by the server's own decoders (Bytez.Media), and text rendered with SkiaSharp in
/// DejaVu Sans.
/// </summary>
internal static class MediaFixtures
{
    /// <summary>A darknet sample photo by name (dog, eagle, giraffe, horses, person, kite, scream), decoded.</summary>
    public static RgbImage Photo(string name) => Decode(RealMedia.PhotoFile(name));

    /// <summary>Decodes an image file as the server does (<see cref="ImageDecoder"/>, EXIF applied, default limits).</summary>
    public static RgbImage Decode(byte[] file) => ImageDecoder.Decode(file, new Bytez.Media.MediaLimits());

    /// <summary>The pixels of a SkiaSharp bitmap as an <see cref="RgbImage"/>.</summary>
    public static RgbImage FromBitmap(SKBitmap bitmap)
    {
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                var o = ((y * bitmap.Width) + x) * 3;
                rgb[o] = c.Red;
                rgb[o + 1] = c.Green;
                rgb[o + 2] = c.Blue;
            }
        }

        return new RgbImage(bitmap.Width, bitmap.Height, rgb);
    }

    /// <summary>Black text in DejaVu Sans on white, with a margin around it.</summary>
    public static RgbImage RenderText(string text, float size, bool bold = false)
    {
        var fontFile = $"/usr/share/fonts/truetype/dejavu/DejaVuSans{(bold ? "-Bold" : string.Empty)}.ttf";
        Assert.True(File.Exists(fontFile), $"{fontFile} is missing: install Debian's fonts-dejavu-core (.ci/run does).");
        using var typeface = SKTypeface.FromFile(fontFile);
        using var font = new SKFont(typeface, size);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        var width = (int)Math.Ceiling(font.MeasureText(text)) + (int)(2 * size);
        var height = (int)Math.Ceiling(size * 2.5);
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            canvas.DrawText(text, size, (height / 2f) + (size * 0.35f), SKTextAlign.Left, font, paint);
        }

        return FromBitmap(bitmap);
    }

    /// <summary>espeak-ng speaking <paramref name="text"/> between silences (<see cref="RealMedia.Speech"/>).</summary>
    public static (AudioSamples Audio, TimeSpan SpeechStart, TimeSpan SpeechEnd) Speech(string text, TimeSpan silence) =>
        RealMedia.Speech(text, silence);
}
