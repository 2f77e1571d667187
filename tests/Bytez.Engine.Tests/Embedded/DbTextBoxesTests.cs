using Bytez.Engine.Onnx.Embedded;

namespace Bytez.Engine.Tests.Embedded;

public sealed class DbTextBoxesTests
{
    private static readonly DbTextBoxes.Settings Defaults = new();

    [Fact]
    public void Find_OneRectangle_IsGrownByTheUnclipDistance()
    {
        // Pixels x 20..59, y 10..19 are text: the region's rectangle through the pixel centres is 39 × 9, so the unclip
        // distance is 39·9·1.5 / (2·(39+9)) = 5.484375 and the box is 49.97 × 19.97 around (39.5, 14.5).
        var map = Map(100, 50, (20, 10, 40, 10, 0.9f));

        var box = Assert.Single(DbTextBoxes.Find(map, 100, 50, 100, 50, Defaults));

        Assert.Equal([new(15, 5), new(64, 5), new(64, 24), new(15, 24)], box);
    }

    [Fact]
    public void Find_MapSmallerThanImage_ScalesTheBox()
    {
        var map = Map(100, 50, (20, 10, 40, 10, 0.9f));

        var box = Assert.Single(DbTextBoxes.Find(map, 100, 50, 200, 100, Defaults));

        // round(14.515625 × 2) = 29, round(64.484375 × 2) = 129, round(4.515625 × 2) = 9, round(24.484375 × 2) = 49.
        Assert.Equal([new(29, 9), new(129, 9), new(129, 49), new(29, 49)], box);
    }

    [Fact]
    public void Find_FaintOrTinyRegions_AreDropped()
    {
        // Above the pixel threshold (0.3) but under the box threshold (0.6); and a 2 × 2 speck under the least size.
        var map = Map(100, 50, (10, 10, 40, 10, 0.5f), (80, 40, 2, 2, 1f));

        Assert.Empty(DbTextBoxes.Find(map, 100, 50, 100, 50, Defaults));
    }

    [Fact]
    public void Find_TwoLinesAndTwoWords_ComeInReadingOrder()
    {
        var map = Map(200, 100, (120, 10, 40, 10, 0.9f), (20, 12, 40, 10, 0.9f), (20, 60, 60, 10, 0.9f));

        var boxes = DbTextBoxes.Find(map, 200, 100, 200, 100, Defaults);

        // The first line's two words (their tops 2 pixels apart) left to right, then the second line, whose 59 × 9
        // rectangle grows by 59·9·1.5 / 136 = 5.86: round(49.5 − 29.5 − 5.86) = 14.
        Assert.Equal([15, 115, 14], boxes.Select(b => (int)b[0].X));
    }

    private static float[] Map(int width, int height, params (int X, int Y, int W, int H, float P)[] regions)
    {
        var map = new float[width * height];
        foreach (var (x0, y0, w, h, p) in regions)
        {
            for (var y = y0; y < y0 + h; y++)
            {
                for (var x = x0; x < x0 + w; x++)
                {
                    map[(y * width) + x] = p;
                }
            }
        }

        return map;
    }
}
