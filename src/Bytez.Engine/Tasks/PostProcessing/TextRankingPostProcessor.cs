namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// text-ranking post-processing, as sentence-transformers 5.1 <c>CrossEncoder.rank</c>: each (query, document) pair's
/// single logit through the model's activation (<see cref="CrossEncoderActivations"/>), the documents sorted by score
/// (stable: equal scores keep document order), cut to <c>top_k</c>. Only one-label models rank, as in
/// sentence-transformers.
/// </summary>
public static class TextRankingPostProcessor
{
    /// <summary>Refuses a model whose classifier has other than one label (sentence-transformers' <c>rank</c> does too).</summary>
    public static void RequireOneLabel(int numLabels, string modelId)
    {
        if (numLabels != 1)
        {
            throw EngineException.NotSupported(
                $"The model {modelId} has {numLabels} labels; text-ranking needs a cross-encoder with one output (num_labels 1).");
        }
    }

    /// <summary>Ranks <paramref name="documents"/> by their logits (one per document, in document order).</summary>
    public static IReadOnlyList<RankedDocument> Rank(
        ReadOnlySpan<float> logits,
        CrossEncoderActivation activation,
        IReadOnlyList<string> documents,
        TextRankingParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(parameters);
        if (logits.Length != documents.Count)
        {
            throw EngineException.NotSupported($"The model gave {logits.Length} scores for {documents.Count} documents.");
        }

        var results = new RankedDocument[documents.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = new RankedDocument(i, activation.Apply(logits[i]), parameters.ReturnDocuments ? documents[i] : null);
        }

        var sorted = results.OrderByDescending(r => r.Score);
        return [.. parameters.TopK is { } k ? sorted.Take(k) : sorted];
    }
}
