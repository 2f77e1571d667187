using Bytez.Media.Audio;
using CsCheck;

namespace Bytez.Media.Tests.Audio;

/// <summary>Broken files of every shape end in a MediaException (or decode), never another exception or a hang.</summary>
public sealed class AudioDecoderRobustnessTests
{
    private static readonly AudioDecoder Decoder = new(new MediaLimits { MaxBytes = 1 << 20, MaxAudioDuration = TimeSpan.FromSeconds(30) },
        new AudioDecoderOptions { FfmpegPath = "/nonexistent/ffmpeg" });

    private static void DecodeOrRefuse(byte[] file)
    {
        try
        {
            var samples = Decoder.DecodeAsync(file, 16000).GetAwaiter().GetResult();
            Assert.NotEmpty(samples.Samples);
        }
        catch (MediaException)
        {
        }
    }

    private static Gen<byte[]> Mutations(byte[] valid) =>
        Gen.Select(Gen.Int[0, valid.Length - 1].Array[1, 8], Gen.Byte.Array[8], Gen.Int[0, valid.Length], (positions, values, cut) =>
        {
            var copy = valid.AsSpan(0, Math.Max(1, cut)).ToArray();
            for (int i = 0; i < positions.Length; i++)
            {
                if (positions[i] < copy.Length)
                {
                    copy[positions[i]] = values[i];
                }
            }

            return copy;
        });

    [Fact]
    public void Mutated_and_truncated_WAV_files_decode_or_are_refused()
    {
        var wav = AudioTools.Tone(440, 22050, 0.05, 2, "-c:a", "pcm_s16le", "-bitexact", "-f", "wav");

        Mutations(wav).Sample(DecodeOrRefuse, iter: 3000);
    }

    [Fact]
    public void Mutated_and_truncated_MP3_files_decode_or_are_refused()
    {
        var mp3 = AudioTools.Tone(440, 16000, 0.3, 1, "-c:a", "libmp3lame", "-f", "mp3");

        Mutations(mp3).Sample(DecodeOrRefuse, iter: 300);
    }

    [Fact]
    public void Random_bytes_behind_each_magic_number_decode_or_are_refused()
    {
        byte[][] magics = [[.. "RIFF\0\0\0\0WAVE"u8], [.. "ID3\u0003\0\0\0\0\0\0"u8], [0xFF, 0xFB, 0x90, 0x64], [.. "fLaC"u8], [.. "OggS"u8]];

        Gen.Select(Gen.Int[0, magics.Length - 1], Gen.Byte.Array[0, 400], (m, tail) => (byte[])[.. magics[m], .. tail]).Sample(DecodeOrRefuse, iter: 2000);
    }
}
