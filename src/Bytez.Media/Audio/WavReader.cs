using System.Buffers.Binary;

namespace Bytez.Media.Audio;

/// <summary>
/// The RIFF/WAVE reader: PCM 8/16/24/32-bit and IEEE float 32/64, plain or WAVE_FORMAT_EXTENSIBLE, any channel count.
/// Integers become floats as ffmpeg's libswresample converts them (s16 × 2⁻¹⁵, s32 × 2⁻³¹ in float, u8 offset by 128),
/// so a mono file at the model's rate gives exactly the samples the Python pipelines get from ffmpeg.
/// </summary>
internal static class WavReader
{
    private const ushort FormatPcm = 1;
    private const ushort FormatFloat = 3;
    private const ushort FormatExtensible = 0xFFFE;

    /// <summary>The tail shared by every WAVE_FORMAT_EXTENSIBLE sub-format GUID (KSDATAFORMAT_SUBTYPE_*).</summary>
    private static ReadOnlySpan<byte> GuidTail => [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <summary>What the header says, read before any sample is converted.</summary>
    internal readonly record struct Header(ushort Format, int Channels, int SampleRate, int BitsPerSample, int BlockAlign, int DataOffset, long DataLength)
    {
        /// <summary>Whether this reader converts the samples itself (otherwise ffmpeg has to).</summary>
        public bool Supported => (Format == FormatPcm && BitsPerSample is 8 or 16 or 24 or 32)
            || (Format == FormatFloat && BitsPerSample is 32 or 64);

        /// <summary>The duration the data chunk declares.</summary>
        public TimeSpan Duration => TimeSpan.FromSeconds((double)(DataLength / BlockAlign) / SampleRate);
    }

    /// <summary>Reads the chunks up to the data chunk; throws <see cref="MediaException"/> for a broken or over-limit header.</summary>
    public static Header ReadHeader(ReadOnlySpan<byte> data, MediaLimits limits)
    {
        if (data.Length < 12 || !data[..4].SequenceEqual("RIFF"u8) || !data[8..12].SequenceEqual("WAVE"u8))
        {
            throw Malformed("it does not start with a RIFF/WAVE header");
        }

        ushort format = 0;
        int channels = 0, rate = 0, bits = 0, blockAlign = 0;
        bool haveFormat = false;
        long pos = 12;
        while (pos + 8 <= data.Length)
        {
            var id = data.Slice((int)pos, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice((int)pos + 4, 4));
            long body = pos + 8;
            long remaining = data.Length - body;
            if (id.SequenceEqual("data"u8))
            {
                if (!haveFormat)
                {
                    throw Malformed("the data chunk comes before the fmt chunk");
                }

                // A streamed file (written to a pipe) cannot know its length and says 0xFFFFFFFF: the data runs to the end.
                long length = size == uint.MaxValue ? remaining - (remaining % blockAlign) : size;
                var header = new Header(format, channels, rate, bits, blockAlign, (int)body, length);
                if (header.Duration > limits.MaxAudioDuration)
                {
                    throw new MediaException(MediaErrorKind.TooLarge,
                        $"The WAV audio lasts {Describe(header.Duration)}; the limit is {Describe(limits.MaxAudioDuration)} (Bytez:Media:MaxAudioDuration).");
                }

                if (length > remaining)
                {
                    throw Malformed($"its data chunk declares {length} bytes but only {remaining} follow (the file is truncated)");
                }

                if (length % blockAlign != 0)
                {
                    throw Malformed($"its data chunk of {length} bytes is not a whole number of {blockAlign}-byte frames");
                }

                if (length == 0)
                {
                    throw Malformed("it holds no audio samples");
                }

                return header;
            }

            if (size > remaining)
            {
                throw Malformed($"its '{Ascii(id)}' chunk declares {size} bytes but only {remaining} follow");
            }

            if (id.SequenceEqual("fmt "u8))
            {
                (format, channels, rate, bits, blockAlign) = ReadFormat(data.Slice((int)body, (int)size));
                haveFormat = true;
            }

            pos = body + size + (size & 1);
        }

        throw Malformed(haveFormat ? "it has no data chunk" : "it has no fmt chunk");
    }

    /// <summary>Converts the samples of a supported header to interleaved floats.</summary>
    public static PcmAudio ReadSamples(ReadOnlySpan<byte> data, Header header)
    {
        var bytes = data.Slice(header.DataOffset, (int)header.DataLength);
        int width = header.BitsPerSample / 8;
        int frames = (int)(header.DataLength / header.BlockAlign);
        var samples = new float[(long)frames * header.Channels];
        int n = 0;
        for (int f = 0; f < frames; f++)
        {
            var frame = bytes.Slice(f * header.BlockAlign, header.Channels * width);
            for (int c = 0; c < header.Channels; c++)
            {
                samples[n++] = Convert(frame.Slice(c * width, width), header.Format, width);
            }
        }

        return new PcmAudio(samples, header.Channels, header.SampleRate);
    }

    private static float Convert(ReadOnlySpan<byte> s, ushort format, int width)
    {
        if (format == FormatFloat)
        {
            return width == 4 ? BinaryPrimitives.ReadSingleLittleEndian(s) : (float)BinaryPrimitives.ReadDoubleLittleEndian(s);
        }

        return width switch
        {
            1 => (s[0] - 128) * (1f / 128),
            2 => BinaryPrimitives.ReadInt16LittleEndian(s) * (1f / 32768),
            3 => ((s[0] << 8) | (s[1] << 16) | (s[2] << 24)) * (1f / 2147483648f),
            _ => BinaryPrimitives.ReadInt32LittleEndian(s) * (1f / 2147483648f),
        };
    }

    private static (ushort Format, int Channels, int Rate, int Bits, int BlockAlign) ReadFormat(ReadOnlySpan<byte> fmt)
    {
        if (fmt.Length < 16)
        {
            throw Malformed($"its fmt chunk has {fmt.Length} bytes, fewer than the 16 every WAV needs");
        }

        ushort format = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        if (channels == 0)
        {
            throw Malformed("its fmt chunk declares zero channels");
        }

        if (rate is 0 or > 1_000_000)
        {
            throw Malformed($"its fmt chunk declares a sample rate of {rate} Hz (expected 1 to 1000000)");
        }

        if (blockAlign == 0)
        {
            throw Malformed("its fmt chunk declares frames of zero bytes");
        }

        if (format == FormatExtensible)
        {
            if (fmt.Length < 40)
            {
                throw Malformed($"its WAVE_FORMAT_EXTENSIBLE fmt chunk has {fmt.Length} bytes, fewer than 40");
            }

            var guid = fmt.Slice(24, 16);
            format = BinaryPrimitives.ReadUInt16LittleEndian(guid);
            if (!guid[2..].SequenceEqual(GuidTail))
            {
                format = 0; // a vendor sub-format: left to ffmpeg
            }
        }

        if ((format is FormatPcm or FormatFloat) && bits % 8 == 0 && bits > 0 && blockAlign != channels * (bits / 8))
        {
            throw Malformed($"its fmt chunk declares {blockAlign}-byte frames for {channels} channel(s) of {bits} bits");
        }

        return (format, channels, (int)rate, bits, blockAlign);
    }

    private static string Ascii(ReadOnlySpan<byte> id)
    {
        Span<char> chars = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            chars[i] = id[i] is >= 0x20 and < 0x7F ? (char)id[i] : '?';
        }

        return new string(chars);
    }

    internal static string Describe(TimeSpan t) => t.TotalHours >= 1 ? $"{t.TotalHours:0.##} h" : t.TotalMinutes >= 1 ? $"{t.TotalMinutes:0.##} min" : $"{t.TotalSeconds:0.###} s";

    private static MediaException Malformed(string why) => new(MediaErrorKind.Malformed, $"The audio is not a valid WAV file: {why}.");
}
