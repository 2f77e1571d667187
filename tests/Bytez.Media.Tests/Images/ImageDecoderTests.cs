using System.Buffers.Binary;
using Bytez.Media.Images;

namespace Bytez.Media.Tests.Images;

public sealed class ImageDecoderTests
{
    private static readonly MediaLimits Limits = new();

    [Theory]
    [InlineData("rgb.png")]
    [InlineData("rgba.png")]
    [InlineData("l.png")]
    [InlineData("la.png")]
    [InlineData("bilevel.png")]
    [InlineData("p.png")]
    [InlineData("p_trns.png")]
    [InlineData("rgb16.png")]
    [InlineData("rgba16.png")]
    [InlineData("rgb.bmp")]
    [InlineData("p.gif")]
    [InlineData("lossless.webp")]
    [InlineData("exif1.png")]
    [InlineData("exif2.png")]
    [InlineData("exif3.png")]
    [InlineData("exif4.png")]
    [InlineData("exif5.png")]
    [InlineData("exif6.png")]
    [InlineData("exif7.png")]
    [InlineData("exif8.png")]
    // Not l16.png: PIL 9.4 opens 16-bit greyscale as mode "I" and convert("RGB") clips each value to 255, where Skia
    // scales to 8 bits (docs/media.md states the difference).
    public void Lossless_files_decode_to_the_pixels_of_load_image(string name)
    {
        var path = PilFixtures.PathOf(name);
        var (w, h, expected) = PilOracle.Instance.Decode(path);
        var image = ImageDecoder.Decode(File.ReadAllBytes(path), Limits);
        Assert.Equal((w, h), (image.Width, image.Height));
        Assert.Equal(expected, image.Rgb);
    }

    [Theory]
    [InlineData("q90_420.jpg")]
    [InlineData("q95_444.jpg")]
    [InlineData("grey.jpg")]
    [InlineData("exif1.jpg")]
    [InlineData("exif2.jpg")]
    [InlineData("exif3.jpg")]
    [InlineData("exif4.jpg")]
    [InlineData("exif5.jpg")]
    [InlineData("exif6.jpg")]
    [InlineData("exif7.jpg")]
    [InlineData("exif8.jpg")]
    public void Jpeg_decodes_as_PIL_does(string name)
    {
        var path = PilFixtures.PathOf(name);
        var (w, h, expected) = PilOracle.Instance.Decode(path);
        var image = ImageDecoder.Decode(File.ReadAllBytes(path), Limits);
        Assert.Equal((w, h), (image.Width, image.Height));
        var maxDiff = expected.Zip(image.Rgb, (a, b) => Math.Abs(a - b)).Max();
        var differing = expected.Zip(image.Rgb, (a, b) => a != b).Count(d => d);
        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {differing} of {expected.Length} samples differ, by at most {maxDiff}");
        Assert.Equal(expected, image.Rgb);
    }

    [Fact]
    public void A_huge_canvas_claimed_by_a_tiny_png_is_refused_before_decoding()
    {
        var png = Png(100_000, 100_000, colorType: 2, idat: []);
        Assert.True(png.Length < 100);
        // This thread's allocations only: the decoder works on the caller's thread, while tests of other classes run
        // (and allocate) in parallel in the same process.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<MediaException>(() => ImageDecoder.Decode(png, Limits));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(MediaErrorKind.TooLarge, e.Kind);
        Assert.Contains("40000000", e.Message, StringComparison.Ordinal);
        Assert.Contains("100000×100000", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated");
    }

    [Fact]
    public void More_encoded_bytes_than_the_limit_are_refused()
    {
        var bytes = File.ReadAllBytes(PilFixtures.PathOf("rgb.png"));
        var e = Assert.Throws<MediaException>(() => ImageDecoder.Decode(bytes, new MediaLimits { MaxBytes = bytes.Length - 1 }));
        Assert.Equal(MediaErrorKind.TooLarge, e.Kind);
        Assert.Contains($"{bytes.Length - 1}", e.Message, StringComparison.Ordinal);
        Assert.Equal(23, ImageDecoder.Decode(bytes, new MediaLimits { MaxBytes = bytes.Length }).Width);
    }

    [Theory]
    [InlineData("II*\0")] // TIFF
    [InlineData("%PDF-1.4")]
    [InlineData("hello")]
    [InlineData("")]
    public void Other_formats_are_unsupported_naming_the_accepted_ones(string start)
    {
        var e = Assert.Throws<MediaException>(() => ImageDecoder.Decode(System.Text.Encoding.ASCII.GetBytes(start + new string('x', 40)), Limits));
        Assert.Equal(MediaErrorKind.Unsupported, e.Kind);
        Assert.Contains("PNG, JPEG, GIF, WebP or BMP", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rgb.png")]
    [InlineData("q90_420.jpg")]
    [InlineData("p.gif")]
    [InlineData("lossless.webp")]
    [InlineData("rgb.bmp")]
    public void Truncated_files_are_malformed_as_PIL_refuses_them(string name)
    {
        var bytes = File.ReadAllBytes(PilFixtures.PathOf(name));
        foreach (var keep in new[] { bytes.Length * 3 / 4, bytes.Length / 2, 20 })
        {
            var e = Assert.Throws<MediaException>(() => ImageDecoder.Decode(bytes.AsSpan(0, keep), Limits));
            Assert.Equal(MediaErrorKind.Malformed, e.Kind);
        }
    }

    [Fact]
    public void Corrupt_bytes_after_a_valid_header_are_malformed_never_a_crash()
    {
        var bytes = File.ReadAllBytes(PilFixtures.PathOf("q90_420.jpg"));
        var random = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            var copy = (byte[])bytes.Clone();
            for (int k = 0; k < 10; k++)
            {
                copy[random.Next(4, copy.Length)] = (byte)random.Next(256);
            }

            try
            {
                var image = ImageDecoder.Decode(copy, Limits);
                Assert.Equal(image.Width * image.Height * 3, image.Rgb.Length);
            }
            catch (MediaException e)
            {
                Assert.NotEqual(MediaErrorKind.Unsupported, e.Kind);
            }
        }
    }

    /// <summary>A minimal PNG: signature, IHDR, one IDAT, IEND.</summary>
    private static byte[] Png(int width, int height, byte colorType, byte[] idat)
    {
        var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = colorType;
        Chunk(ms, "IHDR", ihdr);
        Chunk(ms, "IDAT", idat);
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void Chunk(Stream s, string kind, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var body = System.Text.Encoding.ASCII.GetBytes(kind).Concat(data).ToArray();
        s.Write(body);
        BinaryPrimitives.WriteUInt32BigEndian(len, Crc32(body));
        s.Write(len);
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
