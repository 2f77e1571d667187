namespace Bytez.Media.Audio;

/// <summary>An audio container recognised from its first bytes (never from a name or a declared type).</summary>
public enum AudioFormat
{
    /// <summary>Not a format recognised here.</summary>
    Unknown,

    /// <summary>RIFF/WAVE: decoded here (PCM 8/16/24/32-bit, IEEE float 32/64); other WAV codecs through ffmpeg.</summary>
    Wav,

    /// <summary>MPEG audio layer III, with or without an ID3v2 tag: decoded here (NLayer).</summary>
    Mp3,

    /// <summary>FLAC (through ffmpeg).</summary>
    Flac,

    /// <summary>Ogg (Vorbis, Opus; through ffmpeg).</summary>
    Ogg,

    /// <summary>ISO base media: MP4, M4A (through ffmpeg).</summary>
    Mp4,

    /// <summary>Matroska or WebM (through ffmpeg).</summary>
    WebM,

    /// <summary>AAC in ADTS frames (through ffmpeg).</summary>
    Aac,

    /// <summary>AIFF (through ffmpeg).</summary>
    Aiff,
}
