namespace Bytez.Engine.Generation;

/// <summary>
/// Whisper's timestamp rules when timestamps are asked (transformers 4.57 <c>WhisperTimeStampLogitsProcessor</c>):
/// <c>&lt;|notimestamps|&gt;</c> never; timestamps come in pairs (after a lone timestamp no text — tokens below EOS —,
/// after a pair no timestamp) except right before EOS; timestamps never decrease (and a closed one is not repeated);
/// the first generated token is a timestamp no later than <c>max_initial_timestamp_index</c>; and when the probabilities
/// of all timestamps together beat every text token's, a timestamp is chosen.
/// </summary>
public sealed class WhisperTimestampProcessor : ILogitsProcessor
{
    private readonly WhisperGenerationConfig _config;
    private readonly int _beginIndex;

    /// <summary>Creates the processor for a decoder prompt of <paramref name="beginIndex"/> tokens.</summary>
    public WhisperTimestampProcessor(WhisperGenerationConfig config, int beginIndex)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _beginIndex = beginIndex;
    }

    /// <inheritdoc />
    public void Apply(Span<float> scores, IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var begin = _config.TimestampBegin;
        var eos = _config.EosTokenId;
        if ((uint)_config.NoTimestampsId < (uint)scores.Length)
        {
            scores[_config.NoTimestampsId] = float.NegativeInfinity;
        }

        var generated = tokens.Count - _beginIndex;
        var lastWasTimestamp = generated >= 1 && tokens[^1] >= begin;
        var penultimateWasTimestamp = generated < 2 || tokens[^2] >= begin;
        if (lastWasTimestamp)
        {
            if (penultimateWasTimestamp)
            {
                Mask(scores, begin, scores.Length); // a pair is closed: text (or the end) follows
            }
            else
            {
                Mask(scores, 0, Math.Min(eos, scores.Length)); // a lone timestamp: its pair, or the end
            }
        }

        var lastTimestamp = -1;
        for (var i = tokens.Count - 1; i >= _beginIndex; i--)
        {
            if (tokens[i] >= begin)
            {
                lastTimestamp = tokens[i];
                break;
            }
        }

        if (lastTimestamp >= 0)
        {
            // Timestamps never go back; a closed one is not repeated (<|0.00|> again).
            var bound = lastWasTimestamp && !penultimateWasTimestamp ? lastTimestamp : lastTimestamp + 1;
            Mask(scores, begin, Math.Min(bound, scores.Length));
        }

        if (tokens.Count == _beginIndex)
        {
            Mask(scores, 0, Math.Min(begin, scores.Length));
            if (_config.MaxInitialTimestampIndex is { } index)
            {
                Mask(scores, begin + index + 1, scores.Length);
            }
        }

        // When the timestamps together are likelier than any text token, a timestamp it is.
        if (begin >= scores.Length)
        {
            return;
        }

        var max = float.NegativeInfinity;
        foreach (var s in scores)
        {
            max = Math.Max(max, s);
        }

        if (float.IsNegativeInfinity(max))
        {
            return;
        }

        double total = 0, timestamps = 0;
        for (var v = 0; v < scores.Length; v++)
        {
            var p = Math.Exp(scores[v] - max);
            total += p;
            if (v >= begin)
            {
                timestamps += p;
            }
        }

        var textMax = float.NegativeInfinity;
        for (var v = 0; v < begin; v++)
        {
            textMax = Math.Max(textMax, scores[v]);
        }

        var logTotal = Math.Log(total);
        var timestampLogProb = Math.Log(timestamps) - logTotal;
        var textLogProb = textMax - max - logTotal;
        if (timestamps > 0 && timestampLogProb > textLogProb)
        {
            Mask(scores, 0, begin);
        }
    }

    private static void Mask(Span<float> scores, int from, int to)
    {
        if (from < to)
        {
            scores[from..to].Fill(float.NegativeInfinity);
        }
    }
}
