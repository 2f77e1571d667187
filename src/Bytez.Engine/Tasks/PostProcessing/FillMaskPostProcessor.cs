namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// fill-mask post-processing, as transformers 4.57.x <c>FillMaskPipeline.postprocess</c>: for every mask position a
/// torch softmax over the whole vocabulary, restricted to the targets when given (probabilities NOT renormalised),
/// the <c>top_k</c> best (sorted; equal probabilities by ascending id, where torch's order is unspecified); each
/// candidate's sequence is the input with that mask replaced, pad tokens removed, decoded skipping special tokens only
/// when there is a single mask (with several, the other masks and [CLS]/[SEP] stay in the text).
/// </summary>
public static class FillMaskPostProcessor
{
    /// <summary>
    /// The positions of the mask token in the input; a 400 naming the model's mask token when there is none (call it
    /// before running the model).
    /// </summary>
    public static IReadOnlyList<int> MaskPositions(IReadOnlyList<int> inputIds, int maskTokenId, string maskToken)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        var positions = new List<int>();
        for (var i = 0; i < inputIds.Count; i++)
        {
            if (inputIds[i] == maskTokenId)
            {
                positions.Add(i);
            }
        }

        return positions.Count > 0
            ? positions
            : throw EngineException.BadInput($"No mask_token ({maskToken}) found on the input.");
    }

    /// <summary>
    /// The predictions for each mask, in input order. <paramref name="logits"/> is row-major <c>[inputIds.Count,
    /// vocabularySize]</c>; <paramref name="decode"/> is the tokenizer's <c>decode(ids, skip_special_tokens)</c> with its
    /// <c>clean_up_tokenization_spaces</c>. The pipeline returns the single list when there is one mask, else the list
    /// of lists.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<FillMaskCandidate>> Run(
        IReadOnlyList<int> inputIds,
        ReadOnlySpan<float> logits,
        int vocabularySize,
        int maskTokenId,
        string maskToken,
        int? padTokenId,
        FillMaskParameters parameters,
        Func<IReadOnlyList<int>, bool, string> decode)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(decode);
        if (vocabularySize < 1 || logits.Length != (long)inputIds.Count * vocabularySize)
        {
            throw EngineException.NotSupported($"The model gave {logits.Length} logits for {inputIds.Count} tokens of a {vocabularySize}-token vocabulary.");
        }

        var masks = MaskPositions(inputIds, maskTokenId, maskToken);
        var targets = parameters.TargetIds;
        var candidateCount = targets?.Count ?? vocabularySize;
        var topK = Math.Min(parameters.TopK, candidateCount);
        var singleMask = masks.Count == 1;
        var probabilities = new float[vocabularySize];
        var result = new List<IReadOnlyList<FillMaskCandidate>>(masks.Count);
        foreach (var position in masks)
        {
            Float32Math.SoftmaxTorch(logits.Slice(position * vocabularySize, vocabularySize), probabilities);
            var row = new List<FillMaskCandidate>(topK);
            foreach (var id in TopK(probabilities, targets, topK))
            {
                var tokens = new List<int>(inputIds.Count);
                for (var i = 0; i < inputIds.Count; i++)
                {
                    var t = i == position ? id : inputIds[i];
                    if (t != padTokenId)
                    {
                        tokens.Add(t);
                    }
                }

                row.Add(new FillMaskCandidate(probabilities[id], id, decode([id], false), decode(tokens, singleMask)));
            }

            result.Add(row);
        }

        return result;
    }

    /// <summary>The ids of the <paramref name="k"/> most probable candidates, best first, ties by ascending id.</summary>
    private static List<int> TopK(float[] probabilities, IReadOnlyList<int>? targets, int k)
    {
        var heap = new PriorityQueue<int, (float P, int Id)>(WorstFirst.Instance);
        var count = targets?.Count ?? probabilities.Length;
        for (var c = 0; c < count; c++)
        {
            var id = targets is null ? c : targets[c];
            var p = probabilities[id];
            if (heap.Count < k)
            {
                heap.Enqueue(id, (p, id));
            }
            else if (heap.TryPeek(out _, out var worst) && WorstFirst.Instance.Compare((p, id), worst) > 0)
            {
                heap.DequeueEnqueue(id, (p, id));
            }
        }

        var best = new List<int>(heap.Count);
        while (heap.TryDequeue(out var id, out _))
        {
            best.Add(id);
        }

        best.Reverse();
        return best;
    }

    /// <summary>Orders the heap so its root is the worst kept candidate: lowest probability, then highest id (NaN lowest).</summary>
    private sealed class WorstFirst : IComparer<(float P, int Id)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((float P, int Id) x, (float P, int Id) y)
        {
            var byP = x.P.CompareTo(y.P);
            return byP != 0 ? byP : y.Id.CompareTo(x.Id);
        }
    }
}
