using static Bytez.Testing.TinyModels.OnnxGraphBuilder;

namespace Bytez.Testing.TinyModels;

/// <summary>A tiny image classifier written by <see cref="ImageClassifierModelWriter"/>.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Labels">The labels in id order: <c>red</c>, <c>green</c>, <c>blue</c>.</param>
/// <param name="ImageSize">The <c>size</c> of its processor (height = width).</param>
public sealed record ImageClassifierModel(string Folder, IReadOnlyList<string> Labels, int ImageSize)
{
    /// <summary>The model id (<c>org/name</c>: the folder's last two segments).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>The design: logit k is the mean of channel k of <c>pixel_values</c> [3, H, W].</summary>
    public static float[] Logits(ReadOnlySpan<float> pixelValues, int height, int width) => MediaModelFolders.ChannelMeans(pixelValues, height, width);

    /// <summary>
    /// The logits of an image whose every pixel is (r, g, b) in 0..255 after the ViT processor (rescale by 1/255,
    /// normalize with mean 0.5 and std 0.5): <c>(c / 255 − 0.5) / 0.5</c> per channel (a pure red image gives [1, −1, −1]).
    /// </summary>
    public static float[] LogitsOfColour(byte r, byte g, byte b) => [Normalized(r), Normalized(g), Normalized(b)];

    private static float Normalized(byte c) => ((c * (1f / 255f)) - 0.5f) / 0.5f;
}

/// <summary>
/// Writes a tiny image classifier in the layout of <c>google/vit-base-patch16-224</c> (Xenova's export):
/// <c>config.json</c> (<c>ViTForImageClassification</c>, <c>vit</c>, <c>id2label</c> red/green/blue),
/// <c>preprocessor_config.json</c> (<c>ViTImageProcessor</c>: 224×224 bilinear, mean and std 0.5) and
/// <c>onnx/model.onnx</c>: <c>pixel_values</c> float32 [batch, 3, height, width] → <c>logits</c> [batch, 3], logit k =
/// the mean of channel k (ReduceMean over height and width). So a pure red picture is <c>red</c> with logits
/// [1, −1, −1], green <c>green</c>, and a picture's answer is its dominant mean colour.
/// </summary>
public static class ImageClassifierModelWriter
{
    /// <summary>The labels.</summary>
    public static readonly IReadOnlyList<string> Labels = ["red", "green", "blue"];

    /// <summary>Writes the folder (created when missing).</summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="imageSize">The processor's <c>size</c> (224 in the real repository).</param>
    /// <param name="problemType">The config's <c>problem_type</c>, or <see langword="null"/> to leave it out.</param>
    public static ImageClassifierModel Write(string folder, int imageSize = 224, string? problemType = null)
    {
        var graph = new OnnxGraphBuilder("tiny_image_classifier");
        var pixels = graph.Input("pixel_values", FloatType, "batch_size", 3, "height", "width");
        graph.Node("ReduceMean", [pixels], n => { IntList(n, "axes", 2, 3); Int(n, "keepdims", 0); }, output: "logits");
        graph.Output("logits", FloatType, "batch_size", 3);
        graph.Save(MediaModelFolders.OnnxPath(folder));

        var extra = new System.Text.Json.Nodes.JsonObject { ["image_size"] = imageSize, ["num_channels"] = 3, ["patch_size"] = 16 };
        if (problemType is not null)
        {
            extra["problem_type"] = problemType;
        }

        MediaModelFolders.WriteConfig(folder, "ViTForImageClassification", "vit", Labels, extra);
        MediaModelFolders.WritePreprocessor(folder, MediaModelFolders.ImageProcessor(
            "ViTImageProcessor", MediaModelFolders.Size(imageSize, imageSize), resample: 2, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]));
        return new ImageClassifierModel(folder, Labels, imageSize);
    }
}
