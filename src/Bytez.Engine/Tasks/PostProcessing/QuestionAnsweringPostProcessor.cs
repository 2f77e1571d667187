namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// question-answering post-processing, as transformers 4.57.x <c>QuestionAnsweringPipeline.postprocess</c> (the
/// logic of <c>select_starts_ends</c>/<c>decode_spans</c> is unchanged since 4.53). Per window: tokens outside the
/// context (question, specials; not CLS) get logit -10000; start and end each get a max-shifted float32 softmax;
/// with <c>handle_impossible_answer</c> the null score is the smallest p_start[0]·p_end[0] over the windows; position 0
/// is then zeroed; spans (i ≤ j &lt; i + max_answer_len) are scored p_start[i]·p_end[j] in float32 and the best
/// <c>top_k</c> kept if both ends are context tokens (numpy's <c>isin</c> on a 2-D <c>nonzero()</c> also lets position
/// 0 through, as in Python); each span grows to whole words (<c>align_to_words</c>); an answer whose text equals an
/// earlier one case-insensitively adds its score to it. Finally the null answer is appended, and the answers are
/// sorted by score (stable) and cut to <c>top_k</c>.
/// </summary>
public static class QuestionAnsweringPostProcessor
{
    /// <summary>The logit given to tokens that cannot be part of an answer.</summary>
    private const float Masked = -10000f;

    /// <summary>
    /// The answers to a question over <paramref name="context"/>, best first, at most <c>top_k</c>. The pipeline
    /// returns a single object when exactly one answer results, else the list. <paramref name="clsTokenId"/> is the
    /// tokenizer's CLS id (kept as a candidate for the null answer); <paramref name="questionFirst"/> is false only
    /// for tokenizers that pad on the left, which put the context first (then every token is a candidate, as in Python).
    /// </summary>
    public static IReadOnlyList<QuestionAnsweringAnswer> Run(
        string context,
        IReadOnlyList<QuestionAnsweringFeature> features,
        int? clsTokenId,
        QuestionAnsweringParameters parameters,
        bool questionFirst = true)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(parameters);
        var text = new PythonString(context);
        var sequenceIndex = questionFirst ? 1 : 0;
        double minNullScore = 1_000_000;
        var answers = new List<Candidate>();
        foreach (var feature in features)
        {
            var tokens = feature.Tokens;
            var n = tokens.Count;
            if (n == 0 || feature.StartLogits.Length != n || feature.EndLogits.Length != n)
            {
                throw EngineException.NotSupported(
                    $"The model gave {feature.StartLogits.Length} start and {feature.EndLogits.Length} end logits for {n} tokens.");
            }

            var desired = new bool[n];
            for (var i = 0; i < n; i++)
            {
                desired[i] = !questionFirst || tokens[i].SequenceId == 1 || (clsTokenId is { } cls && tokens[i].Id == cls);
            }

            var start = Normalize(feature.StartLogits.Span, desired);
            var end = Normalize(feature.EndLogits.Span, desired);
            if (parameters.HandleImpossibleAnswer)
            {
                double nullScore = (float)(start[0] * end[0]);
                if (nullScore < minNullScore)
                {
                    minNullScore = nullScore;
                }
            }

            start[0] = 0f;
            end[0] = 0f;
            foreach (var (s, e, score) in DecodeSpans(start, end, parameters.TopK, parameters.MaxAnswerLen, desired))
            {
                var (startIndex, endIndex) = GetIndices(tokens, s, e, sequenceIndex, parameters.AlignToWords);
                var answer = text.Slice(startIndex, endIndex);
                var lower = answer.ToLowerInvariant();
                var existing = answers.Find(a => a.Lower == lower);
                if (existing is not null)
                {
                    existing.Score += score;
                }
                else
                {
                    answers.Add(new Candidate { Score = score, Start = startIndex, End = endIndex, Answer = answer, Lower = lower });
                }
            }
        }

        if (parameters.HandleImpossibleAnswer)
        {
            answers.Add(new Candidate { Score = minNullScore, Start = 0, End = 0, Answer = string.Empty, Lower = string.Empty });
        }

        return [.. answers
            .OrderByDescending(a => a.Score)
            .Take(parameters.TopK)
            .Select(a => new QuestionAnsweringAnswer(a.Score, a.Start, a.End, a.Answer))];
    }

    private sealed class Candidate
    {
        public double Score { get; set; }

        public int Start { get; init; }

        public int End { get; init; }

        public required string Answer { get; init; }

        public required string Lower { get; init; }
    }

    /// <summary>Masks the tokens outside the context and applies numpy's max-shifted softmax.</summary>
    private static float[] Normalize(ReadOnlySpan<float> logits, bool[] desired)
    {
        var masked = new float[logits.Length];
        for (var i = 0; i < masked.Length; i++)
        {
            masked[i] = desired[i] ? logits[i] : Masked;
        }

        var probabilities = new float[masked.Length];
        Float32Math.SoftmaxShifted(masked, probabilities);
        return probabilities;
    }

    /// <summary>
    /// <c>decode_spans</c> without building the n×n matrix: the band j − i ∈ [0, max_answer_len) holds every non-zero
    /// score. Top 1 is numpy's <c>argmax</c> (first maximum in row-major order; flat index 0 when all are zero). For
    /// more, positive scores come first by score, then zero-score spans in row-major order (numpy's argpartition
    /// leaves the order among equal scores unspecified; ours is deterministic).
    /// </summary>
    private static List<(int Start, int End, float Score)> DecodeSpans(float[] start, float[] end, int topK, int maxAnswerLen, bool[] desired)
    {
        var n = start.Length;
        var band = maxAnswerLen - 1;
        var chosen = new List<(int Start, int End, float Score)>();
        if (topK == 1)
        {
            int bestI = 0, bestJ = 0;
            var best = 0f;
            for (var i = 0; i < n; i++)
            {
                var last = (int)Math.Min(n - 1L, (long)i + band);
                for (var j = i; j <= last; j++)
                {
                    var v = start[i] * end[j];
                    if (v > best)
                    {
                        (bestI, bestJ, best) = (i, j, v);
                    }
                }
            }

            chosen.Add((bestI, bestJ, best));
        }
        else
        {
            var total = (long)n * n;
            var k = (int)Math.Min(topK, total);
            var heap = new PriorityQueue<(int I, int J), (float Score, long Flat)>(WorstFirst.Instance);
            for (var i = 0; i < n; i++)
            {
                var last = (int)Math.Min(n - 1L, (long)i + band);
                for (var j = i; j <= last; j++)
                {
                    var v = start[i] * end[j];
                    if (!(v > 0f))
                    {
                        continue;
                    }

                    var flat = ((long)i * n) + j;
                    if (heap.Count < k)
                    {
                        heap.Enqueue((i, j), (v, flat));
                    }
                    else if (heap.TryPeek(out _, out var worst) && v > worst.Score)
                    {
                        heap.DequeueEnqueue((i, j), (v, flat));
                    }
                }
            }

            var positives = new List<(int I, int J, float Score, long Flat)>(heap.Count);
            while (heap.TryDequeue(out var span, out var priority))
            {
                positives.Add((span.I, span.J, priority.Score, priority.Flat));
            }

            positives.Reverse();
            chosen.AddRange(positives.Select(p => (p.I, p.J, p.Score)));
            for (long flat = 0; flat < total && chosen.Count < k; flat++)
            {
                var i = (int)(flat / n);
                var j = (int)(flat % n);
                var inBand = j >= i && j - i <= band;
                if (!(inBand && start[i] * end[j] > 0f))
                {
                    chosen.Add((i, j, 0f));
                }
            }
        }

        // np.isin(starts, undesired.nonzero()): the 2-D nonzero() also yields row indices, all 0.
        return chosen.FindAll(c => (c.Start == 0 || desired[c.Start]) && (c.End == 0 || desired[c.End]));
    }

    /// <summary>Orders the heap so its root is the worst kept span: lowest score, then latest in row-major order.</summary>
    private sealed class WorstFirst : IComparer<(float Score, long Flat)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((float Score, long Flat) x, (float Score, long Flat) y) =>
            x.Score != y.Score ? x.Score.CompareTo(y.Score) : y.Flat.CompareTo(x.Flat);
    }

    /// <summary>
    /// <c>get_indices</c>: with <c>align_to_words</c>, the characters of the whole words of the span's first and last
    /// tokens (<c>word_to_chars</c> in the context's sequence); the tokens' own offsets when a token has no word.
    /// </summary>
    private static (int Start, int End) GetIndices(IReadOnlyList<EncodedToken> tokens, int s, int e, int sequenceIndex, bool alignToWords)
    {
        if (alignToWords
            && tokens[s].WordId is { } startWord
            && tokens[e].WordId is { } endWord
            && WordToChars(tokens, startWord, sequenceIndex) is { } first
            && WordToChars(tokens, endWord, sequenceIndex) is { } last)
        {
            return (first.Start, last.End);
        }

        return (tokens[s].Start, tokens[e].End);
    }

    /// <summary>The span of one word of one sequence: its first token's start to its last token's end.</summary>
    private static (int Start, int End)? WordToChars(IReadOnlyList<EncodedToken> tokens, int word, int sequenceIndex)
    {
        int first = -1, last = -1;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].SequenceId == sequenceIndex && tokens[i].WordId == word)
            {
                if (first < 0)
                {
                    first = i;
                }

                last = i;
            }
        }

        return first < 0 ? null : (tokens[first].Start, tokens[last].End);
    }
}
