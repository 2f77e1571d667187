using System.Text.Json.Nodes;

namespace Bytez.Testing.TinyModels;

/// <summary>
/// What the tiny vision and audio model writers share: <c>config.json</c> and <c>preprocessor_config.json</c> in the
/// layouts of the real repositories (the keys and values of google/vit-base-patch16-224, facebook/detr-resnet-50,
/// nvidia/segformer-b0-finetuned-ade-512-512, depth-anything/Depth-Anything-V2-Small-hf, facebook/wav2vec2-base-960h,
/// superb/wav2vec2-base-superb-ks), and the channel statistics every vision design is written in.
/// </summary>
public static class MediaModelFolders
{
    /// <summary>ImageNet's mean (DETR, SegFormer, DPT).</summary>
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];

    /// <summary>ImageNet's standard deviation (DETR, SegFormer, DPT).</summary>
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    /// <summary>The file the weights go to: <c>onnx/model.onnx</c> (the transformers.js layout).</summary>
    public static string OnnxPath(string folder) => Path.Combine(folder, "onnx", "model.onnx");

    /// <summary>Writes <c>config.json</c>: <c>architectures</c>, <c>model_type</c>, the labels when given, and more entries.</summary>
    public static void WriteConfig(string folder, string architecture, string modelType, IReadOnlyList<string>? labels, JsonObject? extra = null)
    {
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray(architecture),
            ["model_type"] = modelType,
            ["torch_dtype"] = "float32",
            ["transformers_version"] = "4.53.0",
        };
        if (labels is not null)
        {
            foreach (var (key, value) in OnnxEncoderModelWriter.Labels(labels))
            {
                config[key] = value?.DeepClone();
            }
        }

        foreach (var (key, value) in extra ?? [])
        {
            config[key] = value?.DeepClone();
        }

        Directory.CreateDirectory(folder);
        EncoderTokenizerWriter.WriteJson(Path.Combine(folder, "config.json"), config);
    }

    /// <summary>Writes <c>preprocessor_config.json</c>.</summary>
    public static void WritePreprocessor(string folder, JsonObject preprocessor)
    {
        Directory.CreateDirectory(folder);
        EncoderTokenizerWriter.WriteJson(Path.Combine(folder, "preprocessor_config.json"), preprocessor);
    }

    /// <summary>
    /// An image processor's configuration: <paramref name="type"/> (<c>ViTImageProcessor</c>, ...), resize to
    /// <paramref name="size"/> with PIL filter <paramref name="resample"/> (2 bilinear, 3 bicubic), rescale by 1/255,
    /// normalize by <paramref name="mean"/> and <paramref name="std"/>.
    /// </summary>
    public static JsonObject ImageProcessor(string type, JsonObject size, int resample, float[] mean, float[] std, JsonObject? extra = null)
    {
        var processor = new JsonObject
        {
            ["do_normalize"] = true,
            ["do_rescale"] = true,
            ["do_resize"] = true,
            ["image_mean"] = new JsonArray(mean.Select(m => (JsonNode)(double)(decimal)m).ToArray()),
            ["image_processor_type"] = type,
            ["image_std"] = new JsonArray(std.Select(s => (JsonNode)(double)(decimal)s).ToArray()),
            ["resample"] = resample,
            ["rescale_factor"] = 0.00392156862745098,
            ["size"] = size,
        };
        foreach (var (key, value) in extra ?? [])
        {
            processor[key] = value?.DeepClone();
        }

        return processor;
    }

    /// <summary><c>{"height": h, "width": w}</c>.</summary>
    public static JsonObject Size(int height, int width) => new() { ["height"] = height, ["width"] = width };

    /// <summary>
    /// A wav2vec2 feature extractor's configuration (<c>Wav2Vec2FeatureExtractor</c>, 16 kHz mono,
    /// <c>do_normalize</c>: zero mean and unit variance per utterance when true).
    /// </summary>
    public static JsonObject Wav2Vec2FeatureExtractor(bool doNormalize, bool returnAttentionMask = false) => new()
    {
        ["do_normalize"] = doNormalize,
        ["feature_extractor_type"] = "Wav2Vec2FeatureExtractor",
        ["feature_size"] = 1,
        ["padding_side"] = "right",
        ["padding_value"] = 0.0,
        ["return_attention_mask"] = returnAttentionMask,
        ["sampling_rate"] = 16000,
    };

    /// <summary>
    /// The <c>config.json</c> entries of a wav2vec2 base model's convolutional front end (<c>conv_stride</c> multiplies
    /// to 320 samples per logit frame: the pipelines' <c>inputs_to_logits_ratio</c>).
    /// </summary>
    public static JsonObject Wav2Vec2Entries() => new()
    {
        ["conv_dim"] = new JsonArray(512, 512, 512, 512, 512, 512, 512),
        ["conv_kernel"] = new JsonArray(10, 3, 3, 3, 3, 2, 2),
        ["conv_stride"] = new JsonArray(5, 2, 2, 2, 2, 2, 2),
        ["feat_extract_norm"] = "group",
        ["do_stable_layer_norm"] = false,
        ["hidden_size"] = 8,
        ["num_attention_heads"] = 1,
        ["num_hidden_layers"] = 1,
    };

    /// <summary>
    /// The mean of each channel of a <c>pixel_values</c> row [3, H, W] (float32 sums in row-major order): what the
    /// vision designs are written in.
    /// </summary>
    public static float[] ChannelMeans(ReadOnlySpan<float> pixelValues, int height, int width)
    {
        var plane = height * width;
        var means = new float[3];
        for (var c = 0; c < 3; c++)
        {
            double sum = 0;
            foreach (var v in pixelValues.Slice(c * plane, plane))
            {
                sum += v;
            }

            means[c] = (float)(sum / plane);
        }

        return means;
    }

    /// <summary>A <c>pixel_values</c> row [3, H, W] whose every pixel is (r, g, b) (already normalized values).</summary>
    public static float[] Uniform(int height, int width, float r, float g, float b)
    {
        var plane = height * width;
        var values = new float[3 * plane];
        values.AsSpan(0, plane).Fill(r);
        values.AsSpan(plane, plane).Fill(g);
        values.AsSpan(2 * plane, plane).Fill(b);
        return values;
    }
}
