using System.Text;
using System.Text.Json.Nodes;
using Bytez.Media.Images;

namespace Bytez.Media.Tests.Images;

public sealed class ImageProcessorTests
{
    private const string Half = "\"image_mean\": [0.5, 0.5, 0.5], \"image_std\": [0.5, 0.5, 0.5]";
    private const string ImageNet = "\"image_mean\": [0.485, 0.456, 0.406], \"image_std\": [0.229, 0.224, 0.225]";

    // The preprocessor_config.json of the repositories named (keys as published), plus edge variants.
    public static TheoryData<string, string> Configs => new()
    {
        { "google/vit-base-patch16-224", $$"""{"image_processor_type": "ViTImageProcessor", "do_resize": true, "size": {"height": 224, "width": 224}, "resample": 2, "do_rescale": true, "rescale_factor": 0.00392156862745098, "do_normalize": true, {{Half}}}""" },
        { "facebook/deit-base-distilled-patch16-224", $$"""{"feature_extractor_type": "DeiTFeatureExtractor", "size": 256, "crop_size": 224, "do_center_crop": true, "resample": 3, {{ImageNet}}}""" },
        { "microsoft/beit-base-patch16-224", $$"""{"image_processor_type": "BeitImageProcessor", "size": {"height": 224, "width": 224}, "do_center_crop": false, "resample": 2, {{Half}}}""" },
        { "google/siglip-base-patch16-224 (defaults)", """{"image_processor_type": "SiglipImageProcessor"}""" },
        { "openai/clip-vit-base-patch32", """{"feature_extractor_type": "CLIPFeatureExtractor", "size": 224, "crop_size": 224, "do_center_crop": true, "resample": 3, "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711]}""" },
        { "CLIP, crop larger than the resize", """{"image_processor_type": "CLIPImageProcessor", "size": {"shortest_edge": 100}, "crop_size": {"height": 150, "width": 121}}""" },
        { "facebook/dinov2-small (Bit)", $$"""{"image_processor_type": "BitImageProcessor", "size": {"shortest_edge": 256}, "crop_size": {"height": 224, "width": 224}, "resample": 3, {{ImageNet}}}""" },
        { "facebook/convnext-tiny-224", $$"""{"image_processor_type": "ConvNextImageProcessor", "size": {"shortest_edge": 224}, "crop_pct": 0.875, "resample": 3, {{ImageNet}}}""" },
        { "ConvNext at 384 (warp)", $$"""{"image_processor_type": "ConvNextImageProcessor", "size": {"shortest_edge": 384}, "resample": 3, {{ImageNet}}}""" },
        { "facebook/detr-resnet-50", $$"""{"image_processor_type": "DetrImageProcessor", "format": "coco_detection", "size": {"shortest_edge": 800, "longest_edge": 1333}, "resample": 2, "do_pad": true, {{ImageNet}}}""" },
        { "DETR legacy size + max_size", """{"feature_extractor_type": "DetrFeatureExtractor", "size": 300, "max_size": 500}""" },
        { "hustvl/yolos-tiny", $$"""{"image_processor_type": "YolosImageProcessor", "size": {"shortest_edge": 512, "longest_edge": 1333}, "resample": 2, {{ImageNet}}}""" },
        { "nvidia/segformer-b0-finetuned-ade-512-512", $$"""{"image_processor_type": "SegformerImageProcessor", "size": {"height": 512, "width": 512}, "resample": 2, "do_reduce_labels": true, {{ImageNet}}}""" },
        { "depth-anything-small-hf", $$"""{"image_processor_type": "DPTImageProcessor", "size": {"height": 518, "width": 518}, "keep_aspect_ratio": true, "ensure_multiple_of": 14, "resample": 3, "do_pad": false, {{ImageNet}}}""" },
        { "Intel/dpt-large (warp)", $$"""{"image_processor_type": "DPTImageProcessor", "size": {"height": 384, "width": 384}, "resample": 2, {{Half}}}""" },
        { "apple/mobilevit-small", """{"image_processor_type": "MobileViTImageProcessor", "size": {"shortest_edge": 288}, "crop_size": {"height": 256, "width": 256}, "do_flip_channel_order": true, "resample": 2}""" },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Pixel_values_equal_the_slow_processor_bit_for_bit(string repo, string json)
    {
        var config = ImageProcessorConfig.Parse(Encoding.UTF8.GetBytes(json));
        var processor = new ImageProcessor(config);
        foreach (var names in new[] { new[] { "landscape.png" }, ["portrait.png"], ["small.png"], ["rgba.png"], ["landscape.png", "portrait.png"] })
        {
            var paths = names.Select(PilFixtures.PathOf).ToArray();
            var images = paths.Select(p => ImageDecoder.Decode(File.ReadAllBytes(p), new MediaLimits())).ToList();
            PixelBatch batch;
            try
            {
                batch = processor.Preprocess(images);
            }
            catch (ArgumentException) when (names.Length > 1 && config.Kind is not (ImageProcessorKind.Detr or ImageProcessorKind.Yolos))
            {
                continue; // different sizes without padding: the Python processor cannot stack them either
            }

            var request = new JsonObject
            {
                ["op"] = "preprocess",
                ["paths"] = new JsonArray([.. paths.Select(p => (JsonNode)p)]),
                ["config"] = JsonNode.Parse(json),
            };
            var (header, payload) = PilOracle.Instance.Ask(request);
            var shape = header["shape"]!.AsArray().Select(n => (int)n!).ToArray();
            Assert.Equal(shape, batch.Shape);
            var sizes = header["sizes"]!.AsArray().Select(s => ((int)s![0]!, (int)s[1]!)).ToArray();
            Assert.Equal(sizes, batch.Sizes.ToArray());
            var expected = new float[batch.PixelValues.Length];
            Buffer.BlockCopy(payload, 0, expected, 0, expected.Length * 4);
            for (int i = 0; i < expected.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(batch.PixelValues[i]))
                {
                    Assert.Fail($"{repo} on {string.Join("+", names)}: pixel_values[{i}] is {batch.PixelValues[i]:R}, Python has {expected[i]:R}");
                }
            }

            if ((bool)header["mask"]!)
            {
                var mask = new long[shape[0] * shape[2] * shape[3]];
                Buffer.BlockCopy(payload, expected.Length * 4, mask, 0, mask.Length * 8);
                Assert.Equal(mask, batch.PixelMask);
            }
            else
            {
                Assert.Null(batch.PixelMask);
            }
        }
    }

    [Theory]
    [InlineData("""{"image_processor_type": "ViTImageProcessor", "size": "big"}""", "\"size\"")]
    [InlineData("""{"image_processor_type": "ViTImageProcessor", "resample": 9}""", "\"resample\" must be an integer from 0 to 5")]
    [InlineData("""{"image_processor_type": "ViTImageProcessor", "do_resize": "yes"}""", "\"do_resize\" must be true or false")]
    [InlineData("""{"image_processor_type": "ViTImageProcessor", "image_mean": [0.5, 0.5]}""", "\"image_mean\" must be a number or a list of 3 numbers")]
    [InlineData("""{"image_processor_type": "ViTImageProcessor", "size": {"height": 224}}""", "\"size\" must be")]
    [InlineData("""{"image_processor_type": "ViTImageProcessor", "size": {"height": 100000, "width": 2}}""", "\"size.height\" must be an integer from 1 to 16384")]
    [InlineData("""{"image_processor_type": "LlavaImageProcessor"}""", "\"LlavaImageProcessor\"")]
    [InlineData("""{"size": 224}""", "no \"image_processor_type\"")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{"image_processor_type": """, "not JSON")]
    public void A_wrong_config_is_refused_naming_the_key_and_what_was_expected(string json, string named)
    {
        var e = Assert.Throws<FormatException>(() => ImageProcessorConfig.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_config_is_refused_before_parsing()
    {
        var json = Encoding.UTF8.GetBytes("{\"x\": \"" + new string('a', ImageProcessorConfig.MaxBytes) + "\"}");
        var e = Assert.Throws<FormatException>(() => ImageProcessorConfig.Parse(json));
        Assert.Contains($"{ImageProcessorConfig.MaxBytes}", e.Message, StringComparison.Ordinal);
    }
}
