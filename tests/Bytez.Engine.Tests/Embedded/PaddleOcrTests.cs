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
}
