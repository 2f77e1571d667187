namespace Bytez.Engine.Tensors;

/// <summary>
/// An input or output of a loaded model as its graph declares it: name, element type and dimensions with the batch
/// axis first (-1 for a dynamic one: <c>pixel_values</c> of an Optimum export is [-1, 3, -1, -1]).
/// </summary>
/// <param name="Name">The tensor's name (<c>pixel_values</c>, <c>logits</c>, ...).</param>
/// <param name="Kind">The element type; <see langword="null"/> for a type this runtime neither feeds nor returns.</param>
/// <param name="Dimensions">The declared dimensions, batch axis first, -1 where dynamic.</param>
public sealed record TensorInfo(string Name, TensorElementKind? Kind, IReadOnlyList<long> Dimensions)
{
    /// <summary>The declared dimensions of one row (the batch axis left out).</summary>
    public IReadOnlyList<long> RowDimensions => Dimensions.Count == 0 ? [] : Dimensions.Skip(1).ToArray();

    /// <summary>Whether a row's shape fits the declared row dimensions (same rank; fixed dimensions equal).</summary>
    public bool Accepts(IReadOnlyList<int> rowShape)
    {
        ArgumentNullException.ThrowIfNull(rowShape);
        return Fits(RowDimensions, rowShape);
    }

    /// <summary>Whether a whole feed's shape (batch axis included) fits the declared dimensions (same rank; fixed dimensions equal).</summary>
    public bool AcceptsWhole(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return Fits(Dimensions, shape);
    }

    private static bool Fits(IReadOnlyList<long> declared, IReadOnlyList<int> shape)
    {
        if (declared.Count != shape.Count)
        {
            return false;
        }

        for (var i = 0; i < declared.Count; i++)
        {
            if (declared[i] >= 0 && declared[i] != shape[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The declaration written as <c>pixel_values float32 [?, 3, ?, ?]</c>, for messages.</summary>
    public override string ToString() =>
        $"{Name} {(Kind switch { TensorElementKind.Float => "float32", TensorElementKind.Int64 => "int64", _ => "(unsupported type)" })} {TensorValue.Describe(Dimensions)}";
}
