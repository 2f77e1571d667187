using System.Buffers.Binary;

namespace Bytez.Media.Audio;

/// <summary>Reads the duration a FLAC file declares in its STREAMINFO block, to refuse over-long audio before decoding.</summary>
internal static class FlacHeader
{
    /// <summary>Throws <see cref="MediaException"/> (TooLarge) when STREAMINFO declares more than the longest audio allowed.</summary>
    public static void CheckDuration(ReadOnlySpan<byte> data, MediaLimits limits)
    {
        // "fLaC", a metadata block header (type 0 = STREAMINFO, 24-bit length 34), then the 34 bytes.
        if (data.Length < 8 + 34 || (data[4] & 0x7F) != 0)
        {
            return;
        }

        var info = data.Slice(8, 34);
        ulong bits = BinaryPrimitives.ReadUInt64BigEndian(info[10..]);
        long rate = (long)(bits >> 44);
        long total = (long)(bits & 0xF_FFFF_FFFFUL);
        if (rate == 0 || total == 0)
        {
            return; // unknown length: the cap on ffmpeg's output applies
        }

        var duration = TimeSpan.FromSeconds((double)total / rate);
        if (duration > limits.MaxAudioDuration)
        {
            throw new MediaException(MediaErrorKind.TooLarge,
                $"The FLAC audio lasts {WavReader.Describe(duration)}; the limit is {WavReader.Describe(limits.MaxAudioDuration)} (Bytez:Media:MaxAudioDuration).");
        }
    }
}
