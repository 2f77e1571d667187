namespace Bytez.Media.Audio;

/// <summary>
/// Turns the bytes of an audio file into mono float samples at the rate a model wants, as the Python pipelines'
/// <c>ffmpeg_read</c> does: WAV (PCM and float, one or two channels) decoded, downmixed and resampled here exactly
/// as ffmpeg does it; MP3 decoded with NLayer; every other format (FLAC, Ogg, MP4/M4A, WebM, AAC, AIFF, other WAV
/// codecs, more than two channels) through ffmpeg when it is installed. Everything is bounded by
/// <see cref="MediaLimits"/>: encoded bytes, decoded duration (from the header when it tells), ffmpeg's time.
/// </summary>
public sealed class AudioDecoder
{
    private readonly MediaLimits limits;
    private readonly FfmpegDecoder? ffmpeg;
    private readonly string? configuredFfmpeg;

    /// <summary>Creates a decoder bound by <paramref name="limits"/>; ffmpeg is looked for once, here.</summary>
    public AudioDecoder(MediaLimits limits, AudioDecoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        options ??= new AudioDecoderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.FfmpegTimeout, TimeSpan.Zero, nameof(options.FfmpegTimeout));
        this.limits = limits;
        configuredFfmpeg = options.FfmpegPath;
        string? path = FfmpegDecoder.Locate(options.FfmpegPath);
        ffmpeg = path is null ? null : new FfmpegDecoder(path, options.FfmpegTimeout);
    }

    /// <summary>The formats decoded without ffmpeg.</summary>
    public static IReadOnlyList<AudioFormat> DecodedWithoutFfmpeg { get; } = [AudioFormat.Wav, AudioFormat.Mp3];

    /// <summary>The ffmpeg executable in use, or null when none was found (then only WAV and MP3 decode).</summary>
    public string? FfmpegPath => ffmpeg?.Executable;

    /// <summary>
    /// Decodes <paramref name="data"/> to mono samples at <paramref name="sampleRate"/>. Throws
    /// <see cref="MediaException"/>: <see cref="MediaErrorKind.TooLarge"/> over a limit,
    /// <see cref="MediaErrorKind.Malformed"/> for a broken file, <see cref="MediaErrorKind.Unsupported"/> for a format
    /// not recognised or one that needs ffmpeg when it is not installed.
    /// </summary>
    public async Task<AudioSamples> DecodeAsync(ReadOnlyMemory<byte> data, int sampleRate, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sampleRate, 1_000_000);
        if (data.Length > limits.MaxBytes)
        {
            throw new MediaException(MediaErrorKind.TooLarge, $"The audio has {data.Length} bytes; the limit is {limits.MaxBytes} (Bytez:Media:MaxBytes).");
        }

        long maxSamples = (long)Math.Floor(limits.MaxAudioDuration.TotalSeconds * sampleRate);
        var format = AudioSniffer.Sniff(data.Span);
        float[] mono;
        switch (format)
        {
            case AudioFormat.Unknown:
                throw new MediaException(MediaErrorKind.Unsupported,
                    "The bytes are not an audio format recognised here (expected WAV, MP3, FLAC, Ogg, MP4/M4A, WebM, AAC or AIFF, told apart by their first bytes).");
            case AudioFormat.Wav:
                var header = WavReader.ReadHeader(data.Span, limits);
                if (header.Supported && (header.Channels <= 2 || ffmpeg is null))
                {
                    mono = ToRate(WavReader.ReadSamples(data.Span, header), sampleRate);
                }
                else
                {
                    mono = await ViaFfmpeg(data, sampleRate, maxSamples, header.Supported ? $"{header.Channels}-channel WAV" : $"WAV (codec tag 0x{header.Format:X4}, {header.BitsPerSample} bits)", cancellationToken).ConfigureAwait(false);
                }

                break;
            case AudioFormat.Mp3:
                mono = ToRate(Mp3Reader.Read(data, limits), sampleRate);
                break;
            default:
                if (format == AudioFormat.Flac)
                {
                    FlacHeader.CheckDuration(data.Span, limits);
                }

                mono = await ViaFfmpeg(data, sampleRate, maxSamples, format.ToString(), cancellationToken).ConfigureAwait(false);
                break;
        }

        if (mono.Length > maxSamples)
        {
            throw new MediaException(MediaErrorKind.TooLarge,
                $"The audio lasts {WavReader.Describe(TimeSpan.FromSeconds((double)mono.Length / sampleRate))}; the limit is {WavReader.Describe(limits.MaxAudioDuration)} (Bytez:Media:MaxAudioDuration).");
        }

        if (mono.Length == 0)
        {
            throw new MediaException(MediaErrorKind.Malformed, "The audio holds no samples.");
        }

        return new AudioSamples(mono, sampleRate);
    }

    private static float[] ToRate(PcmAudio pcm, int sampleRate) => Resampler.Resample(Downmix.ToMono(pcm), pcm.SampleRate, sampleRate);

    private Task<float[]> ViaFfmpeg(ReadOnlyMemory<byte> data, int sampleRate, long maxSamples, string formatName, CancellationToken cancellationToken)
    {
        if (ffmpeg is null)
        {
            throw new MediaException(MediaErrorKind.Unsupported,
                $"{formatName} audio needs ffmpeg, which {(string.IsNullOrEmpty(configuredFfmpeg) ? "is not on the PATH" : $"is not at the configured path {configuredFfmpeg}")}: without it only {string.Join(" and ", DecodedWithoutFfmpeg)} (PCM or float, one or two channels) decode. Install ffmpeg (e.g. apt-get install ffmpeg) or set its path.");
        }

        return ffmpeg.DecodeAsync(data, sampleRate, maxSamples, formatName, cancellationToken);
    }
}
