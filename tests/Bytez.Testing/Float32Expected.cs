namespace Bytez.Testing;

/// <summary>Expected scores in closed form, in the float32 arithmetic of the Python pipelines (numpy/torch on float32 logits).</summary>
public static class Float32Expected
{
    /// <summary>Softmax shifted by the maximum: float32 exponentials summed in double, each quotient rounded to float32.</summary>
    public static float[] Softmax(params float[] logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var max = logits.Max();
        var exps = logits.Select(x => MathF.Exp(x - max)).ToArray();
        var sum = exps.Sum(e => (double)e);
        return exps.Select(e => (float)(e / sum)).ToArray();
    }

    /// <summary>The logistic function in float32.</summary>
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>
    /// Whether a JSON score is a float32 value widened to double (as Python's <c>.item()</c> of a float32 gives it) equal
    /// to the expected one to float32 precision (2e-7: a couple of units in the last place).
    /// </summary>
    public static bool IsScore(float expected, double actual) =>
        (double)(float)actual == actual && Math.Abs(expected - actual) <= 2e-7 * Math.Max(1, Math.Abs(expected));
}
