using Bytez.Media.Audio;
using System.Buffers.Binary;
using System.Diagnostics;

namespace Bytez.Media.Tests.Audio;

public sealed class AudioDecoderTests(ITestOutputHelper output)
{
    private static readonly AudioDecoder Decoder = new(new MediaLimits());

    private static AudioSamples Decode(byte[] file, int rate = 16000, AudioDecoder? decoder = null) =>
        (decoder ?? Decoder).DecodeAsync(file, rate, TestContext.Current.CancellationToken).GetAwaiter().GetResult();

    [Theory]
    [InlineData("pcm_s16le")]
    [InlineData("pcm_u8")]
    [InlineData("pcm_s24le")]
    [InlineData("pcm_s32le")]
    [InlineData("pcm_f32le")]
    [InlineData("pcm_f64le")]
    public void Mono_WAV_at_the_model_rate_gives_exactly_the_samples_of_ffmpeg_read(string codec)
    {
        var wav = AudioTools.Tone(440, 16000, 1.5, 1, "-c:a", codec, "-f", "wav");
        var expected = AudioTools.FfmpegRead(wav, 16000);

        var decoded = Decode(wav);

        Assert.Equal(16000, decoded.SampleRate);
        Assert.Equal(expected, decoded.Samples);
    }

    [Theory]
    [InlineData(16000, 2, "pcm_s16le")]
    [InlineData(22050, 1, "pcm_s16le")]
    [InlineData(44100, 2, "pcm_s16le")]
    [InlineData(48000, 1, "pcm_s24le")]
    [InlineData(8000, 1, "pcm_s16le")]
    [InlineData(11025, 2, "pcm_f32le")]
    [InlineData(44101, 1, "pcm_s16le")]
    public void Stereo_and_other_rates_match_ffmpeg_to_float_rounding(int rate, int channels, string codec)
    {
        var wav = AudioTools.Tone(440, rate, 1.0, channels, "-c:a", codec, "-f", "wav");
        var expected = AudioTools.FfmpegRead(wav, 16000);

        var decoded = Decode(wav);

        var (max, rms) = AudioTools.Difference(expected, decoded.Samples);
        output.WriteLine($"{rate} Hz × {channels} ({codec}) → 16000 Hz mono: {decoded.Samples.Length} samples, max |Δ| {max:E2}, RMS {rms:E2}");
        Assert.True(max < (rate == 44101 ? 2e-6 : 1e-7), $"max |Δ| {max:E2} against ffmpeg");
    }

    [Fact]
    public void Espeak_speech_at_22050_Hz_matches_ffmpeg_after_resampling()
    {
        var wav = AudioTools.Speech("The quick brown fox jumps over the lazy dog.");
        Assert.Equal(22050, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(24)));
        var expected = AudioTools.FfmpegRead(wav, 16000);

        var decoded = Decode(wav);

        var (max, rms) = AudioTools.Difference(expected, decoded.Samples);
        output.WriteLine($"espeak-ng 22050 Hz → 16000 Hz: {decoded.Samples.Length} samples, max |Δ| {max:E2}, RMS {rms:E2}");
        Assert.True(max < 1e-7, $"max |Δ| {max:E2}");
    }

    [Fact]
    public void MP3_decodes_with_NLayer_close_to_ffmpeg()
    {
        var mp3 = AudioTools.Tone(440, 16000, 2.0, 1, "-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3");
        Assert.True(Mp3InfoTag.StartSkip(mp3) > 529, "the file starts with a LAME-style Info frame");
        var expected = AudioTools.FfmpegRead(mp3, 16000);

        var decoded = Decode(mp3, decoder: WithoutFfmpeg());

        output.WriteLine($"MP3: ffmpeg {expected.Length} samples, NLayer {decoded.Samples.Length}");
        int n = Math.Min(expected.Length, decoded.Samples.Length);
        var (max, rms) = AudioTools.Difference(expected.AsSpan(0, n), decoded.Samples.AsSpan(0, n));
        output.WriteLine($"max |Δ| {max:E2}, RMS {rms:E2}");
        Assert.Equal(expected.Length, decoded.Samples.Length);
        Assert.True(rms < 1e-3, $"RMS {rms:E2}");
    }

    [Theory]
    [InlineData("flac", "flac")]
    [InlineData("libvorbis", "ogg")]
    [InlineData("aac", "mp4")]
    [InlineData("libopus", "webm")]
    public void Other_formats_go_through_ffmpeg_as_ffmpeg_read_runs_it(string codec, string container)
    {
        var file = AudioTools.Tone(440, 48000, 1.0, 2, "-c:a", codec, "-f", container);
        var expected = AudioTools.FfmpegRead(file, 16000);

        var decoded = Decode(file);

        Assert.Equal(expected, decoded.Samples);
    }

    [Fact]
    public void Without_ffmpeg_FLAC_is_refused_naming_what_decodes_and_what_to_install()
    {
        var flac = AudioTools.Tone(440, 16000, 0.5, 1, "-c:a", "flac", "-f", "flac");

        var e = Assert.Throws<MediaException>(() => Decode(flac, decoder: WithoutFfmpeg()));

        Assert.Equal(MediaErrorKind.Unsupported, e.Kind);
        Assert.Contains("Flac", e.Message, StringComparison.Ordinal);
        Assert.Contains("Wav and Mp3", e.Message, StringComparison.Ordinal);
        Assert.Contains("install ffmpeg", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Without_ffmpeg_WAV_still_decodes()
    {
        var wav = AudioTools.Tone(440, 16000, 0.5, 2, "-c:a", "pcm_s16le", "-f", "wav");

        Assert.Equal(AudioTools.FfmpegRead(wav, 16000), Decode(wav, decoder: WithoutFfmpeg()).Samples);
    }

    [Fact]
    public void A_streamed_WAV_whose_data_size_is_unknown_reads_to_the_end()
    {
        var wav = AudioTools.StreamedTone(440, 16000, 0.5, "-c:a", "pcm_s16le", "-f", "wav");
        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(wav.AsSpan(wav.AsSpan().IndexOf("data"u8) + 4)));

        Assert.Equal(AudioTools.FfmpegRead(wav, 16000), Decode(wav).Samples);
    }

    [Fact]
    public void More_than_two_channels_go_through_ffmpeg_and_without_it_are_averaged()
    {
        var wav = AudioTools.Ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000:duration=0.5", "-f", "lavfi", "-i", "sine=frequency=500:sample_rate=16000:duration=0.5",
            "-f", "lavfi", "-i", "sine=frequency=700:sample_rate=16000:duration=0.5", "-filter_complex", "[0][1][2]amerge=inputs=3", "-c:a", "pcm_s16le", "-f", "wav", "pipe:1");

        Assert.Equal(AudioTools.FfmpegRead(wav, 16000), Decode(wav).Samples);

        var averaged = Decode(wav, decoder: WithoutFfmpeg()).Samples;
        var channels = AudioTools.Floats(AudioTools.Run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-f", "f32le", "pipe:1"], wav));
        Assert.Equal(channels.Length / 3, averaged.Length);
        for (int i = 0; i < averaged.Length; i += 97)
        {
            Assert.Equal((channels[3 * i] + channels[(3 * i) + 1] + channels[(3 * i) + 2]) / 3.0, averaged[i], 6);
        }
    }

    [Fact]
    public void An_ffmpeg_run_over_its_time_limit_is_killed_and_refused()
    {
        var ogg = AudioTools.Tone(440, 16000, 3, 1, "-c:a", "libvorbis", "-f", "ogg");
        var decoder = new AudioDecoder(new MediaLimits(), new AudioDecoderOptions { FfmpegTimeout = TimeSpan.FromMilliseconds(1) });

        var e = Assert.Throws<MediaException>(() => Decode(ogg, decoder: decoder));

        Assert.Equal(MediaErrorKind.TooLarge, e.Kind);
        Assert.Contains("longer than", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ten_hours_declared_in_a_WAV_header_is_refused_fast_as_too_large()
    {
        var wav = Header(channels: 1, rate: 16000, bits: 16, dataBytes: 16000L * 2 * 3600 * 10);
        var watch = Stopwatch.StartNew();

        var e = Assert.Throws<MediaException>(() => Decode(wav));

        Assert.Equal(MediaErrorKind.TooLarge, e.Kind);
        Assert.Contains("10 h", e.Message, StringComparison.Ordinal);
        Assert.True(watch.ElapsedMilliseconds < 2000, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void A_FLAC_longer_than_the_limit_is_refused_from_its_header()
    {
        var flac = AudioTools.Tone(440, 16000, 3, 1, "-c:a", "flac", "-f", "flac");
        var decoder = new AudioDecoder(new MediaLimits { MaxAudioDuration = TimeSpan.FromSeconds(2) });

        var e = Assert.Throws<MediaException>(() => Decode(flac, decoder: decoder));

        Assert.Equal(MediaErrorKind.TooLarge, e.Kind);
        Assert.Contains("3 s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ffmpeg_output_is_capped_at_the_longest_audio_allowed()
    {
        var ogg = AudioTools.Tone(440, 16000, 3, 1, "-c:a", "libvorbis", "-f", "ogg");
        var decoder = new AudioDecoder(new MediaLimits { MaxAudioDuration = TimeSpan.FromSeconds(2) });

        var e = Assert.Throws<MediaException>(() => Decode(ogg, decoder: decoder));

        Assert.Equal(MediaErrorKind.TooLarge, e.Kind);
        Assert.Contains("MaxAudioDuration", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_MP3_longer_than_the_limit_is_too_large()
    {
        var mp3 = AudioTools.Tone(440, 16000, 3, 1, "-c:a", "libmp3lame", "-f", "mp3");
        var decoder = new AudioDecoder(new MediaLimits { MaxAudioDuration = TimeSpan.FromSeconds(2) });

        Assert.Equal(MediaErrorKind.TooLarge, Assert.Throws<MediaException>(() => Decode(mp3, decoder: decoder)).Kind);
    }

    [Fact]
    public void More_bytes_than_the_limit_are_too_large_before_anything_is_read()
    {
        var decoder = new AudioDecoder(new MediaLimits { MaxBytes = 100 });

        var e = Assert.Throws<MediaException>(() => Decode(new byte[101], decoder: decoder));

        Assert.Equal(MediaErrorKind.TooLarge, e.Kind);
        Assert.Contains("MaxBytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_is_unsupported_naming_the_formats_expected()
    {
        var e = Assert.Throws<MediaException>(() => Decode([.. "hello, this is not audio at all"u8]));

        Assert.Equal(MediaErrorKind.Unsupported, e.Kind);
        Assert.Contains("WAV, MP3, FLAC", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_WAV_is_malformed()
    {
        var wav = AudioTools.Tone(440, 16000, 0.5, 1, "-c:a", "pcm_s16le", "-bitexact", "-f", "wav");
        var cut = wav.AsSpan(0, wav.Length - 1001).ToArray();

        var e = Assert.Throws<MediaException>(() => Decode(cut));

        Assert.Equal(MediaErrorKind.Malformed, e.Kind);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_WAV_of_zero_channels_is_malformed()
    {
        var wav = Header(channels: 0, rate: 16000, bits: 16, dataBytes: 4, withData: true);

        var e = Assert.Throws<MediaException>(() => Decode(wav));

        Assert.Equal(MediaErrorKind.Malformed, e.Kind);
        Assert.Contains("zero channels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chunk_that_claims_more_bytes_than_the_file_has_is_malformed()
    {
        var wav = AudioTools.Tone(440, 16000, 0.1, 1, "-c:a", "pcm_s16le", "-bitexact", "-f", "wav");
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(16), 0x7FFF_FFF0); // the fmt chunk's size

        Assert.Equal(MediaErrorKind.Malformed, Assert.Throws<MediaException>(() => Decode(wav)).Kind);
    }

    [Fact]
    public void Odd_chunks_before_the_data_are_skipped()
    {
        var wav = AudioTools.Tone(440, 16000, 0.2, 1, "-c:a", "pcm_s16le", "-bitexact", "-f", "wav");
        // Insert an odd-sized "LIST" chunk (5 bytes + 1 pad byte) after the fmt chunk (RIFF 12 + fmt 8 + 16).
        byte[] extra = [.. "LIST"u8, 5, 0, 0, 0, 1, 2, 3, 4, 5, 0];
        var patched = wav.AsSpan(0, 36).ToArray().Concat(extra).Concat(wav.AsSpan(36).ToArray()).ToArray();

        Assert.Equal(AudioTools.FfmpegRead(wav, 16000), Decode(patched).Samples);
    }

    private static AudioDecoder WithoutFfmpeg() => new(new MediaLimits(), new AudioDecoderOptions { FfmpegPath = "/nonexistent/ffmpeg" });

    /// <summary>A WAV header (RIFF, fmt of PCM) declaring <paramref name="dataBytes"/> of data, with none or four bytes following.</summary>
    private static byte[] Header(int channels, int rate, int bits, long dataBytes, bool withData = false)
    {
        var b = new byte[44 + (withData ? 4 : 0)];
        "RIFF"u8.CopyTo(b);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), (uint)Math.Min(uint.MaxValue, dataBytes + 36));
        "WAVEfmt "u8.CopyTo(b.AsSpan(8));
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(16), 16);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(22), (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(24), (uint)rate);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(28), (uint)(rate * channels * bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(32), (ushort)(channels * bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(34), (ushort)bits);
        "data"u8.CopyTo(b.AsSpan(36));
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(40), (uint)dataBytes);
        return b;
    }
}
