namespace Bytez.Engine.VoiceActivity;

/// <summary>One window of audio and what a voice-activity model says of it.</summary>
/// <param name="Start">Where the window starts in the audio.</param>
/// <param name="End">Where it ends (the last window may reach past the audio, padded with silence).</param>
/// <param name="SpeechProbability">The model's probability that the window holds speech.</param>
/// <param name="IsSpeech">Whether the probability reaches the threshold.</param>
public readonly record struct VadWindow(TimeSpan Start, TimeSpan End, float SpeechProbability, bool IsSpeech)
{
    /// <summary>The label of a window with speech.</summary>
    public const string SpeechLabel = "speech";

    /// <summary>The label of a window without speech.</summary>
    public const string NoSpeechLabel = "no-speech";

    /// <summary><c>speech</c> or <c>no-speech</c>.</summary>
    public string Label => IsSpeech ? SpeechLabel : NoSpeechLabel;
}
