using NLayer;

namespace Bytez.Media.Audio;

/// <summary>Decodes MP3 with NLayer (managed, MIT), bounded by the longest audio allowed.</summary>
internal static class Mp3Reader
{
    /// <summary>The interleaved samples; throws <see cref="MediaException"/> for a broken or over-long file.</summary>
    public static PcmAudio Read(ReadOnlyMemory<byte> data, MediaLimits limits)
    {
        try
        {
            using var stream = new MemoryStream(data.ToArray(), writable: false);
            using var file = new MpegFile(stream);
            int channels = file.Channels;
            int rate = file.SampleRate;
            if (channels is < 1 or > 2 || rate < 1)
            {
                throw Malformed($"its first frame declares {channels} channel(s) at {rate} Hz");
            }

            long maxFrames = (long)Math.Floor(limits.MaxAudioDuration.TotalSeconds * rate);
            var samples = new List<float>(Math.Min(data.Length * 12, 1 << 24));
            var buffer = new float[1152 * 2 * 8];
            int read;
            while ((read = file.ReadSamples(buffer, 0, buffer.Length)) > 0)
            {
                if ((samples.Count + read) / channels > maxFrames)
                {
                    throw new MediaException(MediaErrorKind.TooLarge,
                        $"The MP3 audio lasts longer than {WavReader.Describe(limits.MaxAudioDuration)}, the limit (Bytez:Media:MaxAudioDuration).");
                }

                samples.AddRange(buffer.AsSpan(0, read));
            }

            if (samples.Count < channels)
            {
                throw Malformed("it holds no decodable frame");
            }

            int whole = samples.Count - (samples.Count % channels);
            int skip = (int)Math.Min((long)Mp3InfoTag.StartSkip(data.Span) * channels, whole - channels);
            return new PcmAudio([.. samples.GetRange(skip, whole - skip)], channels, rate);
        }
        catch (MediaException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Malformed(e.Message);
        }
    }

    private static MediaException Malformed(string why) => new(MediaErrorKind.Malformed, $"The audio is not a valid MP3 file: {why}.");
}
