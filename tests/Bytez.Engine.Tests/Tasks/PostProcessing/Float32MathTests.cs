using Bytez.Engine.Tasks.PostProcessing;

namespace Bytez.Engine.Tests.Tasks.PostProcessing;

/// <summary>
/// <see cref="Float32Math"/> against numpy's float32 rules, with values worked out by hand (float32 has a 24-bit
/// significand: around 1e8 the spacing is 8, so adding 1 is lost and adding 4 is a tie that rounds to even).
/// </summary>
public sealed class Float32MathTests
{
    [Fact]
    public void PairwiseSum_SixteenValues_UsesEightRunningSums()
    {
        // [1e8, 1 × 15]: sequentially every +1 is lost (1e8). numpy: r0 = 1e8 + a[8] = 1e8, r1..r7 = 2;
        // ((1e8 + 2) + 4) + (4 + 4): 1e8 + 2 → 1e8; 1e8 + 4 is a tie → 1e8 (even); + 8 → 100000008.
        var values = new float[16];
        Array.Fill(values, 1f);
        values[0] = 1e8f;

        Assert.Equal(100000008f, Float32Math.PairwiseSum(values));
    }

    [Fact]
    public void PairwiseSum_FewerThanEight_IsSequential()
    {
        // 1e8 + 1 + 1 + ... : each +1 is lost one at a time; a pairwise order would have kept some.
        float[] values = [1e8f, 1f, 1f, 1f, 1f, 1f, 1f];

        Assert.Equal(1e8f, Float32Math.PairwiseSum(values));
    }

    [Fact]
    public void SoftmaxShifted_FiveZeroZero_IsOneOverOnePlusTwoExpMinusFive()
    {
        var p = new float[3];

        Float32Math.SoftmaxShifted([5f, 0f, 0f], p);

        var e = MathF.Exp(-5f);
        var sum = 1f + e + e;
        Assert.Equal(1f / sum, p[0]);
        Assert.Equal(e / sum, p[1]);
        Assert.Equal(p[1], p[2]);
    }

    [Fact]
    public void SoftmaxShifted_HugeLogits_DoNotOverflow()
    {
        var p = new float[2];

        Float32Math.SoftmaxShifted([1000f, 0f], p);

        Assert.Equal(1f, p[0]);
        Assert.Equal(0f, p[1]);
    }

    [Fact]
    public void SoftmaxUnshifted_HugeLogits_OverflowToNaN_AsNumpyDoes()
    {
        // np.exp(1000) = inf in float32; inf / inf = nan.
        var p = new float[2];

        Float32Math.SoftmaxUnshifted([1000f, 0f], p);

        Assert.True(float.IsNaN(p[0]));
        Assert.Equal(0f, p[1]);
    }

    [Fact]
    public void SoftmaxTorch_MultipliesByTheReciprocalOfTheSum()
    {
        var p = new float[3];

        Float32Math.SoftmaxTorch([2f, 0f, 0f], p);

        var e = MathF.Exp(-2f);
        var inverse = 1f / (1f + e + e);
        Assert.Equal(inverse, p[0]);
        Assert.Equal(e * inverse, p[1]);
    }

    [Fact]
    public void ArgMax_Ties_TakeTheFirst() => Assert.Equal(1, Float32Math.ArgMax([0f, 3f, 3f, 1f]));

    [Fact]
    public void NanMean_IgnoresNaN() => Assert.Equal(2f, Float32Math.NanMean([1f, float.NaN, 3f]));

    [Fact]
    public void Sigmoid_Two_IsOneOverOnePlusExpMinusTwo() => Assert.Equal(1f / (1f + MathF.Exp(-2f)), Float32Math.Sigmoid(2f));
}
