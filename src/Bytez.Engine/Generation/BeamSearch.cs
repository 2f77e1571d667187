using System.Diagnostics;

namespace Bytez.Engine.Generation;

/// <summary>One finished sequence of beam search.</summary>
/// <param name="Tokens">The generated tokens (the decoder prompt left out), the end-of-sequence token included when one ended it.</param>
/// <param name="Score">Its summed log-probabilities divided by its generated length to the power <c>length_penalty</c>.</param>
public readonly record struct BeamHypothesis(int[] Tokens, float Score);

/// <summary>
/// Beam search as Hugging Face's <c>generate</c> runs it (transformers 4.57, the vectorized <c>_beam_search</c>), for
/// one input: the beams run as the rows of an <see cref="IRowDecoding"/> whose caches are reordered after each
/// step. Each step takes the log-softmax of every row's logits in float32, applies the <see cref="LogitsProcessors"/>,
/// adds the row's running score and keeps the best <c>max(2, 1 + eos count) × num_beams</c> continuations; those
/// that end (EOS or the length limit) among the first <c>num_beams</c> enter the finished set with the score
/// <c>sum log p / generated_length ** length_penalty</c>, the best <c>num_beams</c> others continue. It stops as
/// <c>early_stopping</c> says: <c>true</c> when <c>num_beams</c> sequences have finished, <c>false</c> when the best
/// running beam, scored at the current length, cannot beat the worst finished one, <c>"never"</c> likewise but scored at
/// <c>max_length</c> when the length penalty is positive; and always at the length limit.
/// </summary>
public static class BeamSearch
{
    private const float Masked = -1.0e9f;

    /// <summary>Runs beam search and returns the finished sequences, best first (<c>num_beams</c> of them).</summary>
    /// <param name="rows">A decoding of one row that has been fed every prompt token but the last.</param>
    /// <param name="prompt">The decoder prompt (for an encoder-decoder model, the decoder start token).</param>
    /// <param name="settings">The settings: <see cref="GenerationSettings.NumBeams"/>, the length penalty, early stopping, the processors.</param>
    /// <param name="eosTokenIds">The tokens that end a sequence.</param>
    /// <param name="maxLength">The most tokens of a sequence, prompt included.</param>
    /// <param name="vocabularySize">Logits per row.</param>
    /// <param name="cancellationToken">Stops the search between steps.</param>
    /// <param name="extra">A model's own logits processor, run after the generic ones; <see langword="null"/> for none.</param>
    public static async Task<IReadOnlyList<BeamHypothesis>> RunAsync(
        IRowDecoding rows, IReadOnlyList<int> prompt, GenerationSettings settings, IReadOnlyList<int> eosTokenIds, int maxLength,
        int vocabularySize, CancellationToken cancellationToken, ILogitsProcessor? extra = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(eosTokenIds);
        var beams = settings.NumBeams;
        var promptLength = prompt.Count;
        var eos = eosTokenIds.ToHashSet();
        var keep = Math.Max(2, 1 + eos.Count) * beams;
        var processors = new LogitsProcessors(settings, eos, promptLength, maxLength, extra);
        var lengthPenalty = settings.LengthPenalty;
        var clock = Stopwatch.StartNew();

        var running = new List<int>[beams];
        var runningScores = new float[beams];
        var finished = new int[beams][];
        var finishedScores = new float[beams];
        var finishedDone = new bool[beams];
        for (var b = 0; b < beams; b++)
        {
            running[b] = [.. prompt];
            runningScores[b] = b == 0 ? 0f : Masked;
            finished[b] = [.. prompt];
            finishedScores[b] = Masked;
        }

        rows.Reorder(new int[beams]);
        var improvable = true;
        var curLength = promptLength;
        var feed = new int[beams];
        Array.Fill(feed, prompt[^1]);
        var logProbs = new float[vocabularySize];
        var candidates = new Candidate[keep];

        while (curLength < maxLength)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var logits = (await rows.StepAsync(feed, cancellationToken).ConfigureAwait(false)).Span;
            if (logits.Length != beams * vocabularySize)
            {
                throw new EngineException(EngineErrorKind.Internal, $"The decoder returned {logits.Length} logits for {beams} beams of {vocabularySize}.");
            }

            // a. The best `keep` continuations over all beams (ties: the lower beam, then the lower token).
            var best = new PriorityQueue<Candidate, (float Score, int Index)>(keep + 1, WorstFirst.Instance);
            for (var b = 0; b < beams; b++)
            {
                LogSoftmax(logits.Slice(b * vocabularySize, vocabularySize), logProbs);
                processors.Apply(logProbs, running[b]);
                for (var v = 0; v < logProbs.Length; v++)
                {
                    var score = logProbs[v] + runningScores[b];
                    var index = (b * vocabularySize) + v;
                    if (best.Count < keep)
                    {
                        best.Enqueue(new Candidate(b, v, score), (score, index));
                    }
                    else if (best.TryPeek(out _, out var worst) && WorstFirst.Instance.Compare((score, index), worst) > 0)
                    {
                        best.EnqueueDequeue(new Candidate(b, v, score), (score, index));
                    }
                }
            }

            var found = best.Count;
            for (var i = found - 1; i >= 0; i--)
            {
                candidates[i] = best.Dequeue();
            }

            // b. Which continuations end here.
            var outOfTime = settings.MaxTime is { } limit && clock.Elapsed >= limit;
            var hits = new bool[found];
            var allHit = true;
            for (var c = 0; c < found; c++)
            {
                hits[c] = eos.Contains(candidates[c].Token) || curLength + 1 >= maxLength || outOfTime;
                allHit &= hits[c];
            }

            // c. The best `num_beams` continuations that did not end run on.
            var next = TopIndices(found, beams, c => candidates[c].Score + (hits[c] ? Masked : 0f));

            // d. The finished set: the best `num_beams` of the old one and those of the first `num_beams` continuations that ended.
            var penalty = (float)Math.Pow(curLength + 1 - promptLength, lengthPenalty);
            var full = finishedDone.All(d => d) && settings.EarlyStopping == BeamStopping.AllBeams;
            var merged = new (int[] Tokens, float Score, bool Done)[beams + found];
            for (var i = 0; i < beams; i++)
            {
                merged[i] = (finished[i], finishedScores[i], finishedDone[i]);
            }

            for (var c = 0; c < found; c++)
            {
                var score = candidates[c].Score / penalty;
                score += full ? Masked : 0f;
                score += improvable ? 0f : Masked;
                var ended = hits[c] && c < beams;
                score += ended ? 0f : Masked;
                merged[beams + c] = (ended ? [.. running[candidates[c].Beam], candidates[c].Token] : [], score, ended);
            }

            var kept = TopIndices(merged.Length, beams, i => merged[i].Score);
            for (var i = 0; i < beams; i++)
            {
                (finished[i], finishedScores[i], finishedDone[i]) = merged[kept[i]];
            }

            // e. Continue the chosen beams: their caches move to their new rows.
            var sources = new int[beams];
            var nextRunning = new List<int>[beams];
            for (var i = 0; i < beams; i++)
            {
                var c = candidates[next[i]];
                sources[i] = c.Beam;
                nextRunning[i] = [.. running[c.Beam], c.Token];
                runningScores[i] = c.Score + (hits[next[i]] ? Masked : 0f);
                feed[i] = c.Token;
            }

            running = nextRunning;
            curLength++;

            // f. Can a running beam still beat the worst finished sequence?
            var hypotheticalLength = settings.EarlyStopping == BeamStopping.Never && lengthPenalty > 0 ? maxLength - promptLength : curLength - promptLength;
            var bestPossible = runningScores[0] / (float)Math.Pow(hypotheticalLength, lengthPenalty);
            var worstFinished = finishedScores.Min();
            var anyBetter = false;
            for (var i = 0; i < beams; i++)
            {
                anyBetter |= bestPossible > (finishedDone[i] ? worstFinished : Masked);
            }

            improvable &= anyBetter;
            var allFinished = finishedDone.All(d => d);
            if (!improvable || (allFinished && settings.EarlyStopping == BeamStopping.AllBeams) || allHit || outOfTime)
            {
                break;
            }

            rows.Reorder(sources);
        }

        var result = new BeamHypothesis[beams];
        for (var i = 0; i < beams; i++)
        {
            result[i] = new BeamHypothesis(finished[i][promptLength..], finishedScores[i]);
        }

        return result;
    }

    /// <summary>Log-softmax in float32 (the max subtracted, the sum in double).</summary>
    private static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> target)
    {
        var max = float.NegativeInfinity;
        foreach (var x in logits)
        {
            max = Math.Max(max, x);
        }

        var sum = 0.0;
        foreach (var x in logits)
        {
            sum += Math.Exp(x - max);
        }

        var logSum = (float)Math.Log(sum);
        for (var i = 0; i < logits.Length; i++)
        {
            target[i] = logits[i] - max - logSum;
        }
    }

    /// <summary>The indices of the <paramref name="k"/> highest scores, best first (ties: the lower index first).</summary>
    private static int[] TopIndices(int count, int k, Func<int, float> score)
    {
        var order = Enumerable.Range(0, count).ToArray();
        var keys = order.Select(score).ToArray();
        Array.Sort(order, (a, b) => keys[a] != keys[b] ? keys[b].CompareTo(keys[a]) : a.CompareTo(b));
        return order[..Math.Min(k, count)];
    }

    private readonly record struct Candidate(int Beam, int Token, float Score);

    /// <summary>Orders candidates worst first: lower score, then higher flat index.</summary>
    private sealed class WorstFirst : IComparer<(float Score, int Index)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((float Score, int Index) x, (float Score, int Index) y)
            => x.Score != y.Score ? x.Score.CompareTo(y.Score) : y.Index.CompareTo(x.Index);
    }
}
