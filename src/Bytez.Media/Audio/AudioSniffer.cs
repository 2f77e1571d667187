namespace Bytez.Media.Audio;

/// <summary>Tells the audio container from the first bytes of a file.</summary>
public static class AudioSniffer
{
    /// <summary>The container <paramref name="data"/> starts as, or <see cref="AudioFormat.Unknown"/>.</summary>
    public static AudioFormat Sniff(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 12 && data[..4].SequenceEqual("RIFF"u8) && data[8..12].SequenceEqual("WAVE"u8))
        {
            return AudioFormat.Wav;
        }

        if (data.Length >= 4 && data[..4].SequenceEqual("fLaC"u8))
        {
            return AudioFormat.Flac;
        }

        if (data.Length >= 4 && data[..4].SequenceEqual("OggS"u8))
        {
            return AudioFormat.Ogg;
        }

        if (data.Length >= 8 && data[4..8].SequenceEqual("ftyp"u8))
        {
            return AudioFormat.Mp4;
        }

        if (data.Length >= 4 && data[0] == 0x1A && data[1] == 0x45 && data[2] == 0xDF && data[3] == 0xA3)
        {
            return AudioFormat.WebM;
        }

        if (data.Length >= 12 && data[..4].SequenceEqual("FORM"u8)
            && (data[8..12].SequenceEqual("AIFF"u8) || data[8..12].SequenceEqual("AIFC"u8)))
        {
            return AudioFormat.Aiff;
        }

        if (data.Length >= 10 && data[..3].SequenceEqual("ID3"u8))
        {
            return AudioFormat.Mp3;
        }

        if (data.Length >= 4 && data[0] == 0xFF && (data[1] & 0xE0) == 0xE0)
        {
            int layer = (data[1] >> 1) & 3;
            int version = (data[1] >> 3) & 3;
            if (layer == 0 && (data[1] & 0xF0) == 0xF0)
            {
                return AudioFormat.Aac;
            }

            // Layer III (01), a real MPEG version (not 01) and a bitrate index that is not "bad" (1111).
            if (layer == 1 && version != 1 && (data[2] >> 4) != 0xF && ((data[2] >> 2) & 3) != 3)
            {
                return AudioFormat.Mp3;
            }
        }

        return AudioFormat.Unknown;
    }
}
