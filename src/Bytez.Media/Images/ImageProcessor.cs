namespace Bytez.Media.Images;

/// <summary>
/// What a model's image processor gives for a batch: <c>pixel_values</c> float32 [batch, 3, height, width] and, for
/// DETR, <c>pixel_mask</c> int64 [batch, height, width] (1 on each image, 0 on its padding).
/// </summary>
public sealed class PixelBatch
{
    internal PixelBatch(float[] pixelValues, long[]? pixelMask, int batch, int height, int width, IReadOnlyList<(int Height, int Width)> sizes)
    {
        PixelValues = pixelValues;
        PixelMask = pixelMask;
        Batch = batch;
        Height = height;
        Width = width;
        Sizes = sizes;
    }

    /// <summary>pixel_values, batch × 3 × <see cref="Height"/> × <see cref="Width"/>, channels first.</summary>
    public float[] PixelValues { get; }

    /// <summary>pixel_mask, batch × <see cref="Height"/> × <see cref="Width"/>, or null when the processor has none.</summary>
    public long[]? PixelMask { get; }

    /// <summary>The number of images.</summary>
    public int Batch { get; }

    /// <summary>The height of each image in the tensor (after crop and padding).</summary>
    public int Height { get; }

    /// <summary>The width of each image in the tensor.</summary>
    public int Width { get; }

    /// <summary>Each image's size after resize and crop, before padding (the region its pixel_mask marks).</summary>
    public IReadOnlyList<(int Height, int Width)> Sizes { get; }

    /// <summary>The pixel_values dimensions: [batch, 3, height, width].</summary>
    public int[] Shape => [Batch, 3, Height, Width];
}

/// <summary>
/// transformers 4.57's slow image processors (the PIL path) for the classes of <see cref="ImageProcessorKind"/>:
/// resize with <see cref="PilResize"/> → center crop (zero padding when the crop is larger) → rescale (float64
/// multiply, then float32) → normalize (float32) → channel flip (MobileViT) → pad (DETR, YOLOS) → channels first.
/// </summary>
public sealed class ImageProcessor(ImageProcessorConfig config)
{
    /// <summary>The configuration followed.</summary>
    public ImageProcessorConfig Config { get; } = config ?? throw new ArgumentNullException(nameof(config));

    /// <summary>The size (height, width) an image of <paramref name="height"/> × <paramref name="width"/> is resized to.</summary>
    public (int Height, int Width) ResizedSize(int height, int width)
    {
        var c = Config;
        var s = c.Size;
        if (!c.DoResize)
        {
            return (height, width);
        }

        switch (c.Kind)
        {
            case ImageProcessorKind.Clip or ImageProcessorKind.MobileVit when s.ShortestEdge is int edge:
                return ShortestEdge(height, width, edge);
            case ImageProcessorKind.ConvNext:
                int shortest = s.ShortestEdge!.Value;
                return shortest < 384 ? ShortestEdge(height, width, (int)(shortest / c.CropPct)) : (shortest, shortest);
            case ImageProcessorKind.Detr or ImageProcessorKind.Yolos when s.ShortestEdge is int edge:
                return AspectRatio(height, width, edge, s.LongestEdge, c.Kind == ImageProcessorKind.Yolos);
            case ImageProcessorKind.Dpt:
                return Dpt(height, width, s.Height!.Value, s.Width!.Value, c.KeepAspectRatio, c.EnsureMultipleOf);
            default:
                return (s.Height!.Value, s.Width!.Value);
        }
    }

    /// <summary>The crop applied after resize, if any: ConvNext's implicit square below 384, or crop_size.</summary>
    private (int Height, int Width)? Crop()
    {
        var c = Config;
        if (c.Kind == ImageProcessorKind.ConvNext)
        {
            return c.DoResize && c.Size.ShortestEdge < 384 ? (c.Size.ShortestEdge.Value, c.Size.ShortestEdge.Value) : null;
        }

        return c.DoCenterCrop && c.Kind is ImageProcessorKind.Deit or ImageProcessorKind.Beit or ImageProcessorKind.Clip or ImageProcessorKind.MobileVit
            ? c.CropSize
            : null;
    }

    /// <summary>Preprocesses one image.</summary>
    public PixelBatch Preprocess(RgbImage image) => Preprocess([image]);

    /// <summary>Preprocesses a batch; DETR and YOLOS pad each image to the batch's largest height and width.</summary>
    public PixelBatch Preprocess(IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw new ArgumentException("Expected at least one image.", nameof(images));
        }

        var c = Config;
        var prepared = new List<RgbImage>(images.Count);
        foreach (var image in images)
        {
            var current = image;
            var (h, w) = ResizedSize(image.Height, image.Width);
            if (c.DoResize)
            {
                current = PilResize.Resize(current, w, h, c.Resample);
            }

            if (Crop() is { } crop)
            {
                current = CenterCrop(current, crop.Height, crop.Width);
            }

            prepared.Add(current);
        }

        bool pad = c.DoPad && c.Kind is ImageProcessorKind.Detr or ImageProcessorKind.Yolos;
        int height = prepared[0].Height, width = prepared[0].Width;
        if (pad)
        {
            height = prepared.Max(p => p.Height);
            width = prepared.Max(p => p.Width);
        }
        else if (prepared.Any(p => p.Height != height || p.Width != width))
        {
            throw new ArgumentException($"The images preprocess to different sizes and a {c.Kind} processor does not pad.", nameof(images));
        }

        long plane = (long)height * width;
        var values = new float[checked(images.Count * 3 * plane)];
        var mask = pad && c.Kind == ImageProcessorKind.Detr ? new long[images.Count * plane] : null;
        Span<float> mean = stackalloc float[3], std = stackalloc float[3];
        for (int ch = 0; ch < 3; ch++)
        {
            mean[ch] = (float)c.ImageMean[ch];
            std[ch] = (float)c.ImageStd[ch];
        }

        for (int b = 0; b < prepared.Count; b++)
        {
            var p = prepared[b];
            for (int ch = 0; ch < 3; ch++)
            {
                // MobileViT's flip_channel_order: channel 0 of the output is blue.
                int source = c.DoFlipChannelOrder ? 2 - ch : ch;
                long outBase = ((b * 3L) + ch) * plane;
                for (int y = 0; y < p.Height; y++)
                {
                    for (int x = 0; x < p.Width; x++)
                    {
                        float v = p.Rgb[(((y * p.Width) + x) * 3) + source];
                        if (c.DoRescale)
                        {
                            v = (float)(p.Rgb[(((y * p.Width) + x) * 3) + source] * c.RescaleFactor);
                        }

                        if (c.DoNormalize)
                        {
                            v = (v - mean[source]) / std[source];
                        }

                        values[outBase + ((long)y * width) + x] = v;
                    }
                }
            }

            if (mask is not null)
            {
                for (int y = 0; y < p.Height; y++)
                {
                    mask.AsSpan((int)((b * plane) + ((long)y * width)), p.Width).Fill(1);
                }
            }
        }

        return new PixelBatch(values, mask, images.Count, height, width, [.. prepared.Select(p => (p.Height, p.Width))]);
    }

    /// <summary>transformers' get_resize_output_image_size(default_to_square=False): the short side to <paramref name="size"/>, the long side truncated.</summary>
    public static (int Height, int Width) ShortestEdge(int height, int width, int size)
    {
        int shortSide = Math.Min(height, width), longSide = Math.Max(height, width);
        int newLong = (int)((double)size * longSide / shortSide);
        return width <= height ? (newLong, size) : (size, newLong);
    }

    /// <summary>DETR's get_size_with_aspect_ratio (YOLOS: its branch order and sides cut to multiples of 16).</summary>
    public static (int Height, int Width) AspectRatio(int height, int width, int size, int? maxSize, bool yolos)
    {
        double? raw = null;
        if (maxSize is int max)
        {
            double minOriginal = Math.Min(height, width), maxOriginal = Math.Max(height, width);
            if (maxOriginal / minOriginal * size > max)
            {
                raw = max * minOriginal / maxOriginal;
                size = (int)Math.Round(raw.Value, MidpointRounding.ToEven);
            }
        }

        bool keep = (height <= width && height == size) || (width <= height && width == size);
        int oh, ow;
        if (!yolos && keep)
        {
            (oh, ow) = (height, width);
        }
        else if (width < height)
        {
            ow = size;
            oh = raw is double r ? (int)(r * height / width) : (int)((double)size * height / width);
        }
        else if (keep)
        {
            (oh, ow) = (height, width);
        }
        else
        {
            oh = size;
            ow = raw is double r ? (int)(r * width / height) : (int)((double)size * width / height);
        }

        if (yolos)
        {
            ow -= ow % 16;
            oh -= oh % 16;
        }

        return (oh, ow);
    }

    /// <summary>DPT's get_resize_output_image_size: scale as little as possible when keeping the aspect ratio, sides rounded to multiples.</summary>
    public static (int Height, int Width) Dpt(int height, int width, int outHeight, int outWidth, bool keepAspectRatio, int multiple)
    {
        double scaleHeight = (double)outHeight / height, scaleWidth = (double)outWidth / width;
        if (keepAspectRatio)
        {
            if (Math.Abs(1 - scaleWidth) < Math.Abs(1 - scaleHeight))
            {
                scaleHeight = scaleWidth;
            }
            else
            {
                scaleWidth = scaleHeight;
            }
        }

        static int Constrain(double value, int multiple)
        {
            int x = (int)(Math.Round(value / multiple, MidpointRounding.ToEven) * multiple);
            return x < 0 ? (int)(Math.Ceiling(value / multiple) * multiple) : x;
        }

        return (Constrain(scaleHeight * height, multiple), Constrain(scaleWidth * width, multiple));
    }

    /// <summary>transformers' center_crop: top = (h − ch) // 2, left = (w − cw) // 2, zeros where the crop is larger than the image.</summary>
    public static RgbImage CenterCrop(RgbImage image, int cropHeight, int cropWidth)
    {
        ArgumentNullException.ThrowIfNull(image);
        int h = image.Height, w = image.Width;
        int top = FloorDiv(h - cropHeight, 2), left = FloorDiv(w - cropWidth, 2);
        int newH = Math.Max(cropHeight, h), newW = Math.Max(cropWidth, w);
        int padTop = (newH - h + 1) / 2, padLeft = (newW - w + 1) / 2;

        // In the padded canvas, the image sits at (padTop, padLeft) and the crop window starts at (top+padTop, left+padLeft).
        int y0 = Math.Max(0, top + padTop), y1 = Math.Min(newH, top + padTop + cropHeight);
        int x0 = Math.Max(0, left + padLeft), x1 = Math.Min(newW, left + padLeft + cropWidth);
        int outH = y1 - y0, outW = x1 - x0;
        var rgb = new byte[outH * outW * 3];
        for (int y = 0; y < outH; y++)
        {
            int sy = y + y0 - padTop;
            if (sy < 0 || sy >= h)
            {
                continue;
            }

            for (int x = 0; x < outW; x++)
            {
                int sx = x + x0 - padLeft;
                if (sx < 0 || sx >= w)
                {
                    continue;
                }

                Array.Copy(image.Rgb, ((sy * w) + sx) * 3, rgb, ((y * outW) + x) * 3, 3);
            }
        }

        return new RgbImage(outW, outH, rgb);
    }

    private static int FloorDiv(int a, int b) => (int)Math.Floor((double)a / b);
}
