using System.Numerics;

namespace Bytez.Media;

/// <summary>
/// numpy's pairwise summation of one contiguous run (<c>pairwise_sum</c>, <c>PW_BLOCKSIZE</c> 128): sequential below
/// 8 values, eight running sums up to 128, halves (rounded down to a multiple of 8) above. The one copy used by every
/// computation that must end on numpy's last digit (softmax denominators, feature normalisation).
/// </summary>
public static class NumpyPairwise
{
    private const int BlockSize = 128;

    /// <summary>The sum numpy computes for <paramref name="values"/> in their own precision (float32 or float64).</summary>
    public static T Sum<T>(ReadOnlySpan<T> values)
        where T : IFloatingPointIeee754<T>
    {
        var n = values.Length;
        if (n < 8)
        {
            var sum = T.Zero;
            foreach (var v in values)
            {
                sum += v;
            }

            return sum;
        }

        if (n <= BlockSize)
        {
            T r0 = values[0], r1 = values[1], r2 = values[2], r3 = values[3];
            T r4 = values[4], r5 = values[5], r6 = values[6], r7 = values[7];
            var i = 8;
            for (; i < n - (n % 8); i += 8)
            {
                r0 += values[i];
                r1 += values[i + 1];
                r2 += values[i + 2];
                r3 += values[i + 3];
                r4 += values[i + 4];
                r5 += values[i + 5];
                r6 += values[i + 6];
                r7 += values[i + 7];
            }

            var res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++)
            {
                res += values[i];
            }

            return res;
        }

        var half = n / 2;
        half -= half % 8;
        return Sum(values[..half]) + Sum(values[half..]);
    }
}
