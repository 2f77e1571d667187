using System.Text.Json.Nodes;
using static Bytez.Testing.TinyModels.OnnxGraphBuilder;

namespace Bytez.Testing.TinyModels;

/// <summary>A tiny image feature extractor written by <see cref="ImageFeatureModelWriter"/>.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="ImageSize">The processor's <c>size</c> (height = width).</param>
public sealed record ImageFeatureModel(string Folder, int ImageSize)
{
    /// <summary>The patch size (ViT's).</summary>
    public const int Patch = 16;

    /// <summary>The hidden size: three, one per colour channel.</summary>
    public const int Hidden = 3;

    /// <summary>The model id (<c>org/name</c>).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>
    /// The design of <c>last_hidden_state</c> [1 + patches, 3] for <c>pixel_values</c> [3, H, W] (H and W multiples of
    /// 16): token 0 (CLS) holds the channel means of the whole image, token 1 + i the channel means of the 16×16 patch
    /// i in row-major order. <c>pooler_output</c> [3] equals token 0.
    /// </summary>
    public static float[][] HiddenStates(ReadOnlySpan<float> pixelValues, int height, int width)
    {
        var rows = height / Patch;
        var columns = width / Patch;
        var states = new float[1 + (rows * columns)][];
        states[0] = MediaModelFolders.ChannelMeans(pixelValues, height, width);
        for (var py = 0; py < rows; py++)
        {
            for (var px = 0; px < columns; px++)
            {
                var token = new float[3];
                for (var c = 0; c < 3; c++)
                {
                    double sum = 0;
                    for (var y = 0; y < Patch; y++)
                    {
                        for (var x = 0; x < Patch; x++)
                        {
                            sum += pixelValues[(c * height * width) + (((py * Patch) + y) * width) + (px * Patch) + x];
                        }
                    }

                    token[c] = (float)(sum / (Patch * Patch));
                }

                states[1 + (py * columns) + px] = token;
            }
        }

        return states;
    }
}

/// <summary>
/// Writes a tiny image feature extractor in the layout of a bare ViT backbone (<c>google/vit-base-patch16-224-in21k</c>,
/// Xenova's export): <c>config.json</c> (<c>ViTModel</c>, <c>vit</c>, hidden size 3), <c>preprocessor_config.json</c>
/// (<c>ViTImageProcessor</c>: 224×224 bilinear, mean and std 0.5) and <c>onnx/model.onnx</c>: <c>pixel_values</c>
/// [batch, 3, height, width] → <c>last_hidden_state</c> [batch, 1 + patches, 3] and <c>pooler_output</c> [batch, 3]
/// (see <see cref="ImageFeatureModel.HiddenStates"/>).
/// </summary>
public static class ImageFeatureModelWriter
{
    /// <summary>Writes the folder (created when missing).</summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="imageSize">The processor's <c>size</c> (224 in the real repository; a multiple of 16).</param>
    public static ImageFeatureModel Write(string folder, int imageSize = 224)
    {
        const int patch = ImageFeatureModel.Patch;
        var graph = new OnnxGraphBuilder("tiny_vit_backbone");
        var pixels = graph.Input("pixel_values", FloatType, "batch_size", 3, "height", "width");
        var patches = graph.Node("AveragePool", [pixels], n => { IntList(n, "kernel_shape", patch, patch); IntList(n, "strides", patch, patch); });
        var tokens = graph.Node("Transpose", [graph.Node("Reshape", [patches, graph.Ints("patch_shape", 0, 3, -1)])], n => IntList(n, "perm", 0, 2, 1));
        var pooled = graph.Node("ReduceMean", [pixels], n => { IntList(n, "axes", 2, 3); Int(n, "keepdims", 0); }, output: "pooler_output");
        var cls = graph.Node("Unsqueeze", [pooled, graph.Ints("token_axis", 1)]);
        graph.Node("Concat", [cls, tokens], n => Int(n, "axis", 1), output: "last_hidden_state");
        graph.Output("last_hidden_state", FloatType, "batch_size", "sequence_length", ImageFeatureModel.Hidden);
        graph.Output("pooler_output", FloatType, "batch_size", ImageFeatureModel.Hidden);
        graph.Save(MediaModelFolders.OnnxPath(folder));

        MediaModelFolders.WriteConfig(folder, "ViTModel", "vit", null, new JsonObject
        {
            ["hidden_size"] = ImageFeatureModel.Hidden,
            ["image_size"] = imageSize,
            ["num_channels"] = 3,
            ["patch_size"] = patch,
        });
        MediaModelFolders.WritePreprocessor(folder, MediaModelFolders.ImageProcessor(
            "ViTImageProcessor", MediaModelFolders.Size(imageSize, imageSize), resample: 2, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]));
        return new ImageFeatureModel(folder, imageSize);
    }
}
