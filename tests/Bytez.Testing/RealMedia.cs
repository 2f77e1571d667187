using System.Diagnostics;
using Bytez.Media;
using Bytez.Media.Audio;
using Bytez.Media.Images;

namespace Bytez.Testing;

/// <summary>
/// Real media for the embedded models' checks and their benchmark: Debian's <c>darknet</c> sample photos (downloaded
/// once with <c>apt-get download</c> into a cache, never committed; <c>.ci/run</c> fetches them) and speech spoken by
/// espeak-ng between stretches of digital silence. A missing tool fails with a message naming what to install.
/// </summary>
public static class RealMedia
{
    /// <summary>The darknet sample photos used as a set (the kite photo is also there).</summary>
    public static IReadOnlyList<string> PhotoNames { get; } = ["dog", "eagle", "giraffe", "horses", "person", "kite"];

    private static readonly Lazy<string> PhotoFolder = new(FetchDarknetPhotos, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The cache of test data fetched from Debian's packages (<c>$XDG_CACHE_HOME/bytez-test-data</c>).</summary>
    public static string CacheRoot => Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
        "bytez-test-data");

    /// <summary>The JPEG file of a darknet sample photo by name (dog, eagle, giraffe, horses, person, kite, scream).</summary>
    /// <exception cref="InvalidOperationException">The photos could not be fetched (the message says how to get them).</exception>
    public static byte[] PhotoFile(string name) => File.ReadAllBytes(Path.Combine(PhotoFolder.Value, name + ".jpg"));

    /// <summary>
    /// espeak-ng speaking <paramref name="text"/>, decoded to 16 kHz mono as the server decodes it, with
    /// <paramref name="silence"/> of digital silence before and after. Returns the samples and where the speech
    /// starts and ends.
    /// </summary>
    /// <exception cref="InvalidOperationException">espeak-ng is missing or failed.</exception>
    public static (AudioSamples Audio, TimeSpan SpeechStart, TimeSpan SpeechEnd) Speech(string text, TimeSpan silence)
    {
        var wav = Path.Combine(Path.GetTempPath(), $"bytez-speech-{Guid.NewGuid():N}.wav");
        try
        {
            Run("espeak-ng", ["-w", wav, text], "espeak-ng is missing: install Debian's espeak-ng (.ci/run does).");
            // espeak-ng writes 22,050 Hz; AudioDecoder brings it to 16 kHz with ffmpeg's results.
            var spoken = new AudioDecoder(new MediaLimits()).DecodeAsync(File.ReadAllBytes(wav), 16000).GetAwaiter().GetResult().Samples;
            var pad = (int)(silence.TotalSeconds * 16000);
            var all = new float[pad + spoken.Length + pad];
            spoken.CopyTo(all, pad);
            return (new AudioSamples(all, 16000), silence, silence + TimeSpan.FromSeconds(spoken.Length / 16000.0));
        }
        finally
        {
            File.Delete(wav);
        }
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
        Run("apt-get", ["download", "darknet"], Hint, folder);
        var deb = Directory.EnumerateFiles(folder, "darknet_*.deb").Order(StringComparer.Ordinal).LastOrDefault()
            ?? throw new InvalidOperationException(Hint);
        Run("dpkg", ["-x", deb, "extracted"], "dpkg is missing.", folder);
        return File.Exists(Path.Combine(photos, "dog.jpg"))
            ? photos
            : throw new InvalidOperationException($"The darknet package has no data/dog.jpg under {photos}.");
    }

    private static void Run(string program, IReadOnlyList<string> arguments, string missing, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException(missing);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(missing, e);
        }

        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(120_000))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"{program} did not finish in 2 minutes.");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Result}. {missing}");
            }
        }
    }
}
