namespace Bytez.Media.Audio;

/// <summary>
/// numpy's reductions, bit for bit: <c>np.add.reduce</c> sums blocks of 8192 elements (the iterator's
/// buffer) with its pairwise summation (eight accumulators up to 128 elements, halves above), one block after the
/// other; mean and var divide in float32 as numpy 1.x does.
/// </summary>
internal static class NumpyFloat32
{
    private const int BufferSize = 8192;
    private const int BlockSize = 128;

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

    private static double PairwiseDouble(ReadOnlySpan<double> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            double res = 0;
            for (int i = 0; i < n; i++)
            {
                res += a[i];
            }

            return res;
        }

        if (n <= BlockSize)
        {
            double r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            int i = 8;
            for (; i < n - (n % 8); i += 8)
            {
                r0 += a[i];
                r1 += a[i + 1];
                r2 += a[i + 2];
                r3 += a[i + 3];
                r4 += a[i + 4];
                r5 += a[i + 5];
                r6 += a[i + 6];
                r7 += a[i + 7];
            }

            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++)
            {
                res += a[i];
            }

            return res;
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        return PairwiseDouble(a[..n2]) + PairwiseDouble(a[n2..]);
    }

    private static float Pairwise(ReadOnlySpan<float> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            float res = 0f;
            for (int i = 0; i < n; i++)
            {
                res += a[i];
            }

            return res;
        }

        if (n <= BlockSize)
        {
            float r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            int i = 8;
            for (; i < n - (n % 8); i += 8)
            {
                r0 += a[i];
                r1 += a[i + 1];
                r2 += a[i + 2];
                r3 += a[i + 3];
                r4 += a[i + 4];
                r5 += a[i + 5];
                r6 += a[i + 6];
                r7 += a[i + 7];
            }

            float res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++)
            {
                res += a[i];
            }

            return res;
        }

        int n2 = n / 2;
        n2 -= n2 % 8;
        return Pairwise(a[..n2]) + Pairwise(a[n2..]);
    }
}
