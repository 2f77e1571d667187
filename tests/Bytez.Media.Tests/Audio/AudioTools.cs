using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Bytez.Media.Tests.Audio;

/// <summary>
/// The independent references the audio tests compare with: Debian's ffmpeg (what transformers' ffmpeg_read runs),
/// espeak-ng (real speech) and /usr/bin/python3 with numpy, torch and torchaudio. A missing tool fails the test, naming it.
/// </summary>
internal static class AudioTools
{
    public const string Python = "/usr/bin/python3";

    /// <summary>Runs a program, feeding <paramref name="stdin"/>; returns stdout and fails the test on a non-zero exit.</summary>
    public static byte[] Run(string program, IEnumerable<string> args, byte[]? stdin = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"{program} is needed by this test and could not be started ({e.Message}); install it (Debian: ffmpeg, espeak-ng, python3-numpy, python3-torch, python3-torchaudio).");
            throw;
        }

        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync();
            var output = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
            if (stdin is not null)
            {
                try
                {
                    process.StandardInput.BaseStream.Write(stdin);
                }
                catch (IOException)
                {
                }
            }

            process.StandardInput.Close();
            copy.Wait();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {errors.Result}");
            return output.ToArray();
        }
    }

    /// <summary>ffmpeg with quiet logging; the arguments end with the output (use "-f", fmt, "pipe:1" for stdout).</summary>
    public static byte[] Ffmpeg(params string[] args) => Run("ffmpeg", ["-hide_banner", "-loglevel", "error", .. args]);

    /// <summary>
    /// A lavfi sine tone (a second tone at 1.5× the frequency in the second channel) encoded by ffmpeg into a file, so
    /// that headers carry real sizes; the trailing arguments name the codec and end with "-f", the container.
    /// </summary>
    public static byte[] Tone(int frequency, int rate, double seconds, int channels, params string[] encode)
    {
        string path = Path.Combine(Path.GetTempPath(), $"bytez-tone-{Guid.NewGuid():N}");
        try
        {
            Ffmpeg(["-f", "lavfi", "-i", FormattableString.Invariant($"sine=frequency={frequency}:sample_rate={rate}:duration={seconds}"),
                "-f", "lavfi", "-i", FormattableString.Invariant($"sine=frequency={frequency * 3 / 2}:sample_rate={rate}:duration={seconds}"),
                "-filter_complex", channels == 1 ? "[0]anull" : "[0][1]amerge=inputs=2",
                .. encode, path]);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The same tone written by ffmpeg to a pipe, as a stream (a WAV then declares its data size as 0xFFFFFFFF).</summary>
    public static byte[] StreamedTone(int frequency, int rate, double seconds, params string[] encode) =>
        Ffmpeg(["-f", "lavfi", "-i", FormattableString.Invariant($"sine=frequency={frequency}:sample_rate={rate}:duration={seconds}"), .. encode, "pipe:1"]);

    /// <summary>Speech from espeak-ng as the 22050 Hz 16-bit mono WAV it writes.</summary>
    public static byte[] Speech(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), $"bytez-speech-{Guid.NewGuid():N}.wav");
        try
        {
            Run("espeak-ng", ["-w", path, text]);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>What transformers' ffmpeg_read returns for the file: ffmpeg with exactly its arguments.</summary>
    public static float[] FfmpegRead(byte[] file, int rate) =>
        Floats(Run("ffmpeg", ["-i", "pipe:0", "-ac", "1", "-ar", rate.ToString(System.Globalization.CultureInfo.InvariantCulture), "-f", "f32le", "-hide_banner", "-loglevel", "quiet", "pipe:1"], file));

    /// <summary>Little-endian float32 bytes as floats.</summary>
    public static float[] Floats(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, bytes.Length / 4 * 4)).ToArray();

    /// <summary>Floats as little-endian float32 bytes.</summary>
    public static byte[] Bytes(ReadOnlySpan<float> values) => MemoryMarshal.AsBytes(values).ToArray();

    /// <summary>Runs a Python script with /usr/bin/python3, the input on stdin, and returns stdout.</summary>
    public static byte[] RunPython(string script, byte[] stdin)
    {
        Assert.True(File.Exists(Python), $"{Python} (Debian's python3 with python3-numpy and python3-torch) is needed by this test.");
        string path = Path.Combine(Path.GetTempPath(), $"bytez-ref-{Guid.NewGuid():N}.py");
        File.WriteAllText(path, script);
        try
        {
            return Run(Python, [path], stdin);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The largest absolute difference and the root-mean-square difference of two equally long signals.</summary>
    public static (double Max, double Rms) Difference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0, sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = Math.Abs((double)a[i] - b[i]);
            max = Math.Max(max, d);
            sum += d * d;
        }

        return (max, Math.Sqrt(sum / Math.Max(1, a.Length)));
    }
}
