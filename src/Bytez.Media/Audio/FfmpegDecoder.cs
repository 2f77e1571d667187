using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Bytez.Media.Audio;

/// <summary>
/// Runs ffmpeg exactly as transformers' <c>ffmpeg_read</c> does (<c>ffmpeg -i pipe:0 -ac 1 -ar RATE -f f32le
/// -hide_banner -loglevel quiet pipe:1</c>, the file on stdin, float samples on stdout), within a time limit and
/// with the output capped at the longest audio allowed.
/// </summary>
internal sealed class FfmpegDecoder(string executable, TimeSpan timeout)
{
    /// <summary>The ffmpeg executable this decoder runs.</summary>
    public string Executable { get; } = executable;

    /// <summary>Finds ffmpeg: <paramref name="configured"/> if set (it must exist), else <c>ffmpeg</c> on the PATH; null when absent.</summary>
    public static string? Locate(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured) ? Path.GetFullPath(configured) : null;
        }

        string name = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "ffmpeg.exe" : "ffmpeg";
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Decodes to mono float samples at <paramref name="sampleRate"/>, at most <paramref name="maxSamples"/> of them.</summary>
    public async Task<float[]> DecodeAsync(ReadOnlyMemory<byte> data, int sampleRate, long maxSamples, string formatName, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["-i", "pipe:0", "-ac", "1", "-ar", sampleRate.ToString(System.Globalization.CultureInfo.InvariantCulture), "-f", "f32le", "-hide_banner", "-loglevel", "quiet", "pipe:1"])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new MediaException(MediaErrorKind.Unsupported, $"The {formatName} audio needs ffmpeg, which could not be started ({Executable}: {e.Message}).", e);
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        long maxBytes = maxSamples * 4;
        var output = new MemoryStream();
        bool tooLong = false;
        try
        {
            var feed = FeedAsync(process, data, timer.Token);
            var drainErrors = process.StandardError.BaseStream.CopyToAsync(Stream.Null, timer.Token);
            var buffer = new byte[81920];
            var stdout = process.StandardOutput.BaseStream;
            int read;
            while ((read = await stdout.ReadAsync(buffer, timer.Token).ConfigureAwait(false)) > 0)
            {
                if (output.Length + read > maxBytes)
                {
                    tooLong = true;
                    break;
                }

                output.Write(buffer, 0, read);
            }

            if (tooLong)
            {
                Kill(process);
            }
            else
            {
                await process.WaitForExitAsync(timer.Token).ConfigureAwait(false);
            }

            await feed.ConfigureAwait(false);
            await drainErrors.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Kill(process);
            throw new MediaException(MediaErrorKind.TooLarge, $"ffmpeg took longer than {timeout.TotalSeconds:0.#} s to decode the {formatName} audio.");
        }
        catch
        {
            Kill(process);
            throw;
        }

        if (tooLong)
        {
            throw new MediaException(MediaErrorKind.TooLarge,
                $"The {formatName} audio lasts longer than {WavReader.Describe(TimeSpan.FromSeconds((double)maxSamples / sampleRate))}, the limit (Bytez:Media:MaxAudioDuration).");
        }

        int count = (int)(output.Length / 4);
        if (count == 0)
        {
            throw new MediaException(MediaErrorKind.Malformed, $"ffmpeg decoded no audio from the {formatName} file: it is malformed or holds no sound.");
        }

        var samples = new float[count];
        output.GetBuffer().AsSpan(0, count * 4).CopyTo(MemoryMarshal.AsBytes(samples.AsSpan()));
        return samples;
    }

    private static async Task FeedAsync(Process process, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            var stdin = process.StandardInput.BaseStream;
            await stdin.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            await stdin.FlushAsync(cancellationToken).ConfigureAwait(false);
            stdin.Close();
        }
        catch (IOException)
        {
            // ffmpeg stopped reading (it had enough, or gave up on the file): what it wrote decides.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}

