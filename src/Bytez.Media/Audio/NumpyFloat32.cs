namespace Bytez.Media.Audio;

/// <summary>
/// numpy's reductions, bit for bit: <c>np.add.reduce</c> sums blocks of 8192 elements (the iterator's
/// buffer) with its pairwise summation (eight accumulators up to 128 elements, halves above), one block after the
/// other; mean and var divide in float32 as numpy 1.x does.
/// </summary>
internal static class NumpyFloat32
{
    private const int BufferSize = 8192;

    /// <summary>np.sum of a float32 array.</summary>
    public static float Sum(ReadOnlySpan<float> a)
    {
        float total = 0f;
        for (int start = 0; start < a.Length; start += BufferSize)
        {
            total += Pairwise(a.Slice(start, Math.Min(BufferSize, a.Length - start)));
        }

        return total;
    }

    /// <summary>np.mean of a float32 array (float32 result).</summary>
    public static float Mean(ReadOnlySpan<float> a) => (float)((double)Sum(a) / a.Length);

    /// <summary>np.var of a float32 array (population variance, float32 throughout).</summary>
    public static float Variance(ReadOnlySpan<float> a, float mean)
    {
        var squares = new float[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            float d = a[i] - mean;
            squares[i] = d * d;
        }

        return (float)((double)Sum(squares) / a.Length);
    }

    /// <summary>np.mean of a float64 array of at most 8192 elements (one pairwise sum, divided in double).</summary>
    public static double MeanOfDoubles(ReadOnlySpan<double> a) => PairwiseDouble(a) / a.Length;

    private static double PairwiseDouble(ReadOnlySpan<double> a) => NumpyPairwise.Sum(a);

    private static float Pairwise(ReadOnlySpan<float> a) => NumpyPairwise.Sum(a);
}
