namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>How token-classification fuses tokens into entities (transformers' <c>AggregationStrategy</c>).</summary>
public enum AggregationStrategy
{
    /// <summary>One entity per token, with its <c>index</c>; no grouping (the pipeline's default).</summary>
    None,

    /// <summary>Per-token labels, then adjacent tokens grouped by their B-/I- tags.</summary>
    Simple,

    /// <summary>Each word takes the label of its first token, then grouping.</summary>
    First,

    /// <summary>Each word takes the label of the averaged probabilities of its tokens, then grouping.</summary>
    Average,

    /// <summary>Each word takes the label of its most confident token, then grouping.</summary>
    Max,
}
