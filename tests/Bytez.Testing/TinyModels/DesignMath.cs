namespace Bytez.Testing.TinyModels;

/// <summary>
/// The float32 arithmetic of the Python pipelines (numpy on float32 logits), for the expected values of the tiny
/// models' designs in closed form.
/// </summary>
public static class DesignMath
{
    /// <summary>Softmax shifted by the maximum: float32 exponentials, their sum without drift, each quotient rounded to float32.</summary>
    public static float[] Softmax(params float[] logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var max = logits.Max();
        var exps = logits.Select(x => MathF.Exp(x - max)).ToArray();
        var sum = exps.Sum(e => (double)e);
        return exps.Select(e => (float)(e / sum)).ToArray();
    }

    /// <summary>Whether a JSON number is a float32 value widened to double, as Python prints <c>np.float32</c> scores.</summary>
    public static bool IsFloat32(double value) => (double)(float)value == value;
}
