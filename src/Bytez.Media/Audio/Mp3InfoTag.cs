using System.Buffers.Binary;

namespace Bytez.Media.Audio;

/// <summary>
/// The Xing/Info frame that LAME and ffmpeg write first in an MP3: its encoder delay tells how many decoded samples
/// are not audio. ffmpeg's MP3 reader drops delay + 529 samples (the decoder's own delay) from the start; on a pipe,
/// as <c>ffmpeg_read</c> feeds it, it does not trim the end padding, so neither is it trimmed here.
/// </summary>
internal static class Mp3InfoTag
{
    private const int DecoderDelay = 529;

    /// <summary>Samples per channel to drop from the start of the decoded audio (0 without a LAME-style tag).</summary>
    public static int StartSkip(ReadOnlySpan<byte> file)
    {
        int pos = 0;
        if (file.Length >= 10 && file[..3].SequenceEqual("ID3"u8))
        {
            int size = (file[6] & 0x7F) << 21 | (file[7] & 0x7F) << 14 | (file[8] & 0x7F) << 7 | (file[9] & 0x7F);
            pos = 10 + size + ((file[5] & 0x10) != 0 ? 10 : 0);
        }

        if (pos < 0 || pos + 4 > file.Length || file[pos] != 0xFF || (file[pos + 1] & 0xE0) != 0xE0)
        {
            return 0;
        }

        var frame = file.Slice(pos, Math.Min(file.Length - pos, 200));
        int tag = frame.IndexOf("Xing"u8);
        if (tag < 0)
        {
            tag = frame.IndexOf("Info"u8);
        }

        if (tag < 0 || tag + 8 > frame.Length)
        {
            return 0;
        }

        uint flags = BinaryPrimitives.ReadUInt32BigEndian(frame[(tag + 4)..]);
        int ext = tag + 8 + ((flags & 1) != 0 ? 4 : 0) + ((flags & 2) != 0 ? 4 : 0) + ((flags & 4) != 0 ? 100 : 0) + ((flags & 8) != 0 ? 4 : 0);
        if (ext + 24 > frame.Length)
        {
            return 0;
        }

        var version = frame.Slice(ext, 4);
        if (!version.SequenceEqual("LAME"u8) && !version.SequenceEqual("Lavf"u8) && !version.SequenceEqual("Lavc"u8))
        {
            return 0;
        }

        int delay = (frame[ext + 21] << 4) | (frame[ext + 22] >> 4);
        return delay + DecoderDelay;
    }
}
