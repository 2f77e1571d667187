using Bytez.Engine.Onnx.Embedded;
using Bytez.Media.Images;

namespace Bytez.Engine.Tests.Embedded;

public sealed class ResNet18FeaturizerTests
{
    [Fact]
    public void InputPlanes_WideImage_AreTheCentreSquareAsRgbPlanes()
    {
        // 448×224: the shorter side is already 224, so the input is the centre 224×224 square, pixel for pixel.
        var rgb = new byte[448 * 224 * 3];
        for (var y = 0; y < 224; y++)
        {
            for (var x = 0; x < 448; x++)
            {
                var o = ((y * 448) + x) * 3;
                (rgb[o], rgb[o + 1], rgb[o + 2]) = ((byte)(x % 256), (byte)y, (byte)((x + y) % 256));
            }
        }

        var planes = ResNet18Featurizer.InputPlanes(new RgbImage(448, 224, rgb));

        const int Plane = 224 * 224;
        Assert.Equal(3 * Plane, planes.Length);
        foreach (var (x, y) in new[] { (0, 0), (5, 7), (223, 223), (100, 200) })
        {
            var sx = x + 112;
            Assert.Equal(sx % 256, planes[(y * 224) + x]);
            Assert.Equal(y, planes[Plane + (y * 224) + x]);
            Assert.Equal((sx + y) % 256, planes[(2 * Plane) + (y * 224) + x]);
        }
    }

    [Theory]
    [InlineData("dog")]
    [InlineData("eagle")]
    [InlineData("giraffe")]
    [InlineData("horses")]
    [InlineData("person")]
    public void Features_PhotoAndItsFlippedCrop_AreClose(string name)
    {
        var photo = MediaFixtures.Photo(name);
        var features = EmbeddedRunners.ResNet18.Features(photo, TestContext.Current.CancellationToken);
        var flipped = EmbeddedRunners.ResNet18.Features(Bytez.Testing.RealMedia.FlippedCrop(photo, 0.9), TestContext.Current.CancellationToken);

        Assert.Equal(ResNet18Featurizer.Dimensions, features.Length);
        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: cosine with its flipped crop {Cosine(features, flipped):F3}");
        Assert.True(Cosine(features, flipped) >= 0.8, $"{name}: cosine {Cosine(features, flipped):F3} with its flipped crop, expected at least 0.8");
    }

    [Theory]
    [InlineData("dog", "eagle")]
    [InlineData("dog", "giraffe")]
    [InlineData("eagle", "horses")]
    [InlineData("giraffe", "person")]
    [InlineData("horses", "kite")]
    public void Features_DifferentPhotos_AreFar(string first, string second)
    {
        var a = EmbeddedRunners.ResNet18.Features(MediaFixtures.Photo(first), TestContext.Current.CancellationToken);
        var b = EmbeddedRunners.ResNet18.Features(MediaFixtures.Photo(second), TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine($"{first}/{second}: cosine {Cosine(a, b):F3}");
        Assert.True(Cosine(a, b) <= 0.65, $"{first}/{second}: cosine {Cosine(a, b):F3}, expected at most 0.65");
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
