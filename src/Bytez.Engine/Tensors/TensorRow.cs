namespace Bytez.Engine.Tensors;

/// <summary>
/// One row for a tensor instance: the model's named inputs for one example, each without the batch axis
/// (<c>pixel_values</c> [3, H, W]; <c>input_values</c> [samples]). The runtime stacks rows of equal shapes into batches.
/// A whole feed (<see cref="Whole"/>) is instead the model's complete input, batch axes included, run once on its own.
/// </summary>
public sealed class TensorRow
{
    /// <summary>A row of the given named inputs.</summary>
    /// <exception cref="ArgumentException">No inputs are given.</exception>
    public TensorRow(IReadOnlyDictionary<string, TensorValue> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0)
        {
            throw new ArgumentException("A row needs at least one input.", nameof(inputs));
        }

        Inputs = inputs;
    }

    /// <summary>
    /// A whole feed: every input with its own batch axis, for models whose inputs do not share one (a CLIP-style dual
    /// encoder takes <c>input_ids</c> [labels, tokens] and <c>pixel_values</c> [images, 3, H, W]). It is checked against
    /// the full declared dimensions, never batched with other rows, and its result holds each output as the model
    /// gives it (batch axis kept: <c>logits_per_image</c> [images, labels]).
    /// </summary>
    /// <exception cref="ArgumentException">No inputs are given.</exception>
    public static TensorRow Whole(IReadOnlyDictionary<string, TensorValue> inputs) => new(inputs) { IsWhole = true };

    /// <summary>A row of one input (<c>pixel_values</c>, <c>input_values</c>).</summary>
    public TensorRow(string name, TensorValue value)
        : this(new Dictionary<string, TensorValue>(StringComparer.Ordinal) { [name] = value })
    {
    }

    /// <summary>The inputs by name.</summary>
    public IReadOnlyDictionary<string, TensorValue> Inputs { get; }

    /// <summary>Whether this is a whole feed (<see cref="Whole"/>): shapes include the batch axis, and it runs alone.</summary>
    public bool IsWhole { get; private init; }
}
