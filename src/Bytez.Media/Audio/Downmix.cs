namespace Bytez.Media.Audio;

/// <summary>
/// Several channels to one, as ffmpeg's <c>-ac 1</c> does for mono and stereo: libswresample's rematrix puts front
/// left and right into the centre at √½ each, in float, without normalising (the output is float).
/// </summary>
internal static class Downmix
{
    /// <summary>The stereo-to-mono coefficient: M_SQRT1_2 stored as a float, as libswresample's float matrix holds it.</summary>
    internal const float StereoCoefficient = 0.70710678118654752f;

    /// <summary>
    /// The mono samples. More than two channels are averaged: ffmpeg's matrix for those depends on the channel layout,
    /// so the decoder hands such files to ffmpeg when it is installed and only falls back to this.
    /// </summary>
    public static float[] ToMono(PcmAudio audio)
    {
        if (audio.Channels == 1)
        {
            return audio.Interleaved;
        }

        var src = audio.Interleaved;
        var mono = new float[audio.Frames];
        if (audio.Channels == 2)
        {
            for (int i = 0; i < mono.Length; i++)
            {
                mono[i] = (StereoCoefficient * src[2 * i]) + (StereoCoefficient * src[(2 * i) + 1]);
            }

            return mono;
        }

        int channels = audio.Channels;
        for (int i = 0; i < mono.Length; i++)
        {
            double sum = 0;
            for (int c = 0; c < channels; c++)
            {
                sum += src[(i * channels) + c];
            }

            mono[i] = (float)(sum / channels);
        }

        return mono;
    }
}
