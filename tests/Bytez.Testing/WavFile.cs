using System.Buffers.Binary;
using System.Text;

namespace Bytez.Testing;

/// <summary>
/// A WAV file read back chunk by chunk, independently of the server's decoder: the <c>fmt </c> fields as written and
/// the samples of a 32-bit IEEE float file, for tests that check the files text-to-speech produces.
/// </summary>
/// <param name="FormatTag">The <c>fmt </c> format tag (3 = IEEE float).</param>
/// <param name="Channels">The channel count.</param>
/// <param name="SampleRate">Samples per second.</param>
/// <param name="BitsPerSample">Bits per sample.</param>
/// <param name="Samples">The samples (32-bit float files only; empty otherwise).</param>
public sealed record WavFile(int FormatTag, int Channels, int SampleRate, int BitsPerSample, float[] Samples)
{
    /// <summary>Reads a WAV file.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed WAV file.</exception>
    public static WavFile Read(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Check(data.Length >= 12, $"A WAV file has at least 12 bytes; got {data.Length}.");
        Check(Encoding.ASCII.GetString(data, 0, 4) == "RIFF" && Encoding.ASCII.GetString(data, 8, 4) == "WAVE", "The file does not start with RIFF....WAVE.");
        Check(BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(4)) == data.Length - 8, "The RIFF size is not the file's length less 8.");
        int format = 0, channels = 0, rate = 0, bits = 0;
        float[]? samples = null;
        var offset = 12;
        while (offset + 8 <= data.Length)
        {
            var id = Encoding.ASCII.GetString(data, offset, 4);
            var size = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(offset + 4));
            Check(size >= 0 && offset + 8 + size <= data.Length, $"The chunk '{id}' runs past the file's end.");
            var body = data.AsSpan(offset + 8, size);
            if (id == "fmt ")
            {
                format = BinaryPrimitives.ReadUInt16LittleEndian(body);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                rate = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                Check(BinaryPrimitives.ReadInt32LittleEndian(body[8..]) == rate * channels * bits / 8, "The byte rate is not rate · channels · bits / 8.");
            }
            else if (id == "data" && format == 3 && bits == 32)
            {
                samples = new float[size / 4];
                for (var i = 0; i < samples.Length; i++)
                {
                    samples[i] = BinaryPrimitives.ReadSingleLittleEndian(body[(4 * i)..]);
                }
            }

            offset += 8 + size + (size & 1);
        }

        Check(offset == data.Length, "The chunks do not end where the file does.");
        return new WavFile(format, channels, rate, bits, samples ?? []);
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException(message);
        }
    }
}
