using Bytez.Engine.Onnx.Embedded;

namespace Bytez.Engine.Tests.Embedded;

public sealed class PaddleOcrTests
{
    [Theory]
    [InlineData("HelloWorld2024", 32f)]
    [InlineData("Invoice-4711", 24f)]
    [InlineData("TOTAL:19.99EUR", 40f)]
    [InlineData("bytez", 64f)]
    public void Read_RenderedLine_ReadsItBackExactly(string text, float size)
    {
        var lines = EmbeddedRunners.PpOcrV4.Read(MediaFixtures.RenderText(text, size), TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(" | ", lines.Select(l => $"{l.Text} {l.Score:F3} [{string.Join(" ", l.Box)}]")));
        var line = Assert.Single(lines);
        Assert.Equal(text, line.Text);
        Assert.True(line.Score > 0.9, $"score {line.Score}");
    }

    [Fact]
    public void Read_BlankImage_FindsNoText()
    {
        var blank = new Bytez.Media.Images.RgbImage(200, 100, Enumerable.Repeat((byte)255, 200 * 100 * 3).ToArray());

        Assert.Empty(EmbeddedRunners.PpOcrV4.Read(blank, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Read_TwoLines_ReadsThemTopToBottom()
    {
        var first = MediaFixtures.RenderText("Invoice2024", 32f);
        var second = MediaFixtures.RenderText("Total:42.00", 32f);
        var width = Math.Max(first.Width, second.Width);
        var rgb = Enumerable.Repeat((byte)255, width * (first.Height + second.Height) * 3).ToArray();
        for (var y = 0; y < first.Height; y++)
        {
            Array.Copy(first.Rgb, y * first.Width * 3, rgb, y * width * 3, first.Width * 3);
        }

        for (var y = 0; y < second.Height; y++)
        {
            Array.Copy(second.Rgb, y * second.Width * 3, rgb, (first.Height + y) * width * 3, second.Width * 3);
        }

        var lines = EmbeddedRunners.PpOcrV4.Read(new Bytez.Media.Images.RgbImage(width, first.Height + second.Height, rgb), TestContext.Current.CancellationToken);

        Assert.Equal(["Invoice2024", "Total:42.00"], lines.Select(l => l.Text));
        Assert.True(lines[0].Box[2].Y <= lines[1].Box[0].Y + 5, "the first line's box should end above the second's");
    }

    [Fact]
    public void Read_UpsideDownLine_IsTurnedByTheDirectionClassifier()
    {
        var upright = MediaFixtures.RenderText("Reading2024", 40f);
        var pixels = upright.Rgb;
        var turned = new byte[pixels.Length];
        var count = upright.Width * upright.Height;
        for (var i = 0; i < count; i++)
        {
            Array.Copy(pixels, i * 3, turned, (count - 1 - i) * 3, 3);
        }

        var lines = EmbeddedRunners.PpOcrV4.Read(new Bytez.Media.Images.RgbImage(upright.Width, upright.Height, turned), TestContext.Current.CancellationToken);

        Assert.Equal("Reading2024", Assert.Single(lines).Text);
    }
}
