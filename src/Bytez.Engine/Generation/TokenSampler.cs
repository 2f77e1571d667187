using Bytez.Engine.Generation.Constraints;

namespace Bytez.Engine.Generation;

/// <summary>
/// Chooses the next token from a model's logits the way Hugging Face <c>generate</c> does: the logits processors
/// first (<see cref="LogitsProcessors"/>), then, when sampling, the warpers in
/// Hugging Face's order (temperature, top-k, top-p, min-p, typical-p) and a draw from a seeded generator; without
/// sampling, the most likely token (the first on ties, as <c>argmax</c>).
/// </summary>
public sealed class TokenSampler
{
    private readonly GenerationSettings _settings;
    private readonly int[] _eos;
    private readonly ILogitsProcessor? _extra;
    private readonly TokenConstraint? _constraint;
    private LogitsProcessors? _processors;
    private int _processorsPrompt;
    private int _processorsMax;
    private readonly Random _random;
    private float[] _scores = [];
    private int[] _order = [];

    /// <summary>Creates a sampler for one sequence.</summary>
    /// <param name="settings">The request's generation settings.</param>
    /// <param name="eosTokenIds">The tokens that end the sequence (suppressed until the minimum length).</param>
    /// <param name="seedOffset">Added to the seed, so that several sequences of one request differ.</param>
    /// <param name="extra">A model's own logits processor, run after the generic ones; <see langword="null"/> for none.</param>
    /// <param name="constraint">
    /// The output grammar of this sequence, if any: each pick must fit it and is committed to it (see <see cref="ConstrainedPick"/>).
    /// </param>
    public TokenSampler(GenerationSettings settings, IEnumerable<int> eosTokenIds, int seedOffset = 0, ILogitsProcessor? extra = null, TokenConstraint? constraint = null)
    {
        _extra = extra;
        _constraint = constraint;
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _eos = [.. eosTokenIds.Distinct()];
        _random = settings.Seed is { } seed ? new Random(MixSeed(seed, seedOffset)) : new Random();
    }

    /// <summary>Folds a 64-bit seed and a sequence offset into the 31-bit seed of <see cref="Random"/> (SplitMix64), the same in every process.</summary>
    private static int MixSeed(long seed, int offset)
    {
        var z = unchecked((ulong)seed + ((ulong)(uint)offset * 0x9E3779B97F4A7C15UL) + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    /// <summary>Picks the next token.</summary>
    /// <param name="logits">The logits of the next position.</param>
    /// <param name="tokens">Every token of the sequence so far, prompt included.</param>
    /// <param name="promptLength">How many of <paramref name="tokens"/> are the prompt.</param>
    public int Next(ReadOnlySpan<float> logits, IReadOnlyList<int> tokens, int promptLength)
        => Next(logits, tokens, promptLength, int.MaxValue);

    /// <summary>Picks the next token of a sequence that may reach <paramref name="maxLength"/> tokens (for <c>forced_eos_token_id</c>).</summary>
    /// <param name="logits">The logits of the next position.</param>
    /// <param name="tokens">Every token of the sequence so far, prompt (or decoder start token) included.</param>
    /// <param name="promptLength">How many of <paramref name="tokens"/> are the prompt.</param>
    /// <param name="maxLength">The most tokens the sequence may reach, prompt included.</param>
    public int Next(ReadOnlySpan<float> logits, IReadOnlyList<int> tokens, int promptLength, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (_scores.Length != logits.Length)
        {
            _scores = new float[logits.Length];
            _order = new int[logits.Length];
        }

        var scores = _scores.AsSpan();
        logits.CopyTo(scores);
        if (_processors is null || _processorsPrompt != promptLength || _processorsMax != maxLength)
        {
            _processors = new LogitsProcessors(_settings, _eos, promptLength, maxLength, _extra);
            _processorsPrompt = promptLength;
            _processorsMax = maxLength;
        }

        _processors.Apply(scores, tokens);
        if (_constraint is not null)
        {
            var token = ConstrainedPick(logits, scores, tokens);
            _constraint.Commit(token);
            return token;
        }

        if (!_settings.DoSample)
        {
            return ArgMax(scores);
        }

        ApplyWarpers(scores);
        return Draw(scores);
    }

    /// <summary>
    /// Picks a token the output grammar allows. The usual pick comes first and is kept when the grammar allows it (the
    /// lazy check llama.cpp uses); only otherwise is the full mask built. This is exact: greedy takes the best allowed
    /// token either way, and a draw that is redrawn from the masked distribution after a rejection gives each allowed
    /// token p / P(allowed), the same as drawing from the masked distribution once. When the warpers (top-k, top-p, ...)
    /// cut every allowed token, the mask is applied to the logits first and the processors and warpers run again.
    /// </summary>
    private int ConstrainedPick(ReadOnlySpan<float> logits, Span<float> scores, IReadOnlyList<int> tokens)
    {
        var constraint = _constraint!;
        if (!_settings.DoSample)
        {
            var best = AnyFinite(scores) ? ArgMax(scores) : -1;
            if (best >= 0 && constraint.Allows(best))
            {
                return best;
            }

            constraint.Mask(scores);
            return AnyFinite(scores) ? ArgMax(scores) : Fallback(logits);
        }

        ApplyWarpers(scores);
        var pick = AnyFinite(scores) ? Draw(scores) : -1;
        if (pick >= 0 && constraint.Allows(pick))
        {
            return pick;
        }

        constraint.Mask(scores);
        if (AnyFinite(scores))
        {
            return Draw(scores);
        }

        logits.CopyTo(scores);
        constraint.Mask(scores);
        _processors!.Apply(scores, tokens);
        if (!AnyFinite(scores))
        {
            return Fallback(logits);
        }

        ApplyWarpers(scores);
        return Draw(scores);
    }

    /// <summary>
    /// The generation parameters exclude every token the grammar allows (say, <c>min_new_tokens</c> holding back the end
    /// of a complete answer): end if the answer is complete, else take the grammar's best token by the raw logits.
    /// </summary>
    private int Fallback(ReadOnlySpan<float> logits)
    {
        var constraint = _constraint!;
        if (constraint.IsComplete && constraint.EosTokenIds.Count > 0)
        {
            return constraint.EosTokenIds[0];
        }

        var scores = _scores.AsSpan();
        logits.CopyTo(scores);
        constraint.Mask(scores);
        return AnyFinite(scores)
            ? ArgMax(scores)
            : throw new EngineException(EngineErrorKind.BadInput, "The output grammar allows no token of this model's vocabulary here; nothing can be generated.");
    }

    private static bool AnyFinite(ReadOnlySpan<float> scores)
    {
        foreach (var s in scores)
        {
            if (!float.IsNegativeInfinity(s))
            {
                return true;
            }
        }

        return false;
    }

    private void ApplyWarpers(Span<float> scores)
    {
        if (_settings.Temperature != 1.0)
        {
            var t = (float)_settings.Temperature;
            for (var i = 0; i < scores.Length; i++)
            {
                scores[i] /= t;
            }
        }

        // Rank once by score, highest first; each warper then cuts a prefix of that order or masks scores.
        var order = _order.AsSpan();
        if (_settings.TopK > 0)
        {
            KeepTopK(scores, _settings.TopK);
        }

        var kept = SortDescending(scores, order);

        if (_settings.TopP < 1.0)
        {
            var probabilities = Softmax(scores, order, kept);
            // Remove tokens whose cumulative probability, counted from the least likely, is at most 1 - top_p.
            var fromBottom = 0.0;
            var cut = kept;
            for (var i = kept - 1; i >= 1; i--)
            {
                fromBottom += probabilities[i];
                if (fromBottom > 1.0 - _settings.TopP)
                {
                    break;
                }

                cut = i;
            }

            kept = Mask(scores, order, kept, cut);
        }

        if (_settings.MinP > 0)
        {
            var probabilities = Softmax(scores, order, kept);
            var floor = _settings.MinP * probabilities[0];
            var cut = 1;
            while (cut < kept && probabilities[cut] >= floor)
            {
                cut++;
            }

            kept = Mask(scores, order, kept, cut);
        }

        if (_settings.TypicalP < 1.0)
        {
            kept = ApplyTypical(scores, order, kept);
        }
    }

    /// <summary>Masks all but the k highest scores, keeping every score that ties the k-th (as Hugging Face does).</summary>
    private static void KeepTopK(Span<float> scores, int k)
    {
        var heap = new PriorityQueue<int, float>(k + 1);
        for (var i = 0; i < scores.Length; i++)
        {
            if (float.IsNegativeInfinity(scores[i]))
            {
                continue;
            }

            if (heap.Count < k)
            {
                heap.Enqueue(i, scores[i]);
            }
            else if (heap.TryPeek(out _, out var smallest) && scores[i] > smallest)
            {
                heap.EnqueueDequeue(i, scores[i]);
            }
        }

        if (heap.Count < k || !heap.TryPeek(out _, out var threshold))
        {
            return;
        }

        for (var i = 0; i < scores.Length; i++)
        {
            if (scores[i] < threshold)
            {
                scores[i] = float.NegativeInfinity;
            }
        }
    }

    private int ApplyTypical(Span<float> scores, Span<int> order, int kept)
    {
        var probabilities = Softmax(scores, order, kept);
        var entropy = 0.0;
        for (var i = 0; i < kept; i++)
        {
            if (probabilities[i] > 0)
            {
                entropy -= probabilities[i] * Math.Log(probabilities[i]);
            }
        }

        var candidates = new (double Distance, int Rank)[kept];
        for (var i = 0; i < kept; i++)
        {
            var surprise = probabilities[i] > 0 ? -Math.Log(probabilities[i]) : double.PositiveInfinity;
            candidates[i] = (Math.Abs(surprise - entropy), i);
        }

        Array.Sort(candidates, (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Rank.CompareTo(b.Rank));
        var cumulative = 0.0;
        var last = 0;
        for (var i = 0; i < kept; i++)
        {
            cumulative += probabilities[candidates[i].Rank];
            if (cumulative >= _settings.TypicalP)
            {
                break;
            }

            last = i + 1;
        }

        // Keep through the cut and every token tied with it (Hugging Face removes only distances above the cut's).
        last = Math.Min(last, kept - 1);
        var keep = new bool[kept];
        for (var i = 0; i < kept && (i <= last || candidates[i].Distance <= candidates[last].Distance); i++)
        {
            keep[candidates[i].Rank] = true;
        }

        var write = 0;
        for (var i = 0; i < kept; i++)
        {
            if (keep[i])
            {
                order[write++] = order[i];
            }
            else
            {
                scores[order[i]] = float.NegativeInfinity;
            }
        }

        return write;
    }

    private static int SortDescending(Span<float> scores, Span<int> order)
    {
        var kept = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (!float.IsNegativeInfinity(scores[i]))
            {
                order[kept++] = i;
            }
        }

        var keys = new float[kept];
        for (var i = 0; i < kept; i++)
        {
            keys[i] = -scores[order[i]];
        }

        // Stable on ties by index, as the keys are distinct positions sorted together.
        var indices = order[..kept].ToArray();
        Array.Sort(keys, indices);
        indices.CopyTo(order);
        return kept;
    }

    private static int Mask(Span<float> scores, ReadOnlySpan<int> order, int kept, int cut)
    {
        for (var i = cut; i < kept; i++)
        {
            scores[order[i]] = float.NegativeInfinity;
        }

        return Math.Min(cut, kept);
    }

    private static double[] Softmax(ReadOnlySpan<float> scores, ReadOnlySpan<int> order, int kept)
    {
        var probabilities = new double[kept];
        var max = scores[order[0]];
        var sum = 0.0;
        for (var i = 0; i < kept; i++)
        {
            probabilities[i] = Math.Exp(scores[order[i]] - max);
            sum += probabilities[i];
        }

        for (var i = 0; i < kept; i++)
        {
            probabilities[i] /= sum;
        }

        return probabilities;
    }

    private int Draw(ReadOnlySpan<float> scores)
    {
        var max = float.NegativeInfinity;
        foreach (var s in scores)
        {
            max = Math.Max(max, s);
        }

        if (float.IsNegativeInfinity(max))
        {
            throw NothingLeft();
        }

        var sum = 0.0;
        foreach (var s in scores)
        {
            if (!float.IsNegativeInfinity(s))
            {
                sum += Math.Exp(s - max); // masked scores add exactly nothing, so they are skipped
            }
        }

        var target = _random.NextDouble() * sum;
        var last = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (float.IsNegativeInfinity(scores[i]))
            {
                continue;
            }

            last = i;
            target -= Math.Exp(scores[i] - max);
            if (target < 0)
            {
                return i;
            }
        }

        return last;
    }

    private static int ArgMax(ReadOnlySpan<float> scores)
    {
        var best = 0;
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }

        return scores.Length > 0 && !float.IsNegativeInfinity(scores[best]) ? best : throw NothingLeft();
    }

    private static EngineException NothingLeft() => new(EngineErrorKind.BadInput,
        "Every token was excluded by the generation parameters (bad_words_ids, no_repeat_ngram_size, ...); nothing can be generated.");
}
