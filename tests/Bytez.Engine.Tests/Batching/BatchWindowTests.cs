using Bytez.Engine.Onnx.Batching;
using CsCheck;

namespace Bytez.Engine.Tests.Batching;

public sealed class BatchWindowTests
{
    [Fact]
    public void Fullest_TwoGroupsOfFour_TakesTheGroupWithLessPadding()
    {
        // Padded sizes: 4 × 6 = 24 for 22 real tokens (2 of padding); 4 × 22 = 88 for 85 (3); 60 fits neither.
        int[] lengths = [5, 5, 6, 6, 20, 21, 22, 22, 60];

        var (lo, hi) = BatchWindow.Fullest(lengths.Length, i => lengths[i], size: 8, paddingLimit: 1.2);

        Assert.Equal((0, 3), (lo, hi));
    }

    [Fact]
    public void Fullest_LargerGroupFurtherUp_TakesTheLargerGroup()
    {
        int[] lengths = [3, 5, 20, 20, 21, 21, 22];

        var (lo, hi) = BatchWindow.Fullest(lengths.Length, i => lengths[i], size: 8, paddingLimit: 1.2);

        Assert.Equal((2, 6), (lo, hi));
    }

    [Fact]
    public void Fullest_SizeSmallerThanGroup_TakesAtMostSize()
    {
        int[] lengths = [10, 10, 10, 10, 10, 10];

        var (lo, hi) = BatchWindow.Fullest(lengths.Length, i => lengths[i], size: 4, paddingLimit: 1.2);

        Assert.Equal(4, hi - lo + 1);
    }

    [Fact]
    public void Fullest_RequiredOutlier_IsTakenEvenAlone()
    {
        int[] lengths = [5, 5, 6, 6, 60];

        var (lo, hi) = BatchWindow.Fullest(lengths.Length, i => lengths[i], size: 8, paddingLimit: 1.2, required: 4);

        Assert.Equal((4, 4), (lo, hi));
    }

    [Fact]
    public void Fullest_RequiredInsideAGroup_TakesTheGroupAroundIt()
    {
        int[] lengths = [5, 5, 6, 6, 20, 21, 22, 22, 60];

        var (lo, hi) = BatchWindow.Fullest(lengths.Length, i => lengths[i], size: 8, paddingLimit: 1.2, required: 6);

        Assert.Equal((4, 7), (lo, hi));
    }

    [Fact]
    public void Fullest_RandomQueues_WithinTheBoundAndAsFullAsTheBruteForceBest()
    {
        // Oracle: every window of the sorted queue tried, the most rows within the bound (and holding the required row).
        var queues = Gen.Select(Gen.Int[1, 200].Array[1, 40], Gen.Int[1, 12], Gen.Int[-1, 39]);
        queues.Sample((raw, size, requiredRaw) =>
        {
            var lengths = raw.Order().ToArray();
            var required = requiredRaw < lengths.Length ? requiredRaw : -1;
            var (lo, hi) = BatchWindow.Fullest(lengths.Length, i => lengths[i], size, 1.2, required);

            var rows = hi - lo + 1;
            Assert.InRange(rows, 1, size);
            Assert.True(rows == 1 || rows * (long)lengths[hi] <= 1.2 * lengths[lo..(hi + 1)].Sum(),
                $"window [{lo}, {hi}] pads past the bound");
            if (required >= 0)
            {
                Assert.InRange(required, lo, hi);
            }

            var best = 1;
            for (var a = 0; a < lengths.Length; a++)
            {
                for (var b = a; b < lengths.Length && b - a + 1 <= size; b++)
                {
                    var inside = required < 0 || (a <= required && required <= b);
                    if (inside && (b - a + 1) * (long)lengths[b] <= 1.2 * lengths[a..(b + 1)].Sum())
                    {
                        best = Math.Max(best, b - a + 1);
                    }
                }
            }

            Assert.Equal(best, rows);
        }, seed: PropertySeed.Value, iter: 2000);
    }
}
