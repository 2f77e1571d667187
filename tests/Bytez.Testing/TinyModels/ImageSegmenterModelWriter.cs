using System.Text.Json.Nodes;
using static Bytez.Testing.TinyModels.OnnxGraphBuilder;

namespace Bytez.Testing.TinyModels;

/// <summary>A tiny semantic segmenter written by <see cref="ImageSegmenterModelWriter"/>.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Labels">The labels in id order: <c>red</c>, <c>green</c>, <c>blue</c>, <c>background</c>.</param>
/// <param name="ImageSize">The processor's <c>size</c> (height = width).</param>
public sealed record ImageSegmenterModel(string Folder, IReadOnlyList<string> Labels, int ImageSize)
{
    /// <summary>The logits are at a quarter of the input's resolution (SegFormer's).</summary>
    public const int Stride = 4;

    /// <summary>The model id (<c>org/name</c>).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>
    /// The design for one 4×4 block whose channel means are (r, g, b): logit k = c_k − (r + g + b) / 3 for red, green
    /// and blue (how much the block leans to that colour), and 1 for <c>background</c>. A pure red block (ImageNet
    /// normalized) is <c>red</c> (2.78 against 1); white, black and grey blocks are <c>background</c>.
    /// </summary>
    public static float[] Logits(float r, float g, float b)
    {
        var mean = (r + g + b) / 3f;
        return [r - mean, g - mean, b - mean, 1f];
    }
}

/// <summary>
/// Writes a tiny semantic segmenter in the layout of <c>nvidia/segformer-b0-finetuned-ade-512-512</c> (Xenova's export):
/// <c>config.json</c> (<c>SegformerForSemanticSegmentation</c>, <c>segformer</c>, labels red/green/blue/background),
/// <c>preprocessor_config.json</c> (<c>SegformerImageProcessor</c>: 512×512 bilinear, ImageNet mean and std) and
/// <c>onnx/model.onnx</c>: <c>pixel_values</c> [batch, 3, height, width] → <c>logits</c> [batch, 4, height/4, width/4],
/// each 4×4 block averaged (AveragePool) then a 1×1 convolution: see <see cref="ImageSegmenterModel.Logits"/>.
/// </summary>
public static class ImageSegmenterModelWriter
{
    /// <summary>The labels.</summary>
    public static readonly IReadOnlyList<string> Labels = ["red", "green", "blue", "background"];

    /// <summary>Writes the folder (created when missing).</summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="imageSize">The processor's <c>size</c> (512 in the real repository).</param>
    public static ImageSegmenterModel Write(string folder, int imageSize = 512)
    {
        var graph = new OnnxGraphBuilder("tiny_segformer");
        var pixels = graph.Input("pixel_values", FloatType, "batch_size", 3, "height", "width");
        var pooled = graph.Node("AveragePool", [pixels], n =>
        {
            IntList(n, "kernel_shape", ImageSegmenterModel.Stride, ImageSegmenterModel.Stride);
            IntList(n, "strides", ImageSegmenterModel.Stride, ImageSegmenterModel.Stride);
        });
        var third = 1f / 3f;
        float[] weights =
        [
            1 - third, -third, -third,
            -third, 1 - third, -third,
            -third, -third, 1 - third,
            0, 0, 0,
        ];
        graph.Node("Conv", [pooled, graph.Floats("w", [4, 3, 1, 1], weights), graph.Floats("b", [4], [0, 0, 0, 1])], output: "logits");
        graph.Output("logits", FloatType, "batch_size", 4, "logits_height", "logits_width");
        graph.Save(MediaModelFolders.OnnxPath(folder));

        MediaModelFolders.WriteConfig(folder, "SegformerForSemanticSegmentation", "segformer", Labels, new JsonObject
        {
            ["num_channels"] = 3,
            ["semantic_loss_ignore_index"] = 255,
        });
        MediaModelFolders.WritePreprocessor(folder, MediaModelFolders.ImageProcessor(
            "SegformerImageProcessor", MediaModelFolders.Size(imageSize, imageSize), resample: 2,
            MediaModelFolders.ImageNetMean, MediaModelFolders.ImageNetStd, new JsonObject { ["do_reduce_labels"] = false }));
        return new ImageSegmenterModel(folder, Labels, imageSize);
    }
}
