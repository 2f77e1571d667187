namespace Bytez.Media.Audio;

/// <summary>Decoded sound before downmixing: interleaved float samples of every channel, at the file's rate.</summary>
internal sealed class PcmAudio(float[] interleaved, int channels, int sampleRate)
{
    /// <summary>Frame after frame, channel after channel within a frame.</summary>
    public float[] Interleaved { get; } = interleaved;

    /// <summary>How many channels each frame holds (at least one).</summary>
    public int Channels { get; } = channels;

    /// <summary>Frames per second.</summary>
    public int SampleRate { get; } = sampleRate;

    /// <summary>How many frames there are.</summary>
    public int Frames => Interleaved.Length / Channels;
}
