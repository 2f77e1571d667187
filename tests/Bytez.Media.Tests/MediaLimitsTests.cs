namespace Bytez.Media.Tests;

public sealed class MediaLimitsTests
{
    [Fact]
    public void Defaults_are_valid_and_a_zero_limit_is_refused_by_name()
    {
        new MediaLimits().Validate();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new MediaLimits { MaxPixels = 0 }.Validate());
        Assert.Equal("MaxPixels", e.ParamName);
    }
}
