namespace Bytez.Media.Audio;

/// <summary>How <see cref="AudioDecoder"/> finds and runs ffmpeg, the decoder of every format not decoded here.</summary>
public sealed class AudioDecoderOptions
{
    /// <summary>The ffmpeg executable; null looks for <c>ffmpeg</c> on the PATH.</summary>
    public string? FfmpegPath { get; set; }

    /// <summary>The longest one ffmpeg run may take before it is killed: 60 seconds.</summary>
    public TimeSpan FfmpegTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
