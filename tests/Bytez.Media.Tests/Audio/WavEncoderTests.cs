using System.Buffers.Binary;
using Bytez.Media.Audio;

namespace Bytez.Media.Tests.Audio;

public sealed class WavEncoderTests
{
    private static float[] Ramp(int n) => [.. Enumerable.Range(0, n).Select(i => (float)Math.Sin(i * 0.01) * 0.75f)];

    [Fact]
    public void The_header_is_scipys_float32_layout_field_by_field()
    {
        var wav = WavEncoder.EncodeFloat32(Ramp(1000), 16000);

        Assert.Equal(58 + 4000, wav.Length);
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(wav, 0, 4));
        Assert.Equal((uint)(wav.Length - 8), BinaryPrimitives.ReadUInt32LittleEndian(wav.AsSpan(4)));
        Assert.Equal("WAVEfmt ", System.Text.Encoding.ASCII.GetString(wav, 8, 8));
        Assert.Equal(18u, BinaryPrimitives.ReadUInt32LittleEndian(wav.AsSpan(16)));
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(wav.AsSpan(20)));     // WAVE_FORMAT_IEEE_FLOAT
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(wav.AsSpan(22)));     // mono
        Assert.Equal(16000u, BinaryPrimitives.ReadUInt32LittleEndian(wav.AsSpan(24)));
        Assert.Equal(64000u, BinaryPrimitives.ReadUInt32LittleEndian(wav.AsSpan(28)));
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(wav.AsSpan(32)));
        Assert.Equal(32, BinaryPrimitives.ReadUInt16LittleEndian(wav.AsSpan(34)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(wav.AsSpan(36)));     // cbSize
        Assert.Equal("fact", System.Text.Encoding.ASCII.GetString(wav, 38, 4));
        Assert.Equal(1000u, BinaryPrimitives.ReadUInt32LittleEndian(wav.AsSpan(46)));
        Assert.Equal("data", System.Text.Encoding.ASCII.GetString(wav, 50, 4));
        Assert.Equal(4000u, BinaryPrimitives.ReadUInt32LittleEndian(wav.AsSpan(54)));
    }

    [Fact]
    public void Ffmpeg_reads_the_samples_back_unchanged()
    {
        var samples = Ramp(22050);

        var back = AudioTools.FfmpegRead(WavEncoder.EncodeFloat32(samples, 22050), 22050);

        Assert.Equal(samples, back);
    }

    [Fact]
    public void Pythons_wave_module_reads_the_header_and_numpy_the_samples()
    {
        var samples = Ramp(500);
        const string script = """
import sys, wave, io, numpy as np
data = sys.stdin.buffer.read()
# wave only reads PCM: check the chunk walk by hand as wave does it, then the float samples with numpy.
import struct
assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
pos, chunks = 12, {}
while pos + 8 <= len(data):
    cid, size = data[pos:pos+4], struct.unpack("<I", data[pos+4:pos+8])[0]
    chunks[cid] = data[pos+8:pos+8+size]; pos += 8 + size + (size & 1)
tag, ch, rate, bps, align, bits = struct.unpack("<HHIIHH", chunks[b"fmt "][:16])
x = np.frombuffer(chunks[b"data"], "<f4")
print(tag, ch, rate, bits, len(x), struct.unpack("<I", chunks[b"fact"])[0], float(np.abs(x).max()))
""";

        var printed = System.Text.Encoding.ASCII.GetString(AudioTools.RunPython(script, WavEncoder.EncodeFloat32(samples, 16000))).Trim();

        Assert.Equal($"3 1 16000 32 500 500 {((double)samples.Max(MathF.Abs)).ToString("R", System.Globalization.CultureInfo.InvariantCulture)}", printed);
    }

    [Fact]
    public async Task Our_decoder_reads_it_back()
    {
        var samples = Ramp(16000);

        var decoded = await new AudioDecoder(new MediaLimits()).DecodeAsync(WavEncoder.EncodeFloat32(samples, 16000), 16000, TestContext.Current.CancellationToken);

        Assert.Equal(samples, decoded.Samples);
    }
}
