namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// The float32 arithmetic of the Python pipelines, operation for operation: numpy's pairwise summation, numpy's
/// max-shifted softmax (text, token classification, question answering), the unshifted exponent normalisation of
/// zero-shot, and torch's softmax (fill-mask: the sum's reciprocal times each exponent). Every step rounds to float32
/// as numpy/torch do; only <c>exp</c> itself may differ from numpy's SIMD exp in the last bit.
/// </summary>
public static class Float32Math
{
    /// <summary>
    /// The sum numpy computes for a float32 <c>np.sum</c> over one axis: sequential below 8 elements, eight running
    /// sums up to 128, halves (rounded down to a multiple of 8) above that.
    /// </summary>
    public static float PairwiseSum(ReadOnlySpan<float> values) => Bytez.Media.NumpyPairwise.Sum(values);

    /// <summary>
    /// numpy's softmax of one row as the pipelines write it: <c>e = exp(x - max(x)); e / e.sum()</c>, in float32.
    /// </summary>
    public static void SoftmaxShifted(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        CheckSameLength(logits, probabilities);
        var max = Max(logits);
        for (var i = 0; i < logits.Length; i++)
        {
            probabilities[i] = MathF.Exp(logits[i] - max);
        }

        var sum = PairwiseSum(probabilities);
        for (var i = 0; i < probabilities.Length; i++)
        {
            probabilities[i] /= sum;
        }
    }

    /// <summary>
    /// The zero-shot pipeline's normalisation: <c>np.exp(x) / np.exp(x).sum()</c> WITHOUT the max shift, so logits
    /// above ~88 overflow to infinity and give NaN, as in Python.
    /// </summary>
    public static void SoftmaxUnshifted(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        CheckSameLength(logits, probabilities);
        for (var i = 0; i < logits.Length; i++)
        {
            probabilities[i] = MathF.Exp(logits[i]);
        }

        var sum = PairwiseSum(probabilities);
        for (var i = 0; i < probabilities.Length; i++)
        {
            probabilities[i] /= sum;
        }
    }

    /// <summary>
    /// torch's CPU softmax over the last dimension (<c>logits.softmax(-1)</c> in fill-mask): <c>exp(x - max)</c>, then
    /// each multiplied by the reciprocal of the sum. torch sums in SIMD lanes; the pairwise sum used here can differ
    /// from it in the last bit of the sum.
    /// </summary>
    public static void SoftmaxTorch(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        CheckSameLength(logits, probabilities);
        var max = Max(logits);
        for (var i = 0; i < logits.Length; i++)
        {
            probabilities[i] = MathF.Exp(logits[i] - max);
        }

        var inverse = 1f / PairwiseSum(probabilities);
        for (var i = 0; i < probabilities.Length; i++)
        {
            probabilities[i] *= inverse;
        }
    }

    /// <summary>The logistic function in float32, as torch computes it: <c>1 / (1 + exp(-x))</c>.</summary>
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>The index of the first largest value (numpy's <c>argmax</c>; a NaN wins, as in numpy).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("argmax of an empty row.", nameof(values));
        }

        var best = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
            {
                return i;
            }

            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>The largest value (numpy's <c>max</c>: NaN if any value is NaN).</summary>
    public static float Max(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("max of an empty row.", nameof(values));
        }

        var max = values[0];
        foreach (var v in values)
        {
            if (float.IsNaN(v))
            {
                return v;
            }

            if (v > max)
            {
                max = v;
            }
        }

        return max;
    }

    /// <summary>
    /// numpy's <c>nanmean</c> of a 1-D float32 array: NaNs replaced by 0 for a pairwise sum, divided by the count of
    /// non-NaN values (NaN when there are none).
    /// </summary>
    public static float NanMean(ReadOnlySpan<float> values)
    {
        var count = 0;
        var buffer = values.Length <= 256 ? stackalloc float[values.Length] : new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
            {
                buffer[i] = 0f;
            }
            else
            {
                buffer[i] = values[i];
                count++;
            }
        }

        // numpy divides the float32 sum by an integer count in double and rounds to float32; for one division
        // that equals the float32 quotient (double rounding is innocuous for division).
        return count == 0 ? float.NaN : PairwiseSum(buffer) / count;
    }

    private static void CheckSameLength(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        if (logits.Length != probabilities.Length)
        {
            throw new ArgumentException("The output row differs in length from the logits.", nameof(probabilities));
        }

        if (logits.IsEmpty)
        {
            throw new ArgumentException("softmax of an empty row.", nameof(logits));
        }
    }
}
