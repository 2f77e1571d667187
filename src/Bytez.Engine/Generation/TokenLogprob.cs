namespace Bytez.Engine.Generation;

/// <summary>A generated token with its log-probability and, when asked, the most likely tokens at its position.</summary>
/// <param name="TokenId">The token's id.</param>
/// <param name="Token">The token decoded alone (special tokens kept); a token that holds part of a character decodes to U+FFFD.</param>
/// <param name="Logprob">Its natural-log probability under the model's own distribution (before processors and warpers).</param>
/// <param name="Top">The most likely tokens at this position, most likely first (empty unless <c>top_logprobs</c> asked for some).</param>
public sealed record TokenLogprob(int TokenId, string Token, float Logprob, IReadOnlyList<TokenAlternative> Top);

/// <summary>One of the most likely tokens at a position.</summary>
/// <param name="TokenId">The token's id.</param>
/// <param name="Token">The token decoded alone.</param>
/// <param name="Logprob">Its natural-log probability.</param>
public readonly record struct TokenAlternative(int TokenId, string Token, float Logprob);

/// <summary>Computes <see cref="TokenLogprob"/>s from a position's logits: a log-softmax in double precision.</summary>
public static class TokenLogprobs
{
    /// <summary>The log-probability of <paramref name="chosen"/> and the <paramref name="top"/> most likely tokens (ties: the lower id first).</summary>
    public static TokenLogprob Compute(ReadOnlySpan<float> logits, int chosen, int top, ITextTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var max = float.NegativeInfinity;
        foreach (var l in logits)
        {
            max = Math.Max(max, l);
        }

        var sum = 0.0;
        foreach (var l in logits)
        {
            sum += Math.Exp(l - (double)max);
        }

        var logNorm = max + Math.Log(sum);
        var alternatives = top <= 0 ? (IReadOnlyList<TokenAlternative>)[] : Top(logits, top, logNorm, tokenizer);
        return new TokenLogprob(chosen, Text(tokenizer, chosen), (float)(logits[chosen] - logNorm), alternatives);
    }

    private static TokenAlternative[] Top(ReadOnlySpan<float> logits, int k, double logNorm, ITextTokenizer tokenizer)
    {
        k = Math.Min(k, logits.Length);
        // A min-heap of the k best (score, then lower id wins ties).
        var heap = new PriorityQueue<int, (float Score, int NegId)>(k + 1);
        for (var i = 0; i < logits.Length; i++)
        {
            var key = (logits[i], -i);
            if (heap.Count < k)
            {
                heap.Enqueue(i, key);
            }
            else if (heap.TryPeek(out _, out var least) && key.CompareTo(least) > 0)
            {
                heap.EnqueueDequeue(i, key);
            }
        }

        var result = new TokenAlternative[heap.Count];
        for (var i = result.Length - 1; i >= 0; i--)
        {
            var id = heap.Dequeue();
            result[i] = new TokenAlternative(id, Text(tokenizer, id), (float)(logits[id] - logNorm));
        }

        return result;
    }

    private static string Text(ITextTokenizer tokenizer, int id) => tokenizer.Decode([id], skipSpecialTokens: false);
}
