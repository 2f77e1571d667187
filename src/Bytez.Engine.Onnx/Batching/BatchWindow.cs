namespace Bytez.Engine.Onnx.Batching;

/// <summary>
/// Which queued rows make the next batch: the queue is sorted by token count, so a batch of similar lengths is a
/// contiguous window of it, and the best window is the one with the most rows whose padding stays within a bound
/// (a batch is padded to its longest row). This is how TEI's and vLLM's schedulers think of it (rows bucketed by
/// length, cut where padding would pass its bound), with one difference: a window may be required to hold a given row,
/// which is how the batcher keeps rows that never fit a full window from waiting forever.
/// </summary>
internal static class BatchWindow
{
    /// <summary>
    /// The window [<c>Lo</c>, <c>Hi</c>] (inclusive) of at most <paramref name="size"/> rows whose padded size
    /// (rows × longest) stays within <paramref name="paddingLimit"/> × its real tokens, with the most rows; among
    /// those, the least padding, then the shortest rows. With <paramref name="required"/> ≥ 0 the window holds that row.
    /// </summary>
    /// <param name="count">Rows in the queue.</param>
    /// <param name="lengthAt">The token count of a row; ascending in the row's position.</param>
    /// <param name="size">The most rows in the window (at least 1).</param>
    /// <param name="paddingLimit">The bound on padded ÷ real tokens (at least 1).</param>
    /// <param name="required">A row the window must hold, or -1.</param>
    public static (int Lo, int Hi) Fullest(int count, Func<int, int> lengthAt, int size, double paddingLimit, int required = -1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(required, count);
        var bestLo = required >= 0 ? required : 0;
        var bestHi = bestLo;
        var bestRows = 1;
        var bestPadding = 0L;
        var firstHi = required >= 0 ? required : 0;
        var lastHi = required >= 0 ? Math.Min(count - 1, required + size - 1) : count - 1;
        for (var hi = firstHi; hi <= lastHi; hi++)
        {
            long longest = lengthAt(hi);
            long tokens = 0;
            var lowest = required >= 0 ? required : hi; // the window must reach down to the required row
            var lo = hi;
            var feasibleLo = -1;
            long feasibleTokens = 0;

            // Widening down adds shorter rows, which lowers the mean length, so once a window passes the bound every
            // wider one (same longest row) does too: the scan stops at the first that passes it.
            for (; lo >= 0 && hi - lo + 1 <= size; lo--)
            {
                tokens += lengthAt(lo);
                if ((hi - lo + 1) * longest > paddingLimit * tokens)
                {
                    break;
                }

                feasibleLo = lo;
                feasibleTokens = tokens;
            }

            if (feasibleLo < 0 || feasibleLo > lowest)
            {
                continue; // no window ending here holds the required row
            }

            var rows = hi - feasibleLo + 1;
            var padding = (rows * longest) - feasibleTokens;
            if (rows > bestRows || (rows == bestRows && padding < bestPadding))
            {
                (bestLo, bestHi, bestRows, bestPadding) = (feasibleLo, hi, rows, padding);
            }
        }

        return (bestLo, bestHi);
    }
}
