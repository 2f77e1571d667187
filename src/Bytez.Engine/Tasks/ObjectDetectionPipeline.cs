using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Tensors;
using Bytez.Media.Images;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>object-detection</c> on a DETR or YOLOS <see cref="ITensorInstance"/>, with the semantics of transformers 4.57's
/// <c>ObjectDetectionPipeline</c> and the DETR/YOLOS <c>post_process_object_detection</c>: per query, softmax over
/// <c>logits</c> (float32), the best real class (the last, "no object", left out even when it leads), kept when its
/// score is above <c>threshold</c> (strictly, in float32); <c>pred_boxes</c> (cx, cy, w, h relative to the image) turned
/// into corners and scaled to the ORIGINAL image's pixels in float32, each coordinate truncated toward zero as
/// <c>Tensor.int()</c> does (no clamping). The detections are in query order, not sorted.
/// </summary>
public sealed class ObjectDetectionPipeline(MediaReader reader) : ITaskPipeline
{
    private const double DefaultThreshold = 0.5;

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.ObjectDetection],
        InputKeys = MediaReader.InputKeys,
        Parameters =
        [
            new("threshold", "number in [0, 1]", "0.5", "Keep the detections whose score is above this."),
        ],
        Output = "[{\"score\", \"label\", \"box\": {\"xmin\", \"ymin\", \"xmax\", \"ymax\"}}] in query order, boxes in integer pixels of the original image; for a list of images, one such list per image",
        RepositoryFiles = ["config.json", "preprocessor_config.json"],
        SmokeRequest = static _ => ImageRows.SmokeRequest(),
    };

    /// <inheritdoc />
    public TaskContract Contract => Declared;

    /// <inheritdoc />
    public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        if (instance is not ITensorInstance model)
        {
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not an object detector.");
        }

        var kind = ImageRows.Processor(model).Config.Kind;
        if (kind is not (ImageProcessorKind.Detr or ImageProcessorKind.Yolos))
        {
            throw EngineException.NotSupported(
                $"The model {instance.Model.Id} has a {kind} image processor; object detection is served for DETR and YOLOS models (softmax scoring).");
        }

        var threshold = ReadThreshold(request.Params, instance.Model.Task);
        var (images, single) = await ImageRows.ReadAsync(reader, model, request, cancellationToken).ConfigureAwait(false);
        var results = await model.RunAsync(images.Select(i => i.Row).ToList(), cancellationToken).ConfigureAwait(false);
        var answers = new List<TaskOutput>(results.Length);
        for (var i = 0; i < results.Length; i++)
        {
            answers.Add(new DetectionsOutput(Detect(results[i]["logits"], results[i]["pred_boxes"], images[i].Height, images[i].Width, threshold, model.Config)));
        }

        return single ? answers[0] : new ListOutput(answers);
    }

    /// <summary>
    /// The detections of one image from its <c>logits</c> [queries, labels + 1] and <c>pred_boxes</c> [queries, 4],
    /// for an original image of <paramref name="height"/> × <paramref name="width"/> pixels.
    /// </summary>
    /// <exception cref="EngineException">The outputs do not have those shapes, or hold non-finite values (NotSupported/Internal).</exception>
    public static IReadOnlyList<Detection> Detect(TensorValue logits, TensorValue boxes, int height, int width, float threshold, TensorModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(boxes);
        ArgumentNullException.ThrowIfNull(config);
        if (logits.Shape.Count != 2 || logits.Shape[1] < 2 || boxes.Shape.Count != 2 || boxes.Shape[1] != 4 || boxes.Shape[0] != logits.Shape[0])
        {
            throw EngineException.NotSupported(
                $"The model gives logits {logits} and pred_boxes {boxes}; a DETR-style detector gives [queries, labels + 1] and [queries, 4].");
        }

        var classes = logits.Shape[1];
        var values = logits.AsFloats();
        var corners = boxes.AsFloats();
        var detections = new List<Detection>();
        for (var q = 0; q < logits.Shape[0]; q++)
        {
            var probabilities = TextClassificationPipeline.Scores(values.AsSpan(q * classes, classes), ScoreFunction.Softmax);
            var best = 0;
            for (var c = 1; c < classes - 1; c++)
            {
                if (probabilities[c] > probabilities[best])
                {
                    best = c; // the first of equal maxima, as torch's max
                }
            }

            var score = probabilities[best];
            if (!float.IsFinite(score))
            {
                throw new EngineException(EngineErrorKind.Internal, "The model produced a score that is not a finite number.");
            }

            if (!(score > threshold))
            {
                continue;
            }

            float cx = corners[q * 4], cy = corners[(q * 4) + 1], w = corners[(q * 4) + 2], h = corners[(q * 4) + 3];
            var box = new DetectionBox(
                Pixel((cx - (0.5f * w)) * width),
                Pixel((cy - (0.5f * h)) * height),
                Pixel((cx + (0.5f * w)) * width),
                Pixel((cy + (0.5f * h)) * height));
            detections.Add(new Detection(score, config.Label(best), box));
        }

        return detections;
    }

    private static int Pixel(float value)
    {
        if (!float.IsFinite(value) || value >= 2147483648f || value < -2147483648f)
        {
            throw new EngineException(EngineErrorKind.Internal, "The model produced a box coordinate that is not a finite pixel position.");
        }

        return (int)value; // toward zero, as Tensor.int()
    }

    private static float ReadThreshold(JsonElement? parameters, string task)
    {
        var threshold = DefaultThreshold;
        foreach (var property in Arguments.Parameters(parameters, Declared.ParameterNames, task))
        {
            threshold = Arguments.Number(property.Value, "threshold", 0, 1, minExclusive: false, "in [0, 1]");
        }

        // torch compares a float32 tensor with a Python float in float32.
        return (float)threshold;
    }

    private sealed class DetectionsOutput(IReadOnlyList<Detection> detections) : TaskOutput
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStartArray();
            foreach (var d in detections)
            {
                writer.WriteStartObject();
                writer.WriteNumber("score", (double)d.Score);
                writer.WriteString("label", d.Label);
                writer.WriteStartObject("box");
                writer.WriteNumber("xmin", d.Box.XMin);
                writer.WriteNumber("ymin", d.Box.YMin);
                writer.WriteNumber("xmax", d.Box.XMax);
                writer.WriteNumber("ymax", d.Box.YMax);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }
}

/// <summary>One detected object: its score (float32), its label and its box.</summary>
/// <param name="Score">The softmax probability of the label.</param>
/// <param name="Label">The label's name (<c>id2label</c>).</param>
/// <param name="Box">The box in integer pixels of the original image.</param>
public sealed record Detection(float Score, string Label, DetectionBox Box);

/// <summary>A box in integer pixels of the original image (truncated toward zero, possibly outside it).</summary>
/// <param name="XMin">The left edge.</param>
/// <param name="YMin">The top edge.</param>
/// <param name="XMax">The right edge.</param>
/// <param name="YMax">The bottom edge.</param>
public sealed record DetectionBox(int XMin, int YMin, int XMax, int YMax);
