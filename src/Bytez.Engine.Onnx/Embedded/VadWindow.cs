namespace Bytez.Engine.Onnx.Embedded;

/// <summary>One 32 ms window of audio and what Silero VAD says of it.</summary>
/// <param name="Start">Where the window starts in the audio.</param>
/// <param name="End">Where it ends (the last window may reach past the audio, padded with silence).</param>
/// <param name="SpeechProbability">The model's probability that the window holds speech.</param>
/// <param name="IsSpeech">Whether the probability reaches the threshold.</param>
public readonly record struct VadWindow(TimeSpan Start, TimeSpan End, float SpeechProbability, bool IsSpeech)
{
    /// <summary><c>speech</c> or <c>no-speech</c>.</summary>
    public string Label => IsSpeech ? SileroVad.SpeechLabel : SileroVad.NoSpeechLabel;
}
