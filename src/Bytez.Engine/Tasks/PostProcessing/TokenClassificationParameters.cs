namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// The validated <c>params</c> of token-classification (transformers 4.57 <c>TokenClassificationPipeline</c>).
/// </summary>
/// <param name="Strategy">How tokens are fused into entities.</param>
/// <param name="IgnoreLabels">Labels dropped from the output, after grouping (default <c>["O"]</c>).</param>
/// <param name="Stride">Overlap in tokens between the windows of a long text; <see langword="null"/> = one window, truncated.</param>
public sealed record TokenClassificationParameters(AggregationStrategy Strategy, IReadOnlyList<string> IgnoreLabels, int? Stride)
{
    /// <summary>The <c>params</c> this task accepts (the last two are transformers' deprecated spellings).</summary>
    public static IReadOnlyList<string> Names { get; } = ["aggregation_strategy", "ignore_labels", "stride", "grouped_entities", "ignore_subwords"];

    /// <summary>The names <c>aggregation_strategy</c> accepts (any case).</summary>
    public static IReadOnlyList<string> StrategyNames { get; } = ["none", "simple", "first", "average", "max"];

    /// <summary>The pipeline's defaults: no aggregation, ignore "O", no stride.</summary>
    public static TokenClassificationParameters Default { get; } = new(AggregationStrategy.None, ["O"], null);

    /// <summary>
    /// Validates the parameters as the pipeline does. The legacy <c>grouped_entities</c>/<c>ignore_subwords</c>,
    /// when either is given, decide the strategy (both true: first; grouped only: simple; else none), overriding
    /// <c>aggregation_strategy</c> as in transformers 4.57. <c>stride</c> must be below the model's maximum length
    /// and is refused with an explicit <c>"none"</c> strategy (a stride without any strategy is accepted, as in Python).
    /// </summary>
    public static TokenClassificationParameters Create(
        string? aggregationStrategy,
        IReadOnlyList<string>? ignoreLabels,
        int? stride,
        int modelMaxLength,
        bool? groupedEntities = null,
        bool? ignoreSubwords = null)
    {
        AggregationStrategy? strategy = aggregationStrategy is null ? null : ParseStrategy(aggregationStrategy);
        if (groupedEntities is not null || ignoreSubwords is not null)
        {
            strategy = groupedEntities == true && ignoreSubwords == true ? AggregationStrategy.First
                : groupedEntities == true ? AggregationStrategy.Simple
                : AggregationStrategy.None;
        }

        if (stride is { } s)
        {
            if (s < 0 || s >= modelMaxLength)
            {
                throw EngineException.BadInput(
                    $"Parameter `stride` must be an integer ≥ 0 and less than the model's maximum length ({modelMaxLength}); got {s}.");
            }

            if (strategy == AggregationStrategy.None)
            {
                throw EngineException.BadInput(
                    "Parameter `stride` needs an `aggregation_strategy` other than \"none\" (simple, first, average or max).");
            }
        }

        return new TokenClassificationParameters(strategy ?? AggregationStrategy.None, ignoreLabels ?? ["O"], stride);
    }

    /// <summary>Parses an <c>aggregation_strategy</c> name, any case; a 400 naming the valid ones otherwise.</summary>
    public static AggregationStrategy ParseStrategy(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToUpperInvariant() switch
        {
            "NONE" => AggregationStrategy.None,
            "SIMPLE" => AggregationStrategy.Simple,
            "FIRST" => AggregationStrategy.First,
            "AVERAGE" => AggregationStrategy.Average,
            "MAX" => AggregationStrategy.Max,
            _ => throw EngineException.BadInput(
                $"Parameter `aggregation_strategy` must be one of {string.Join(", ", StrategyNames)}; got \"{name}\"."),
        };
    }
}
