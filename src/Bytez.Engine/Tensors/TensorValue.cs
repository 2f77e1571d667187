using System.Globalization;

namespace Bytez.Engine.Tensors;

/// <summary>The element types a tensor instance feeds and returns.</summary>
public enum TensorElementKind
{
    /// <summary>32-bit floats (<c>pixel_values</c>, <c>input_values</c>, <c>logits</c>, ...).</summary>
    Float,

    /// <summary>64-bit integers (<c>input_ids</c>, <c>attention_mask</c>, <c>pixel_mask</c>, ...).</summary>
    Int64,
}

/// <summary>
/// One tensor of one row: its values in row-major order and its shape, the batch axis left out (a row's
/// <c>pixel_values</c> is [3, H, W]; its <c>logits</c> [labels]). The values are checked against the shape once, here.
/// </summary>
public sealed class TensorValue
{
    private TensorValue(TensorElementKind kind, float[]? floats, long[]? longs, int[] shape, long count)
    {
        Kind = kind;
        Floats = floats;
        Longs = longs;
        Shape = shape;
        if (count != ElementCount(shape))
        {
            throw new ArgumentException(
                $"The tensor has {count} values; its shape [{string.Join(", ", shape)}] holds {ElementCount(shape)}.", nameof(shape));
        }
    }

    /// <summary>The element type.</summary>
    public TensorElementKind Kind { get; }

    /// <summary>The shape, without the batch axis.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The float values (<see langword="null"/> unless <see cref="Kind"/> is <see cref="TensorElementKind.Float"/>).</summary>
    public float[]? Floats { get; }

    /// <summary>The integer values (<see langword="null"/> unless <see cref="Kind"/> is <see cref="TensorElementKind.Int64"/>).</summary>
    public long[]? Longs { get; }

    /// <summary>How many values the tensor holds.</summary>
    public int Count => Floats?.Length ?? Longs!.Length;

    /// <summary>A float tensor.</summary>
    /// <exception cref="ArgumentException">A dimension is negative or the values do not fill the shape.</exception>
    public static TensorValue Float(float[] values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        return new TensorValue(TensorElementKind.Float, values, null, (int[])shape.Clone(), values.Length);
    }

    /// <summary>An int64 tensor.</summary>
    /// <exception cref="ArgumentException">A dimension is negative or the values do not fill the shape.</exception>
    public static TensorValue Int64(long[] values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        return new TensorValue(TensorElementKind.Int64, null, values, (int[])shape.Clone(), values.Length);
    }

    /// <summary>The float values.</summary>
    /// <exception cref="EngineException">The tensor holds integers (NotSupported, naming what was expected).</exception>
    public float[] AsFloats() => Floats ?? throw EngineException.NotSupported("The model gives int64 values where float32 ones were expected.");

    /// <summary>The shape written as <c>[3, 224, 224]</c>, for messages.</summary>
    public override string ToString() => Describe(Shape);

    /// <summary>A shape written as <c>[3, 224, 224]</c>; negative dimensions (dynamic) as <c>?</c>.</summary>
    public static string Describe(IEnumerable<long> shape) =>
        "[" + string.Join(", ", shape.Select(d => d < 0 ? "?" : d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>A shape written as <c>[3, 224, 224]</c>.</summary>
    public static string Describe(IEnumerable<int> shape) => Describe(shape.Select(d => (long)d));

    private static long ElementCount(int[] shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"The shape [{string.Join(", ", shape)}] has a negative dimension.", nameof(shape));
            }

            count *= d;
        }

        return count;
    }
}
