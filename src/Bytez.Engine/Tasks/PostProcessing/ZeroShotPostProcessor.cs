namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// zero-shot-classification post-processing, as transformers 4.57.x <c>ZeroShotClassificationPipeline.postprocess</c>:
/// with one label or <c>multi_label</c>, each label's score is the softmax of its [contradiction, entailment]
/// logits; otherwise the entailment logits are normalised across the labels with <c>np.exp(x) / np.exp(x).sum()</c>
/// (NOT max-shifted: logits above ~88 give NaN, as in Python). Labels are ordered by
/// <c>reversed(scores.argsort())</c>, so equal scores come out with the LATER label first.
/// </summary>
public static class ZeroShotPostProcessor
{
    /// <summary>
    /// The pipeline's <c>entailment_id</c>: the id of the first <c>label2id</c> entry (in config.json order) whose
    /// lower-cased name starts with "entail"; -1 (the last logit) when none does.
    /// </summary>
    public static int EntailmentId(IEnumerable<KeyValuePair<string, int>> label2Id)
    {
        ArgumentNullException.ThrowIfNull(label2Id);
        foreach (var (name, id) in label2Id)
        {
            if (name.ToLowerInvariant().StartsWith("entail", StringComparison.Ordinal))
            {
                return id;
            }
        }

        return -1;
    }

    /// <summary>
    /// Scores the labels from the logits of each (premise, hypothesis) pair, row-major <c>[labels, classes]</c> in
    /// the order of <paramref name="labels"/>. <paramref name="entailmentId"/> is <see cref="EntailmentId"/> (negative
    /// counts from the end, as in Python); the contradiction column is 0, or the last one when entailment is 0.
    /// </summary>
    public static ZeroShotResult Run(
        string sequence,
        IReadOnlyList<string> labels,
        ReadOnlySpan<float> logits,
        int classes,
        int entailmentId,
        bool multiLabel)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(labels);
        var n = labels.Count;
        if (n == 0 || classes < 1 || logits.Length != n * classes)
        {
            throw EngineException.NotSupported($"The model gave {logits.Length} logits for {n} labels of {classes} classes.");
        }

        var entailment = entailmentId < 0 ? classes + entailmentId : entailmentId;
        var contradiction = entailmentId == 0 ? classes - 1 : 0;
        if (entailment < 0 || entailment >= classes)
        {
            throw EngineException.NotSupported($"The model's entailment label id {entailmentId} is outside its {classes} classes.");
        }

        var scores = new float[n];
        if (multiLabel || n == 1)
        {
            Span<float> pair = stackalloc float[2];
            Span<float> probabilities = stackalloc float[2];
            for (var i = 0; i < n; i++)
            {
                pair[0] = logits[(i * classes) + contradiction];
                pair[1] = logits[(i * classes) + entailment];
                Float32Math.SoftmaxUnshifted(pair, probabilities);
                scores[i] = probabilities[1];
            }
        }
        else
        {
            var entail = new float[n];
            for (var i = 0; i < n; i++)
            {
                entail[i] = logits[(i * classes) + entailment];
            }

            Float32Math.SoftmaxUnshifted(entail, scores);
        }

        // numpy's argsort (stable for the ≤16 labels of insertion sort; NaN sorts last), then reversed.
        var ascending = Enumerable.Range(0, n)
            .OrderBy(i => float.IsNaN(scores[i]) ? 1 : 0)
            .ThenBy(i => float.IsNaN(scores[i]) ? 0f : scores[i])
            .ToArray();
        Array.Reverse(ascending);
        return new ZeroShotResult(sequence, [.. ascending.Select(i => labels[i])], [.. ascending.Select(i => (double)scores[i])]);
    }
}
