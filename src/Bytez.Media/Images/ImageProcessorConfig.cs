using System.Text.Json;

namespace Bytez.Media.Images;

/// <summary>The image processor classes of transformers 4.57 whose slow (PIL) path <see cref="ImageProcessor"/> reproduces.</summary>
public enum ImageProcessorKind
{
    /// <summary>ViTImageProcessor: warp to size {height, width}.</summary>
    Vit,

    /// <summary>DeiTImageProcessor: warp, then center crop.</summary>
    Deit,

    /// <summary>BeitImageProcessor: warp, then center crop.</summary>
    Beit,

    /// <summary>SiglipImageProcessor: warp.</summary>
    Siglip,

    /// <summary>CLIPImageProcessor and BitImageProcessor (DINOv2): shortest edge, then center crop.</summary>
    Clip,

    /// <summary>ConvNextImageProcessor: the crop_pct rule below 384.</summary>
    ConvNext,

    /// <summary>DetrImageProcessor: shortest/longest edge, pad to the batch's largest with pixel_mask.</summary>
    Detr,

    /// <summary>YolosImageProcessor: DETR's rule with sides cut to multiples of 16; padded, no mask.</summary>
    Yolos,

    /// <summary>SegformerImageProcessor: warp.</summary>
    Segformer,

    /// <summary>DPTImageProcessor: keep_aspect_ratio and ensure_multiple_of.</summary>
    Dpt,

    /// <summary>MobileViTImageProcessor: shortest edge, center crop, rescale only, BGR.</summary>
    MobileVit,
}

/// <summary>An output size rule: either <see cref="Height"/> × <see cref="Width"/>, or a <see cref="ShortestEdge"/> (and <see cref="LongestEdge"/>).</summary>
public sealed record ImageSize(int? Height, int? Width, int? ShortestEdge, int? LongestEdge);

/// <summary>
/// A model's preprocessor_config.json as transformers 4.57 reads it, with each class's defaults for absent keys.
/// The file is untrusted: at most 1 MiB; a key of the wrong type is refused naming the key and what was expected.
/// </summary>
public sealed class ImageProcessorConfig
{
    /// <summary>The largest preprocessor_config.json read.</summary>
    public const int MaxBytes = 1 << 20;

    private static readonly Dictionary<string, ImageProcessorKind> Kinds = new(StringComparer.Ordinal)
    {
        ["ViT"] = ImageProcessorKind.Vit,
        ["DeiT"] = ImageProcessorKind.Deit,
        ["Beit"] = ImageProcessorKind.Beit,
        ["Siglip"] = ImageProcessorKind.Siglip,
        ["CLIP"] = ImageProcessorKind.Clip,
        ["Bit"] = ImageProcessorKind.Clip,
        ["ConvNext"] = ImageProcessorKind.ConvNext,
        ["Detr"] = ImageProcessorKind.Detr,
        ["Yolos"] = ImageProcessorKind.Yolos,
        ["Segformer"] = ImageProcessorKind.Segformer,
        ["DPT"] = ImageProcessorKind.Dpt,
        ["MobileViT"] = ImageProcessorKind.MobileVit,
    };

    private static readonly double[] Half = [0.5, 0.5, 0.5];
    private static readonly double[] ImageNetMean = [0.485, 0.456, 0.406];
    private static readonly double[] ImageNetStd = [0.229, 0.224, 0.225];
    private static readonly double[] ClipMean = [0.48145466, 0.4578275, 0.40821073];
    private static readonly double[] ClipStd = [0.26862954, 0.26130258, 0.27577711];

    /// <summary>The processor class.</summary>
    public ImageProcessorKind Kind { get; init; }

    /// <summary>do_resize.</summary>
    public bool DoResize { get; init; } = true;

    /// <summary>size, normalised as get_size_dict does.</summary>
    public required ImageSize Size { get; init; }

    /// <summary>resample.</summary>
    public PilResample Resample { get; init; }

    /// <summary>do_center_crop.</summary>
    public bool DoCenterCrop { get; init; }

    /// <summary>crop_size as (height, width).</summary>
    public (int Height, int Width) CropSize { get; init; }

    /// <summary>do_rescale.</summary>
    public bool DoRescale { get; init; } = true;

    /// <summary>rescale_factor (a Python float: double).</summary>
    public double RescaleFactor { get; init; } = 1 / 255.0;

    /// <summary>do_normalize.</summary>
    public bool DoNormalize { get; init; } = true;

    /// <summary>image_mean per channel.</summary>
    public IReadOnlyList<double> ImageMean { get; init; } = Half;

    /// <summary>image_std per channel.</summary>
    public IReadOnlyList<double> ImageStd { get; init; } = Half;

    /// <summary>crop_pct (ConvNext).</summary>
    public double CropPct { get; init; } = 224 / 256.0;

    /// <summary>do_pad (DETR, YOLOS).</summary>
    public bool DoPad { get; init; }

    /// <summary>keep_aspect_ratio (DPT).</summary>
    public bool KeepAspectRatio { get; init; }

    /// <summary>ensure_multiple_of (DPT).</summary>
    public int EnsureMultipleOf { get; init; } = 1;

    /// <summary>do_flip_channel_order (MobileViT): RGB to BGR.</summary>
    public bool DoFlipChannelOrder { get; init; }

    /// <summary>Reads a preprocessor_config.json; throws <see cref="FormatException"/> naming the key at fault.</summary>
    public static ImageProcessorConfig Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxBytes)
        {
            throw new FormatException($"preprocessor_config.json has {json.Length} bytes; the most read is {MaxBytes}.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new FormatException($"preprocessor_config.json is not JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("preprocessor_config.json must be a JSON object.");
            }

            var typeName = Str(root, "image_processor_type") ?? Str(root, "feature_extractor_type")
                ?? throw new FormatException("preprocessor_config.json has no \"image_processor_type\" (a string such as \"ViTImageProcessor\").");
            var stem = typeName.EndsWith("ImageProcessor", StringComparison.Ordinal) ? typeName[..^"ImageProcessor".Length]
                : typeName.EndsWith("FeatureExtractor", StringComparison.Ordinal) ? typeName[..^"FeatureExtractor".Length]
                : typeName;
            if (!Kinds.TryGetValue(stem, out var kind))
            {
                throw new FormatException($"\"image_processor_type\" is \"{typeName}\"; this server reproduces {string.Join(", ", Kinds.Keys.Select(k => k + "ImageProcessor"))}.");
            }

            return Read(root, kind);
        }
    }

    private static ImageProcessorConfig Read(JsonElement root, ImageProcessorKind kind)
    {
        // Each class's constructor defaults (transformers 4.57, models/<name>/image_processing_<name>.py).
        var (size, resample, crop, crop_size, mean, std) = kind switch
        {
            ImageProcessorKind.Vit => (new ImageSize(224, 224, null, null), PilResample.Bilinear, false, 224, Half, Half),
            ImageProcessorKind.Deit => (new ImageSize(256, 256, null, null), PilResample.Bicubic, true, 224, Half, Half),
            ImageProcessorKind.Beit => (new ImageSize(256, 256, null, null), PilResample.Bicubic, true, 224, Half, Half),
            ImageProcessorKind.Siglip => (new ImageSize(224, 224, null, null), PilResample.Bicubic, false, 224, Half, Half),
            ImageProcessorKind.Clip => (new ImageSize(null, null, 224, null), PilResample.Bicubic, true, 224, ClipMean, ClipStd),
            ImageProcessorKind.ConvNext => (new ImageSize(null, null, 384, null), PilResample.Bilinear, false, 224, ImageNetMean, ImageNetStd),
            ImageProcessorKind.Detr or ImageProcessorKind.Yolos => (new ImageSize(null, null, 800, 1333), PilResample.Bilinear, false, 224, ImageNetMean, ImageNetStd),
            ImageProcessorKind.Segformer => (new ImageSize(512, 512, null, null), PilResample.Bilinear, false, 224, ImageNetMean, ImageNetStd),
            ImageProcessorKind.Dpt => (new ImageSize(384, 384, null, null), PilResample.Bicubic, false, 224, Half, Half),
            _ => (new ImageSize(null, null, 224, null), PilResample.Bilinear, true, 256, Half, Half),
        };

        bool squareInt = kind is not (ImageProcessorKind.Clip or ImageProcessorKind.ConvNext or ImageProcessorKind.MobileVit
            or ImageProcessorKind.Detr or ImageProcessorKind.Yolos);
        int? maxSize = Int(root, "max_size");
        var config = new ImageProcessorConfig
        {
            Kind = kind,
            DoResize = Bool(root, "do_resize") ?? true,
            Size = SizeOf(root, "size", squareInt, maxSize) ?? size,
            Resample = (PilResample)(Int(root, "resample", 0, 5) ?? (int)resample),
            DoCenterCrop = Bool(root, "do_center_crop") ?? crop,
            CropSize = CropOf(root) ?? (crop_size, crop_size),
            DoRescale = Bool(root, "do_rescale") ?? true,
            RescaleFactor = Number(root, "rescale_factor") ?? (1 / 255.0),
            DoNormalize = Bool(root, "do_normalize") ?? kind != ImageProcessorKind.MobileVit,
            ImageMean = Channels(root, "image_mean") ?? mean,
            ImageStd = Channels(root, "image_std") ?? std,
            CropPct = Number(root, "crop_pct") ?? (224 / 256.0),
            DoPad = Bool(root, "do_pad") ?? kind is ImageProcessorKind.Detr or ImageProcessorKind.Yolos,
            KeepAspectRatio = Bool(root, "keep_aspect_ratio") ?? false,
            EnsureMultipleOf = Int(root, "ensure_multiple_of", 1, 4096) ?? 1,
            DoFlipChannelOrder = Bool(root, "do_flip_channel_order") ?? kind == ImageProcessorKind.MobileVit,
        };
        config.Check();
        return config;
    }

    private void Check()
    {
        bool warp = Size.Height is not null && Size.Width is not null;
        bool edge = Size.ShortestEdge is not null;
        switch (Kind)
        {
            case ImageProcessorKind.Clip or ImageProcessorKind.MobileVit when !warp && !edge:
            case ImageProcessorKind.ConvNext when !edge:
            case ImageProcessorKind.Detr or ImageProcessorKind.Yolos when !warp && !(edge && Size.LongestEdge is not null):
            case ImageProcessorKind.Vit or ImageProcessorKind.Deit or ImageProcessorKind.Beit or ImageProcessorKind.Siglip
                or ImageProcessorKind.Segformer or ImageProcessorKind.Dpt when !warp:
                throw new FormatException($"\"size\" {Size} does not fit a {Kind} image processor.");
        }

        if (Kind == ImageProcessorKind.Dpt && DoPad)
        {
            throw new FormatException("\"do_pad\" true (DPT's size_divisor padding) is not reproduced by this server.");
        }

        if (Size.Height is < 1 or > 16384 || Size.Width is < 1 or > 16384 || Size.ShortestEdge is < 1 or > 16384 || Size.LongestEdge is < 1 or > 16384
            || CropSize.Height is < 1 or > 16384 || CropSize.Width is < 1 or > 16384)
        {
            throw new FormatException("\"size\" and \"crop_size\" must be between 1 and 16384 pixels.");
        }

        if (ImageStd.Any(s => s == 0) || !(CropPct > 0) || !double.IsFinite(RescaleFactor))
        {
            throw new FormatException("\"image_std\" must not be 0, \"crop_pct\" must be above 0 and \"rescale_factor\" finite.");
        }
    }

    private static JsonElement? Get(JsonElement root, string key)
        => root.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private static FormatException Wrong(string key, string expected, JsonElement got)
        => new($"preprocessor_config.json \"{key}\" must be {expected}, not {got.ValueKind.ToString().ToLowerInvariant()} {Truncate(got.GetRawText())}.");

    private static string Truncate(string s) => s.Length > 40 ? s[..40] + "…" : s;

    private static string? Str(JsonElement root, string key) => Get(root, key) is { } v
        ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw Wrong(key, "a string", v)
        : null;

    private static bool? Bool(JsonElement root, string key) => Get(root, key) is { } v
        ? v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Wrong(key, "true or false", v)
        : null;

    private static double? Number(JsonElement root, string key) => Get(root, key) is { } v
        ? v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Wrong(key, "a number", v)
        : null;

    private static int? Int(JsonElement root, string key, int min = 1, int max = 16384) => Get(root, key) is { } v ? IntOf(key, v, min, max) : null;

    private static int IntOf(string key, JsonElement v, int min = 1, int max = 16384)
        => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) && i >= min && i <= max
            ? i
            : throw Wrong(key, $"an integer from {min} to {max}", v);

    private static double[]? Channels(JsonElement root, string key)
    {
        if (Get(root, key) is not { } v)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number)
        {
            return [v.GetDouble(), v.GetDouble(), v.GetDouble()];
        }

        if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 3 && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number))
        {
            return [.. v.EnumerateArray().Select(e => e.GetDouble())];
        }

        throw Wrong(key, "a number or a list of 3 numbers", v);
    }

    private static ImageSize? SizeOf(JsonElement root, string key, bool squareInt, int? maxSize)
    {
        if (Get(root, key) is not { } v)
        {
            return null;
        }

        // get_size_dict: an int is a square (default_to_square) or a shortest edge (with max_size as the longest);
        // a list is (height, width); a dict keeps its keys.
        if (v.ValueKind == JsonValueKind.Number)
        {
            int s = IntOf(key, v);
            return squareInt ? new ImageSize(s, s, null, null) : new ImageSize(null, null, s, maxSize);
        }

        if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 2)
        {
            return new ImageSize(IntOf(key, v[0]), IntOf(key, v[1]), null, null);
        }

        if (v.ValueKind == JsonValueKind.Object)
        {
            int? Field(string name) => v.TryGetProperty(name, out var f) && f.ValueKind != JsonValueKind.Null ? IntOf($"{key}.{name}", f) : null;
            var size = new ImageSize(Field("height"), Field("width"), Field("shortest_edge"), Field("longest_edge"));
            if ((size.Height is null) != (size.Width is null) || (size.Height is null && size.ShortestEdge is null))
            {
                throw Wrong(key, "{\"height\", \"width\"} or {\"shortest_edge\"[, \"longest_edge\"]}", v);
            }

            return size;
        }

        throw Wrong(key, "an integer, [height, width] or an object with height and width or shortest_edge", v);
    }

    private static (int, int)? CropOf(JsonElement root)
    {
        var size = SizeOf(root, "crop_size", squareInt: true, maxSize: null);
        return size switch
        {
            null => null,
            { Height: int h, Width: int w } => (h, w),
            _ => throw new FormatException("preprocessor_config.json \"crop_size\" must be an integer or {\"height\", \"width\"}."),
        };
    }
}
