namespace Bytez.Engine.VoiceActivity;

/// <summary>A stretch of audio with one label: consecutive windows that agree, merged.</summary>
/// <param name="Label"><c>speech</c> or <c>no-speech</c>.</param>
/// <param name="Start">Where it starts, in seconds from the start of the audio.</param>
/// <param name="End">Where it ends, in seconds (at most the audio's length).</param>
/// <param name="Score">The mean over its windows of the label's probability (p for speech, 1 − p for no-speech).</param>
public readonly record struct VoiceSegment(string Label, double Start, double End, double Score);

/// <summary>
/// Turns a voice-activity model's windows into what <c>audio-classification</c> answers: the stretches of speech and of
/// no speech (runs of consecutive windows with the same label, nothing else smoothed), and each label's share of the
/// audio's windows.
/// </summary>
public static class VoiceSegments
{
    /// <summary>The runs of equally labelled windows, in order; ends are cut at <paramref name="duration"/>.</summary>
    public static IReadOnlyList<VoiceSegment> Merge(IReadOnlyList<VadWindow> windows, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var segments = new List<VoiceSegment>();
        for (var start = 0; start < windows.Count;)
        {
            var end = start;
            double sum = 0;
            while (end < windows.Count && windows[end].IsSpeech == windows[start].IsSpeech)
            {
                sum += windows[end].IsSpeech ? windows[end].SpeechProbability : 1 - (double)windows[end].SpeechProbability;
                end++;
            }

            var last = windows[end - 1].End < duration ? windows[end - 1].End : duration;
            segments.Add(new VoiceSegment(windows[start].Label, windows[start].Start.TotalSeconds, last.TotalSeconds, sum / (end - start)));
            start = end;
        }

        return segments;
    }

    /// <summary>The share of the windows that are speech and that are not (0 and 0 for no windows).</summary>
    public static (double Speech, double NoSpeech) Shares(IReadOnlyList<VadWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            return (0, 0);
        }

        var speech = windows.Count(w => w.IsSpeech) / (double)windows.Count;
        return (speech, 1 - speech);
    }
}
