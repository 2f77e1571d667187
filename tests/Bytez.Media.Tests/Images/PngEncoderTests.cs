using System.Text.Json.Nodes;
using Bytez.Media.Images;

namespace Bytez.Media.Tests.Images;

public sealed class PngEncoderTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(37, 19)]
    [InlineData(256, 3)]
    public void A_grey_mask_is_read_back_by_PIL_as_mode_L_with_the_same_values(int w, int h)
    {
        var grey = new byte[w * h];
        new Random(w * h).NextBytes(grey);
        grey[0] = 0;
        grey[^1] = 255;
        var path = Path.Combine(PilFixtures.Dir, $"grey{w}x{h}.png");
        File.WriteAllBytes(path, PngEncoder.EncodeGrey(grey, w, h));
        var (header, data) = PilOracle.Instance.Ask(new JsonObject { ["op"] = "read", ["path"] = path });
        Assert.Equal(("PNG", "L", w, h), ((string)header["format"]!, (string)header["mode"]!, (int)header["w"]!, (int)header["h"]!));
        Assert.Equal(grey, data);

        var back = ImageDecoder.Decode(File.ReadAllBytes(path), new MediaLimits());
        Assert.Equal(grey, back.Rgb.Where((_, i) => i % 3 == 0).ToArray());
    }

    [Fact]
    public void An_rgb_image_round_trips_through_our_decoder_and_PIL()
    {
        var rgb = new byte[41 * 23 * 3];
        new Random(3).NextBytes(rgb);
        var image = new RgbImage(41, 23, rgb);
        var path = Path.Combine(PilFixtures.Dir, "encoded-rgb.png");
        File.WriteAllBytes(path, PngEncoder.EncodeRgb(image));
        var (header, data) = PilOracle.Instance.Ask(new JsonObject { ["op"] = "read", ["path"] = path });
        Assert.Equal("RGB", (string)header["mode"]!);
        Assert.Equal(rgb, data);
        Assert.Equal(rgb, ImageDecoder.Decode(File.ReadAllBytes(path), new MediaLimits()).Rgb);
    }

    [Fact]
    public void A_wrong_pixel_count_is_refused()
        => Assert.Throws<ArgumentException>(() => PngEncoder.EncodeGrey(new byte[5], 2, 2));
}
