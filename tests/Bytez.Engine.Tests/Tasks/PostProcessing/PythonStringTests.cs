using Bytez.Engine.Tasks.PostProcessing;

namespace Bytez.Engine.Tests.Tasks.PostProcessing;

/// <summary><see cref="PythonString"/>: code-point indexing as Python's <c>str</c>, where an emoji is one character.</summary>
public sealed class PythonStringTests
{
    [Fact]
    public void Length_CountsAnEmojiOnce()
    {
        var s = new PythonString("a😀b");

        Assert.Equal(3, s.Length);
        Assert.Equal(4, s.Text.Length);
    }

    [Fact]
    public void Slice_UsesCodePoints() => Assert.Equal("b", new PythonString("😀😀b").Slice(2, 3));

    [Fact]
    public void Slice_OutOfRangeOrReversed_AsPython()
    {
        var s = new PythonString("paris");

        Assert.Equal("ris", s.Slice(2, 99));
        Assert.Equal(string.Empty, s.Slice(4, 2));
    }

    [Fact]
    public void CodePointLength_OfAString() => Assert.Equal(2, PythonString.CodePointLength("é😀"));
}
