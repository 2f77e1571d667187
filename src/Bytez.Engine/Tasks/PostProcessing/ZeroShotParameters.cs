namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// The validated inputs and <c>params</c> of zero-shot-classification (transformers 4.57
/// <c>ZeroShotClassificationPipeline</c>).
/// </summary>
/// <param name="CandidateLabels">The labels, in the order given.</param>
/// <param name="HypothesisTemplate">The template each label is put into (default "This example is {}.").</param>
/// <param name="MultiLabel">Whether each label is scored on its own (entailment vs contradiction) instead of against the others.</param>
public sealed record ZeroShotParameters(IReadOnlyList<string> CandidateLabels, string HypothesisTemplate, bool MultiLabel)
{
    /// <summary>The <c>params</c> this task accepts (<c>multi_class</c> is the deprecated spelling of <c>multi_label</c>).</summary>
    public static IReadOnlyList<string> Names { get; } = ["hypothesis_template", "multi_label", "multi_class"];

    /// <summary>
    /// Validates the labels and parameters. <paramref name="multiClass"/> is the legacy name of <c>multi_label</c>
    /// (used when <c>multi_label</c> is absent).
    /// </summary>
    public static ZeroShotParameters Create(
        IReadOnlyList<string>? candidateLabels,
        string? hypothesisTemplate = null,
        bool? multiLabel = null,
        bool? multiClass = null)
    {
        if (candidateLabels is null || candidateLabels.Count == 0)
        {
            throw EngineException.BadInput(
                "zero-shot-classification needs `candidate_labels`: a non-empty list of labels (or one string of comma-separated labels).");
        }

        var template = hypothesisTemplate ?? PostProcessing.HypothesisTemplate.Default;
        PostProcessing.HypothesisTemplate.Validate(template, candidateLabels[0]);
        return new ZeroShotParameters(candidateLabels, template, multiLabel ?? multiClass ?? false);
    }

    /// <summary>
    /// Labels given as one string, as the pipeline splits them: on commas, each stripped, empty ones dropped.
    /// </summary>
    public static IReadOnlyList<string> SplitLabels(string labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return [.. labels.Split(',').Select(l => l.Trim()).Where(l => l.Length > 0)];
    }
}
