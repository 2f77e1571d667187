using Bytez.Media.Images;
using CsCheck;

namespace Bytez.Media.Tests.Images;

public sealed class PilResizeTests
{
    private static RgbImage Noise(int w, int h, int seed)
    {
        var rgb = new byte[w * h * 3];
        new Random(seed).NextBytes(rgb);
        return new RgbImage(w, h, rgb);
    }

    private static void AssertLikePil(RgbImage image, int nw, int nh, PilResample filter)
    {
        var expected = PilOracle.Instance.Resize(image.Width, image.Height, image.Rgb, nw, nh, (int)filter);
        var actual = PilResize.Resize(image, nw, nh, filter);
        Assert.Equal((nw, nh), (actual.Width, actual.Height));
        if (!expected.AsSpan().SequenceEqual(actual.Rgb))
        {
            int at = expected.AsSpan().CommonPrefixLength(actual.Rgb);
            Assert.Fail($"{image.Width}×{image.Height} → {nw}×{nh} {filter}: sample {at} is {actual.Rgb[at]}, PIL has {expected[at]}");
        }
    }

    [Fact]
    public void Random_images_resize_bit_exactly_as_PIL_in_every_filter_down_and_up()
    {
        var size = Gen.Frequency((3, Gen.Int[1, 40]), (1, Gen.Int[41, 300]));
        Gen.Select(size, size, size, size, Gen.Int[0, 5], Gen.Int)
            .Where(t => (long)t.Item1 * t.Item2 <= 20_000 && (long)t.Item3 * t.Item4 <= 20_000)
            .Sample((w, h, nw, nh, f, seed) => AssertLikePil(Noise(w, h, seed), nw, nh, (PilResample)f), iter: 600);
    }

    [Theory]
    [InlineData(640, 480, 224, 224)] // ViT warp
    [InlineData(480, 640, 224, 298)] // CLIP shortest edge
    [InlineData(1000, 3, 7, 3)]      // a strong horizontal reduction only
    [InlineData(3, 1000, 3, 5)]      // a strong vertical reduction only
    [InlineData(1, 1, 97, 13)]       // one pixel up
    [InlineData(97, 13, 1, 1)]       // down to one pixel
    [InlineData(5, 7, 300, 2)]       // up one way, down the other
    [InlineData(224, 224, 224, 224)] // same size: a copy
    public void Extreme_ratios_and_one_pixel_edges_match_PIL(int w, int h, int nw, int nh)
    {
        for (int f = 0; f <= 5; f++)
        {
            AssertLikePil(Noise(w, h, w + (h * 7) + f), nw, nh, (PilResample)f);
        }
    }

    [Fact]
    public void A_two_by_two_box_average_of_a_checker_is_grey_by_design()
    {
        // 4×4 checker of 0 and 255 → 2×2 box: every output pixel averages two 0s and two 255s = 127.5 → 128.
        var rgb = new byte[4 * 4 * 3];
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < 4; x++)
            {
                rgb.AsSpan(((y * 4) + x) * 3, 3).Fill((byte)(((x + y) & 1) * 255));
            }
        }

        var half = PilResize.Resize(new RgbImage(4, 4, rgb), 2, 2, PilResample.Box);
        Assert.All(half.Rgb, v => Assert.Equal(128, v));
    }
}
