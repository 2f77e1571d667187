namespace Bytez.Engine.Tensors;

/// <summary>
/// The outputs of a tensor instance for one row, by output name, each with the batch axis removed (a classifier's
/// <c>logits</c> [labels], a detector's <c>pred_boxes</c> [queries, 4], a CTC model's <c>logits</c> [frames, vocabulary]);
/// for a whole feed (<see cref="TensorRow.Whole"/>), each output as the model gives it, batch axis kept.
/// </summary>
public sealed class TensorResult(IReadOnlyDictionary<string, TensorValue> outputs)
{
    /// <summary>The outputs by name.</summary>
    public IReadOnlyDictionary<string, TensorValue> Outputs { get; } = outputs ?? throw new ArgumentNullException(nameof(outputs));

    /// <summary>The output of this name.</summary>
    /// <exception cref="EngineException">The model has no such output (NotSupported, naming the ones it has).</exception>
    public TensorValue this[string name] => Outputs.TryGetValue(name, out var tensor)
        ? tensor
        : throw EngineException.NotSupported($"The model has no output '{name}' (it has: {string.Join(", ", Outputs.Keys)}).");
}
