namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>The validated <c>params</c> of fill-mask (transformers 4.57 <c>FillMaskPipeline</c>).</summary>
/// <param name="TopK">How many predictions per mask (default 5; capped at the number of targets).</param>
/// <param name="TargetIds">The token ids predictions are restricted to, ascending; <see langword="null"/> = the whole vocabulary.</param>
public sealed record FillMaskParameters(int TopK, IReadOnlyList<int>? TargetIds)
{
    /// <summary>The <c>params</c> this task accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["top_k", "targets"];

    /// <summary>
    /// Validates <c>top_k</c> (≥ 1, at most the vocabulary) and resolves <c>targets</c> as the pipeline does: each
    /// looked up verbatim in the vocabulary (<paramref name="vocabularyId"/>), else tokenized without special tokens
    /// and its first token used (<paramref name="firstTokenId"/>; none: the target is skipped); duplicates removed;
    /// none left is a 400.
    /// </summary>
    public static FillMaskParameters Create(
        int vocabularySize,
        Func<string, int?> vocabularyId,
        Func<string, int?> firstTokenId,
        int? topK = null,
        IReadOnlyList<string>? targets = null)
    {
        ArgumentNullException.ThrowIfNull(vocabularyId);
        ArgumentNullException.ThrowIfNull(firstTokenId);
        var k = topK ?? 5;
        if (k < 1 || k > vocabularySize)
        {
            throw EngineException.BadInput(
                $"Parameter `top_k` must be an integer from 1 to the model's vocabulary size ({vocabularySize}); got {k}.");
        }

        if (targets is null)
        {
            return new FillMaskParameters(k, null);
        }

        var ids = new SortedSet<int>();
        foreach (var target in targets)
        {
            if ((vocabularyId(target) ?? firstTokenId(target)) is { } id)
            {
                if (id < 0 || id >= vocabularySize)
                {
                    throw EngineException.NotSupported($"The tokenizer gave id {id} for target \"{target}\", outside the model's vocabulary of {vocabularySize}.");
                }

                ids.Add(id);
            }
        }

        if (ids.Count == 0)
        {
            throw EngineException.BadInput("Parameter `targets` must name at least one token the tokenizer knows.");
        }

        return new FillMaskParameters(k, [.. ids]);
    }
}
