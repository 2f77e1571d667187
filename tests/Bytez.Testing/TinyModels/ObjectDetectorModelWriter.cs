using System.Text.Json.Nodes;
using static Bytez.Testing.TinyModels.OnnxGraphBuilder;

namespace Bytez.Testing.TinyModels;

/// <summary>A tiny DETR-shaped detector written by <see cref="ObjectDetectorModelWriter"/>.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="Labels">The labels in id order (<c>red</c>, <c>green</c>, <c>blue</c>); logits have one more column, "no object".</param>
/// <param name="PixelMask">Whether the graph also takes <c>pixel_mask</c> (older Xenova exports).</param>
public sealed record ObjectDetectorModel(string Folder, IReadOnlyList<string> Labels, bool PixelMask)
{
    /// <summary>The number of queries.</summary>
    public const int Queries = 3;

    /// <summary>The model id (<c>org/name</c>).</summary>
    public string Id => EncoderModelFolders.Id(Folder);

    /// <summary>The boxes of the queries, (cx, cy, w, h) relative to the image: the same for every image.</summary>
    public static readonly float[][] Boxes = [[0.5f, 0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.1f, 0.1f], [0.75f, 0.75f, 0.2f, 0.2f]];

    /// <summary>
    /// The design, from the channel means m of <c>pixel_values</c> (times the mean of <c>pixel_mask</c>, 1 when all
    /// ones): query 0 = [4·m_r, 4·m_g, 4·m_b, 0] (its class is the dominant mean colour, its box the centre half of
    /// the image); query 1 = [0, 0, 0, 8] (no object); query 2 = [0.5, 0, 0, 0.5] (red with probability
    /// e^0.5 / (2e^0.5 + 2) ≈ 0.311, under the pipeline's 0.5 threshold). Rows are [queries, labels + 1].
    /// </summary>
    public static float[][] Logits(float[] channelMeans) =>
    [
        [4 * channelMeans[0], 4 * channelMeans[1], 4 * channelMeans[2], 0f],
        [0f, 0f, 0f, 8f],
        [0.5f, 0f, 0f, 0.5f],
    ];
}

/// <summary>
/// Writes a tiny detector in the layout of <c>facebook/detr-resnet-50</c> (Xenova's export): <c>config.json</c>
/// (<c>DetrForObjectDetection</c>, <c>detr</c>, <c>num_queries</c> 3, labels red/green/blue),
/// <c>preprocessor_config.json</c> (<c>DetrImageProcessor</c>: shortest edge 800, longest 1333, bilinear, ImageNet
/// mean and std, <c>do_pad</c>) and <c>onnx/model.onnx</c>: <c>pixel_values</c> [batch, 3, height, width] (and
/// <c>pixel_mask</c> int64 [batch, height, width] when asked) → <c>logits</c> [batch, 3, 4] and <c>pred_boxes</c>
/// [batch, 3, 4]; see <see cref="ObjectDetectorModel.Logits"/> and <see cref="ObjectDetectorModel.Boxes"/>.
/// </summary>
public static class ObjectDetectorModelWriter
{
    /// <summary>Writes the folder (created when missing).</summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="pixelMask">Whether the graph takes <c>pixel_mask</c> too.</param>
    /// <param name="shortestEdge">The processor's <c>size.shortest_edge</c> (800 in the real repository).</param>
    /// <param name="longestEdge">The processor's <c>size.longest_edge</c> (1333).</param>
    public static ObjectDetectorModel Write(string folder, bool pixelMask = false, int shortestEdge = 800, int longestEdge = 1333)
    {
        const int queries = ObjectDetectorModel.Queries;
        const int classes = 4;
        var graph = new OnnxGraphBuilder("tiny_detr");
        var pixels = graph.Input("pixel_values", FloatType, "batch_size", 3, "height", "width");
        var means = graph.Node("ReduceMean", [pixels], n => { IntList(n, "axes", 2, 3); Int(n, "keepdims", 0); });
        if (pixelMask)
        {
            var mask = graph.Input("pixel_mask", Int64Type, "batch_size", "height", "width");
            var maskMean = graph.Node("ReduceMean", [graph.Node("Cast", [mask], n => Int(n, "to", FloatType))],
                n => { IntList(n, "axes", 1, 2); Int(n, "keepdims", 1); });
            means = graph.Node("Mul", [means, maskMean]);
        }

        // logits = means · W + bias, reshaped to [b, Q, L + 1]; boxes = means · 0 + the constant boxes.
        var weights = new float[3 * queries * classes];
        for (var c = 0; c < 3; c++)
        {
            weights[(c * queries * classes) + c] = 4f; // query 0, class c
        }

        var bias = new float[queries * classes];
        bias[(1 * classes) + 3] = 8f;
        bias[(2 * classes) + 0] = 0.5f;
        bias[(2 * classes) + 3] = 0.5f;
        var flat = graph.Node("Add", [graph.Node("MatMul", [means, graph.Floats("w_logits", [3, queries * classes], weights)]), graph.Floats("b_logits", [queries * classes], bias)]);
        graph.Node("Reshape", [flat, graph.Ints("logits_shape", 0, queries, classes)], output: "logits");
        var boxes = ObjectDetectorModel.Boxes.SelectMany(b => b).ToArray();
        var flatBoxes = graph.Node("Add", [graph.Node("MatMul", [means, graph.Floats("w_boxes", [3, queries * 4], new float[3 * queries * 4])]), graph.Floats("b_boxes", [queries * 4], boxes)]);
        graph.Node("Reshape", [flatBoxes, graph.Ints("boxes_shape", 0, queries, 4)], output: "pred_boxes");
        graph.Output("logits", FloatType, "batch_size", queries, classes);
        graph.Output("pred_boxes", FloatType, "batch_size", queries, 4);
        graph.Save(MediaModelFolders.OnnxPath(folder));

        var labels = ImageClassifierModelWriter.Labels;
        MediaModelFolders.WriteConfig(folder, "DetrForObjectDetection", "detr", labels, new JsonObject
        {
            ["num_queries"] = queries,
            ["num_channels"] = 3,
            ["backbone"] = "resnet50",
            ["use_pretrained_backbone"] = false,
        });
        MediaModelFolders.WritePreprocessor(folder, MediaModelFolders.ImageProcessor(
            "DetrImageProcessor", new JsonObject { ["shortest_edge"] = shortestEdge, ["longest_edge"] = longestEdge }, resample: 2,
            MediaModelFolders.ImageNetMean, MediaModelFolders.ImageNetStd, new JsonObject { ["do_pad"] = true, ["format"] = "coco_detection" }));
        return new ObjectDetectorModel(folder, labels, pixelMask);
    }
}
