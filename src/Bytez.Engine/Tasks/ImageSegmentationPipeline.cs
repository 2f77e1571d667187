using System.Text;
using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Tasks.PostProcessing;
using Bytez.Engine.Tensors;
using Bytez.Media;
using Bytez.Media.Images;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>image-segmentation</c>, semantic (SegFormer, MobileViT-DeepLab: <c>logits</c> [labels, h, w]) on an
/// <see cref="ITensorInstance"/>, with the semantics of transformers 4.57's <c>ImageSegmentationPipeline</c>: the
/// image prepared by the model's image processor, the logits upsampled to the image's size as
/// <c>post_process_semantic_segmentation</c> does (torch bilinear, <c>align_corners=False</c>:
/// <see cref="TorchInterpolate.Bilinear"/>), the first maximum label per pixel, then one entry per label present in
/// label-id order (<c>np.unique</c>): <c>{label, score: null, mask_png}</c>, the mask a greyscale PNG of the image's
/// size, 255 on the label's pixels and 0 elsewhere, as bare base64 (the Bytez container's form).
/// </summary>
public sealed class ImageSegmentationPipeline(MediaReader reader) : ITaskPipeline
{
    private static readonly string[] Subtasks = ["semantic", "panoptic", "instance"];

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.ImageSegmentation],
        InputKeys = MediaReader.InputKeys,
        Parameters =
        [
            new("subtask", "\"semantic\" or null", "null (the model's own: semantic)", "The kind of segmentation; panoptic and instance models are not served."),
            new("threshold", "number", "0.9", "Panoptic and instance only (the Python pipeline's): accepted and unused by semantic models."),
            new("mask_threshold", "number", "0.5", "Panoptic and instance only: accepted and unused by semantic models."),
            new("overlap_mask_area_threshold", "number", "0.5", "Panoptic and instance only: accepted and unused by semantic models."),
        ],
        Output = "[{\"label\", \"score\": null, \"mask_png\"}], one entry per label present in label-id order; mask_png is a base64 greyscale PNG of the image's size (255 on the label, 0 elsewhere)",
        RepositoryFiles = [TensorModelConfig.ConfigFile, TensorModelConfig.PreprocessorFile],
        SmokeRequest = static _ => new RunRequest { Base64 = SmokeImage },
    };

    /// <inheritdoc />
    public TaskContract Contract => Declared;

    /// <summary>A 16×16 grey PNG, the smallest request's image.</summary>
    internal static string SmokeImage { get; } = Convert.ToBase64String(PngEncoder.EncodeGrey(new byte[16 * 16].AsSpan(), 16, 16));

    /// <inheritdoc />
    public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        if (instance is not ITensorInstance model)
        {
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not a vision model with a segmentation head.");
        }

        var task = instance.Model.Task;
        ReadParameters(request.Params, task);
        var input = await reader.ReadAsync(request, task, cancellationToken).ConfigureAwait(false);
        var image = MediaErrors.Decode(input, bytes => ImageDecoder.Decode(bytes, reader.Limits));
        var results = await model.RunAsync([ImageRows.Row(ImageRows.Processor(model), image, model)], cancellationToken).ConfigureAwait(false);
        var logits = results[0]["logits"];
        if (logits.Shape.Count != 3 || logits.Shape[0] < 1 || logits.Shape[1] < 1 || logits.Shape[2] < 1)
        {
            throw EngineException.NotSupported(
                $"The model {instance.Model.Id} gives logits of shape {logits}; semantic segmentation needs [labels, height, width] per image (panoptic and instance models are not served).");
        }

        var segmentation = Segment(logits.AsFloats(), logits.Shape[0], logits.Shape[1], logits.Shape[2], image.Height, image.Width, cancellationToken);
        return new SegmentsOutput(Masks(segmentation, logits.Shape[0], image.Width, image.Height, model.Config));
    }

    /// <summary>
    /// The label of each pixel of an image of <paramref name="height"/> × <paramref name="width"/>: each label's logits
    /// upsampled bilinearly (torch, <c>align_corners=False</c>), then the first label of the largest value (NaN counts
    /// as the largest, as torch's argmax).
    /// </summary>
    public static int[] Segment(float[] logits, int labels, int logitHeight, int logitWidth, int height, int width, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var plane = logitHeight * logitWidth;
        var best = new float[(long)height * width];
        var segmentation = new int[best.Length];
        for (var label = 0; label < labels; label++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var upsampled = TorchInterpolate.Bilinear(logits.AsSpan(label * plane, plane), logitHeight, logitWidth, height, width);
            for (var i = 0; i < upsampled.Length; i++)
            {
                var value = upsampled[i];
                if (label == 0 || (!float.IsNaN(best[i]) && (value > best[i] || float.IsNaN(value))))
                {
                    best[i] = value;
                    segmentation[i] = label;
                }
            }
        }

        return segmentation;
    }

    private static List<LabelMask> Masks(int[] segmentation, int labels, int width, int height, TensorModelConfig config)
    {
        var present = new bool[labels];
        foreach (var label in segmentation)
        {
            present[label] = true;
        }

        var segments = new List<LabelMask>();
        var mask = new byte[segmentation.Length];
        for (var label = 0; label < labels; label++)
        {
            if (!present[label])
            {
                continue;
            }

            for (var i = 0; i < segmentation.Length; i++)
            {
                mask[i] = segmentation[i] == label ? (byte)255 : (byte)0;
            }

            segments.Add(new LabelMask(config.Label(label), PngEncoder.EncodeGrey(mask, width, height)));
        }

        return segments;
    }

    private static void ReadParameters(JsonElement? parameters, string task)
    {
        foreach (var property in Arguments.Parameters(parameters, Declared.ParameterNames, task))
        {
            if (property.Name == "subtask")
            {
                if (Arguments.String(property.Value, "subtask") is { } subtask && subtask != "semantic")
                {
                    throw EngineException.BadInput(Subtasks.Contains(subtask)
                        ? $"{task} serves semantic segmentation only (subtask \"semantic\" or null); \"{subtask}\" segmentation (DETR, Mask2Former, OneFormer models) is not supported."
                        : $"`subtask` must be \"semantic\" or null (\"panoptic\" and \"instance\" are not supported); got \"{subtask}\".");
                }
            }
            else if (property.Value.ValueKind != JsonValueKind.Null)
            {
                // Read by the Python pipeline's panoptic and instance paths only; checked to be numbers, then unused.
                Arguments.Number(property.Value, property.Name, double.NegativeInfinity, double.PositiveInfinity, false, "(finite)");
            }
        }
    }

    /// <summary>One entry of the answer: a label present in the image and its mask as a PNG.</summary>
    private sealed record LabelMask(string Label, byte[] MaskPng);

    private sealed class SegmentsOutput(IReadOnlyList<LabelMask> segments) : TaskOutput
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStartArray();
            foreach (var segment in segments)
            {
                writer.WriteStartObject();
                writer.WriteString("label", segment.Label);
                writer.WriteNull("score");
                writer.WriteString("mask_png", Convert.ToBase64String(segment.MaskPng));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }
}
