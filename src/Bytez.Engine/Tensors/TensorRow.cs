namespace Bytez.Engine.Tensors;

/// <summary>
/// One row for a tensor instance: the model's named inputs for one example, each without the batch axis
/// (<c>pixel_values</c> [3, H, W]; <c>input_values</c> [samples]). The runtime stacks rows of equal shapes into batches.
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

    /// <summary>A row of one input (<c>pixel_values</c>, <c>input_values</c>).</summary>
    public TensorRow(string name, TensorValue value)
        : this(new Dictionary<string, TensorValue>(StringComparer.Ordinal) { [name] = value })
    {
    }

    /// <summary>The inputs by name.</summary>
    public IReadOnlyDictionary<string, TensorValue> Inputs { get; }
}
