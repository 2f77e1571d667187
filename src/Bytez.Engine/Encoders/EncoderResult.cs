namespace Bytez.Engine.Encoders;

/// <summary>The outputs of an encoder for one row, by output name (<c>logits</c>, <c>start_logits</c>, ...).</summary>
public sealed class EncoderResult(IReadOnlyDictionary<string, EncoderTensor> outputs)
{
    /// <summary>The outputs by name.</summary>
    public IReadOnlyDictionary<string, EncoderTensor> Outputs { get; } = outputs;

    /// <summary>The output of this name.</summary>
    /// <exception cref="EngineException">The model has no such output (NotSupported).</exception>
    public EncoderTensor this[string name] => Outputs.TryGetValue(name, out var tensor)
        ? tensor
        : throw EngineException.NotSupported($"The model has no output '{name}' (it has: {string.Join(", ", Outputs.Keys)}).");
}

/// <summary>
/// One output of one row: float32 values in row-major order with their shape, the batch axis removed and a sequence
/// axis cut to the row's length (<c>logits</c> [labels] of a sequence classifier, [tokens, labels] of a token classifier,
/// <c>start_logits</c> [tokens] of question answering).
/// </summary>
public sealed record EncoderTensor(float[] Data, int[] Shape)
{
    /// <summary>The values of row <paramref name="index"/> along the first axis (a token's labels in [tokens, labels]).</summary>
    public ReadOnlySpan<float> Row(int index)
    {
        var width = Shape.Length < 2 ? 1 : Data.Length / Shape[0];
        return Data.AsSpan(index * width, width);
    }
}
