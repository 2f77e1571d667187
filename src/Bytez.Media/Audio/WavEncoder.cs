using System.Buffers.Binary;

namespace Bytez.Media.Audio;

/// <summary>
/// Writes mono float samples as the WAV file <c>scipy.io.wavfile.write</c> makes of a float32 array (what Bytez's
/// text-to-speech containers return): RIFF; an 18-byte fmt chunk of WAVE_FORMAT_IEEE_FLOAT (3), one channel, 32 bits,
/// cbSize 0; a fact chunk with the sample count; the data chunk of little-endian float32 samples.
/// </summary>
public static class WavEncoder
{
    /// <summary>The bytes before the samples: 12 (RIFF) + 26 (fmt) + 12 (fact) + 8 (data header).</summary>
    public const int HeaderLength = 58;

    /// <summary>The WAV file of <paramref name="samples"/> at <paramref name="sampleRate"/> samples per second.</summary>
    public static byte[] EncodeFloat32(ReadOnlySpan<float> samples, int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        long dataBytes = (long)samples.Length * 4;
        if (HeaderLength - 8 + dataBytes > uint.MaxValue)
        {
            throw new ArgumentException("The samples exceed the 4 GiB a WAV file can hold.", nameof(samples));
        }

        var file = new byte[HeaderLength + dataBytes];
        var s = file.AsSpan();
        "RIFF"u8.CopyTo(s);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], (uint)(file.Length - 8));
        "WAVE"u8.CopyTo(s[8..]);
        "fmt "u8.CopyTo(s[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], 18);
        BinaryPrimitives.WriteUInt16LittleEndian(s[20..], 3); // WAVE_FORMAT_IEEE_FLOAT
        BinaryPrimitives.WriteUInt16LittleEndian(s[22..], 1); // channels
        BinaryPrimitives.WriteUInt32LittleEndian(s[24..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(s[28..], (uint)sampleRate * 4); // bytes per second
        BinaryPrimitives.WriteUInt16LittleEndian(s[32..], 4); // block align
        BinaryPrimitives.WriteUInt16LittleEndian(s[34..], 32); // bits per sample
        BinaryPrimitives.WriteUInt16LittleEndian(s[36..], 0); // cbSize
        "fact"u8.CopyTo(s[38..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[42..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(s[46..], (uint)samples.Length);
        "data"u8.CopyTo(s[50..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[54..], (uint)dataBytes);
        var data = s[HeaderLength..];
        for (int i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data[(i * 4)..], samples[i]);
        }

        return file;
    }
}
