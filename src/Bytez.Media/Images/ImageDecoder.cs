using System.Runtime.InteropServices;
using SkiaSharp;

namespace Bytez.Media.Images;

/// <summary>
/// Decodes an untrusted encoded image to the 8-bit RGB pixels a Python pipeline holds after transformers'
/// <c>load_image</c>: EXIF orientation applied (<c>ImageOps.exif_transpose</c>), then <c>convert("RGB")</c>, which
/// drops alpha without compositing. The format is sniffed from the bytes; the encoded size and the pixel count the
/// header claims are checked before any pixel is decoded; a truncated file is refused, as PIL refuses it.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Decodes <paramref name="bytes"/> within <paramref name="limits"/>; throws <see cref="MediaException"/> otherwise.</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> bytes, MediaLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (bytes.Length > limits.MaxBytes)
        {
            throw new MediaException(MediaErrorKind.TooLarge,
                $"The image has {bytes.Length} bytes; the most accepted is {limits.MaxBytes} (Bytez:Media:MaxBytes).");
        }

        var format = ImageFormatSniffer.Sniff(bytes) ?? throw new MediaException(MediaErrorKind.Unsupported,
            $"The bytes are not an image this server decodes; expected {ImageFormatSniffer.Accepted}.");

        using var data = SKData.CreateCopy(bytes);
        using var stream = new SKMemoryStream(data);
        using var codec = SKCodec.Create(stream, out var created);
        if (codec is null)
        {
            throw new MediaException(MediaErrorKind.Malformed,
                $"The {format} image cannot be read ({Describe(created)}).");
        }

        var info = codec.Info;
        long pixels = (long)info.Width * info.Height;
        if (info.Width < 1 || info.Height < 1)
        {
            throw new MediaException(MediaErrorKind.Malformed, $"The {format} image has no pixels ({info.Width}×{info.Height}).");
        }

        if (pixels > limits.MaxPixels)
        {
            throw new MediaException(MediaErrorKind.TooLarge,
                $"The image is {info.Width}×{info.Height} = {pixels} pixels; the most accepted is {limits.MaxPixels} (Bytez:Media:MaxPixels).");
        }

        // The RGBA pixels live only until they are packed to RGB: unmanaged memory, so that a photo's megabytes are
        // not one more large-object-heap array per image (docs/benchmarks.md, "Image features").
        var rgbaLength = checked((nuint)(pixels * 4));
        var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        byte[] rgb;
        unsafe
        {
            var rgba = (byte*)NativeMemory.Alloc(rgbaLength);
            try
            {
                // Frame 0 for GIF and animated WebP, as PIL's Image.open shows the first frame.
                var result = codec.GetPixels(target, (IntPtr)rgba, new SKCodecOptions(0));
                if (result != SKCodecResult.Success)
                {
                    // SkiaSharp fills the missing rows of a truncated file (IncompleteInput); PIL raises "image file is
                    // truncated" unless LOAD_TRUNCATED_IMAGES is set, which transformers does not set.
                    throw new MediaException(result == SKCodecResult.Unimplemented ? MediaErrorKind.Unsupported : MediaErrorKind.Malformed,
                        $"The {format} image is {Describe(result)}; expected a complete {format} file.");
                }

                // convert("RGB") drops alpha without compositing: the colour of unpremultiplied pixels is kept as is.
                rgb = new byte[pixels * 3];
                fixed (byte* output = rgb)
                {
                    for (nuint i = 0, o = 0; i < rgbaLength; i += 4, o += 3)
                    {
                        output[o] = rgba[i];
                        output[o + 1] = rgba[i + 1];
                        output[o + 2] = rgba[i + 2];
                    }
                }
            }
            finally
            {
                NativeMemory.Free(rgba);
            }
        }

        // Skia reads the orientation of JPEG and WebP files, not the eXIf chunk of a PNG, which PIL reads.
        int orientation = format == ImageFormat.Png ? ExifOrientation.ReadFromPng(bytes) : (int)codec.EncodedOrigin;
        return ExifOrientation.Apply(new RgbImage(info.Width, info.Height, rgb), orientation);
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "truncated",
        SKCodecResult.ErrorInInput => "corrupt",
        SKCodecResult.InvalidInput => "invalid",
        SKCodecResult.Unimplemented => "in a variant the decoder does not implement",
        _ => $"not decodable ({result})",
    };
}
