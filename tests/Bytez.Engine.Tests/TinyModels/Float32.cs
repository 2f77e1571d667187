namespace Bytez.Engine.Tests.TinyModels;

/// <summary>The float32 maths of the Python pipelines (numpy/torch on float32 logits), for expected values in closed form.</summary>
internal static class Float32
{
    /// <summary>
    /// Softmax shifted by the maximum, as the pipelines compute it on float32 logits: float32 exponentials, their sum
    /// accumulated without the drift of a long sequential float32 sum (as torch's and numpy's reductions avoid it),
    /// each quotient rounded to float32.
    /// </summary>
    public static float[] Softmax(float[] logits)
    {
        var max = logits.Max();
        var exps = logits.Select(x => MathF.Exp(x - max)).ToArray();
        var sum = 0.0;
        foreach (var e in exps)
        {
            sum += e;
        }

        return exps.Select(e => (float)(e / sum)).ToArray();
    }

    /// <summary>The logistic function in float32.</summary>
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>The index of the first maximum.</summary>
    public static int ArgMax(float[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
