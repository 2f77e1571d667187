using System.Diagnostics;
using Bytez.Media.Audio;
using Bytez.Media.Images;
using SkiaSharp;

namespace Bytez.Engine.Tests.Embedded;

/// <summary>
/// Real inputs for the embedded media models' checks: Debian's <c>darknet</c> sample photos (downloaded once with
/// <c>apt-get download</c> into a cache, never committed), text rendered with SkiaSharp in DejaVu Sans, and speech
/// spoken by espeak-ng, decoded by the server's own decoders (Bytez.Media).
/// </summary>
internal static class MediaFixtures
{
    private static readonly Lazy<string> PhotoFolder = new(FetchDarknetPhotos, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The cache of test data fetched from Debian's packages (<c>$XDG_CACHE_HOME/bytez-test-data</c>).</summary>
    public static string CacheRoot => Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
        "bytez-test-data");

    /// <summary>A darknet sample photo by name (dog, eagle, giraffe, horses, person, kite, scream), decoded.</summary>
    public static RgbImage Photo(string name) => Decode(File.ReadAllBytes(Path.Combine(PhotoFolder.Value, name + ".jpg")));

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

    /// <summary>The image mirrored left to right, then cropped to the given fraction of each side around its centre.</summary>
    public static RgbImage FlippedCrop(RgbImage image, double keep)
    {
        var width = (int)(image.Width * keep);
        var height = (int)(image.Height * keep);
        var left = (image.Width - width) / 2;
        var top = (image.Height - height) / 2;
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var sx = image.Width - 1 - (left + x);
                Array.Copy(image.Rgb, (((top + y) * image.Width) + sx) * 3, rgb, ((y * width) + x) * 3, 3);
            }
        }

        return new RgbImage(width, height, rgb);
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

    /// <summary>
    /// espeak-ng speaking <paramref name="text"/>, as 16 kHz mono samples, with <paramref name="silence"/> of digital
    /// silence before and after. Returns the samples and where the speech starts and ends.
    /// </summary>
    public static (AudioSamples Audio, TimeSpan SpeechStart, TimeSpan SpeechEnd) Speech(string text, TimeSpan silence)
    {
        var wav = Path.Combine(Path.GetTempPath(), $"bytez-vad-{Guid.NewGuid():N}.wav");
        try
        {
            Run("espeak-ng", $"-w {wav} \"{text}\"", "espeak-ng is missing: install Debian's espeak-ng (.ci/run does).");
            // Decoded and brought to 16 kHz as the server does (AudioDecoder: ffmpeg's results, espeak-ng writes 22,050 Hz).
            var resampled = new AudioDecoder(new Bytez.Media.MediaLimits()).DecodeAsync(File.ReadAllBytes(wav), 16000).GetAwaiter().GetResult().Samples;
            var pad = (int)(silence.TotalSeconds * 16000);
            var all = new float[pad + resampled.Length + pad];
            resampled.CopyTo(all, pad);
            return (new AudioSamples(all, 16000), silence, silence + TimeSpan.FromSeconds(resampled.Length / 16000.0));
        }
        finally
        {
            File.Delete(wav);
        }
    }

    private static string FetchDarknetPhotos()
    {
        var folder = Path.Combine(CacheRoot, "darknet");
        var photos = Path.Combine(folder, "extracted", "usr", "share", "darknet", "data");
        if (File.Exists(Path.Combine(photos, "dog.jpg")))
        {
            return photos;
        }

        Directory.CreateDirectory(folder);
        const string Hint = "The darknet sample photos come from Debian's darknet package: " +
            "run `apt-get update` then `apt-get download darknet` (.ci/run does).";
        Run("apt-get", "download darknet", Hint, folder);
        var deb = Directory.EnumerateFiles(folder, "darknet_*.deb").Order(StringComparer.Ordinal).LastOrDefault();
        Assert.True(deb is not null, Hint);
        Run("dpkg", $"-x {deb} extracted", "dpkg is missing.", folder);
        Assert.True(File.Exists(Path.Combine(photos, "dog.jpg")), $"The darknet package has no data/dog.jpg under {photos}.");
        return photos;
    }

    private static void Run(string program, string arguments, string missing, string? workingDirectory = null)
    {
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo(program, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            }) ?? throw new InvalidOperationException(missing);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail(missing);
            throw;
        }

        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(120_000), $"{program} {arguments} did not finish in 2 minutes.");
            Assert.True(process.ExitCode == 0, $"{program} {arguments} failed ({process.ExitCode}): {error.Result}. {missing}");
        }
    }
}
