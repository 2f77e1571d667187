using System.Text.Json.Nodes;
using static Bytez.Testing.TinyModels.OnnxGraphBuilder;

namespace Bytez.Testing.TinyModels;

/// <summary>A tiny depth estimator written by <see cref="DepthModelWriter"/>.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="ImageSize">The processor's <c>size</c> (height = width; a multiple of 14).</param>
public sealed record DepthModel(string Folder, int ImageSize)
{
    /// <summary>The model id (<c>org/name</c>).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>The design: the depth of a pixel is its brightness, the mean of its three (normalized) channel values.</summary>
    public static float Depth(float r, float g, float b) => (r + g + b) / 3f;
}

/// <summary>
/// Writes a tiny depth estimator in the layout of <c>depth-anything/Depth-Anything-V2-Small-hf</c> (onnx-community's
/// export): <c>config.json</c> (<c>DepthAnythingForDepthEstimation</c>, <c>depth_anything</c>),
/// <c>preprocessor_config.json</c> (<c>DPTImageProcessor</c>: 518×518 keeping the aspect ratio, multiples of 14,
/// bicubic, ImageNet mean and std) and <c>onnx/model.onnx</c>: <c>pixel_values</c> [batch, 3, height, width] →
/// <c>predicted_depth</c> [batch, height, width], the mean over the channels (<see cref="DepthModel.Depth"/>): brighter is deeper.
/// </summary>
public static class DepthModelWriter
{
    /// <summary>Writes the folder (created when missing).</summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="imageSize">The processor's <c>size</c> (518 in the real repository).</param>
    public static DepthModel Write(string folder, int imageSize = 518)
    {
        var graph = new OnnxGraphBuilder("tiny_depth");
        var pixels = graph.Input("pixel_values", FloatType, "batch_size", 3, "height", "width");
        graph.Node("ReduceMean", [pixels], n => { IntList(n, "axes", 1); Int(n, "keepdims", 0); }, output: "predicted_depth");
        graph.Output("predicted_depth", FloatType, "batch_size", "height", "width");
        graph.Save(MediaModelFolders.OnnxPath(folder));

        MediaModelFolders.WriteConfig(folder, "DepthAnythingForDepthEstimation", "depth_anything", null, new JsonObject
        {
            ["depth_estimation_type"] = "relative",
            ["patch_size"] = 14,
        });
        MediaModelFolders.WritePreprocessor(folder, MediaModelFolders.ImageProcessor(
            "DPTImageProcessor", MediaModelFolders.Size(imageSize, imageSize), resample: 3,
            MediaModelFolders.ImageNetMean, MediaModelFolders.ImageNetStd,
            new JsonObject { ["keep_aspect_ratio"] = true, ["ensure_multiple_of"] = 14, ["do_pad"] = false }));
        return new DepthModel(folder, imageSize);
    }
}
