using Bytez.Engine.Generation;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// OpenAI leaves the stop sequence out of the answer; the engine (as Hugging Face's <c>stop_strings</c>) ends the
/// text with it. This trims one sequence's text as it streams: it holds back any end of the text that could begin a
/// stop string, and when the sequence ends at a stop string, drops it. The text written is then the engine's text
/// without the stop string, streamed or not.
/// </summary>
public sealed class StopTrimmer(IReadOnlyList<string> stops)
{
    private string _held = string.Empty;

    /// <summary>The text to send for an update: its text with what is held, minus what may begin (or is) a stop string.</summary>
    public string Next(string text, FinishReason? finish)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (stops.Count == 0)
        {
            return text;
        }

        var pending = _held + text;
        if (finish is FinishReason.StopString)
        {
            _held = string.Empty;
            var longest = stops.Where(s => pending.EndsWith(s, StringComparison.Ordinal)).Select(s => s.Length).DefaultIfEmpty(0).Max();
            return pending[..^longest];
        }

        if (finish is not null)
        {
            _held = string.Empty;
            return pending;
        }

        var hold = 0;
        foreach (var stop in stops)
        {
            for (var length = Math.Min(stop.Length - 1, pending.Length); length > hold; length--)
            {
                if (pending.AsSpan(pending.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    hold = length;
                    break;
                }
            }
        }

        _held = pending[^hold..];
        return pending[..^hold];
    }
}
