using System.Globalization;
using System.Text;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// SubRip (<c>srt</c>) and WebVTT (<c>vtt</c>) files of a transcript's timestamped segments, as OpenAI's transcription
/// formats give them: numbered cues with <c>HH:MM:SS,mmm</c> times (SubRip), or a <c>WEBVTT</c> header and cues with
/// <c>HH:MM:SS.mmm</c> times (WebVTT); each cue's text trimmed, cues separated by a blank line. Times are rounded to
/// the millisecond.
/// </summary>
internal static class Subtitles
{
    /// <summary>The SubRip file of the segments.</summary>
    public static string Srt(IReadOnlyList<OpenAiTranscriptionsApi.Segment> segments)
    {
        var text = new StringBuilder();
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            text.Append(i + 1).Append('\n')
                .Append(Time(segment.Start, ',')).Append(" --> ").Append(Time(segment.End, ',')).Append('\n')
                .Append(segment.Text.Trim()).Append("\n\n");
        }

        return text.ToString();
    }

    /// <summary>The WebVTT file of the segments.</summary>
    public static string Vtt(IReadOnlyList<OpenAiTranscriptionsApi.Segment> segments)
    {
        var text = new StringBuilder("WEBVTT\n\n");
        foreach (var segment in segments)
        {
            text.Append(Time(segment.Start, '.')).Append(" --> ").Append(Time(segment.End, '.')).Append('\n')
                .Append(segment.Text.Trim()).Append("\n\n");
        }

        return text.ToString();
    }

    /// <summary>A time in seconds as <c>HH:MM:SS{separator}mmm</c>, rounded to the millisecond.</summary>
    public static string Time(double seconds, char separator)
    {
        var ms = (long)Math.Round(Math.Max(seconds, 0) * 1000, MidpointRounding.AwayFromZero);
        return string.Create(CultureInfo.InvariantCulture, $"{ms / 3_600_000:00}:{ms / 60_000 % 60:00}:{ms / 1000 % 60:00}{separator}{ms % 1000:000}");
    }
}
