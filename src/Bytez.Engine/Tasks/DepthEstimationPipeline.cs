using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Tasks.PostProcessing;
using Bytez.Engine.Tensors;
using Bytez.Media.Images;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>depth-estimation</c> (DPT, Depth-Anything, GLPN: <c>predicted_depth</c> [h, w]) on an
/// <see cref="ITensorInstance"/>, with the semantics of transformers 4.57's <c>DepthEstimationPipeline</c>: the image
/// prepared by the model's image processor, <c>predicted_depth</c> upsampled to the image's size as
/// <c>post_process_depth_estimation</c> does (torch bicubic, <c>align_corners=False</c>:
/// <see cref="TorchInterpolate.Bicubic"/>), then the depth image <c>uint8((d − min) / (max − min) · 255)</c> in float32,
/// truncated. The answer is the Bytez container's: <c>{depth_png, formatted_predicted_depth_array}</c>, the depth
/// image as a bare base64 greyscale PNG and the rows of <c>uint8(d · 255 / max)</c> of the same upsampled depth.
/// </summary>
public sealed class DepthEstimationPipeline(MediaReader reader) : ITaskPipeline
{
    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.DepthEstimation],
        InputKeys = MediaReader.InputKeys,
        Parameters = [],
        Output = "{\"depth_png\": base64 greyscale PNG of the image's size (min-max scaled to 0-255), \"formatted_predicted_depth_array\": rows of integers 0-255 (depth · 255 / max)}",
        RepositoryFiles = [TensorModelConfig.ConfigFile, TensorModelConfig.PreprocessorFile],
        SmokeRequest = static _ => new RunRequest { Base64 = ImageSegmentationPipeline.SmokeImage },
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
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not a vision model with a depth head.");
        }

        var task = instance.Model.Task;
        Arguments.Parameters(request.Params, Declared.ParameterNames, task);
        var input = await reader.ReadAsync(request, task, cancellationToken).ConfigureAwait(false);
        var image = MediaErrors.Decode(input, bytes => ImageDecoder.Decode(bytes, reader.Limits));
        var results = await model.RunAsync([ImageRows.Row(ImageRows.Processor(model), image, model)], cancellationToken).ConfigureAwait(false);
        var predicted = results[0]["predicted_depth"];
        var shape = predicted.Shape;
        if (shape.Count == 3 && shape[0] == 1)
        {
            shape = [shape[1], shape[2]];
        }

        if (shape.Count != 2 || shape[0] < 1 || shape[1] < 1)
        {
            throw EngineException.NotSupported($"The model {instance.Model.Id} gives predicted_depth of shape {predicted}; depth estimation needs [height, width] per image.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var depth = TorchInterpolate.Bicubic(predicted.AsFloats(), shape[0], shape[1], image.Height, image.Width);
        return new DepthOutput(PngEncoder.EncodeGrey(DepthImage(depth), image.Width, image.Height), Formatted(depth), image.Width);
    }

    /// <summary>
    /// The pipeline's depth image: <c>((d − min) / (max − min) · 255).astype(uint8)</c> in float32. A flat depth
    /// (max = min, where numpy divides by zero) is all 0.
    /// </summary>
    public static byte[] DepthImage(ReadOnlySpan<float> depth)
    {
        var (min, max) = Range(depth);
        var range = max - min;
        var image = new byte[depth.Length];
        for (var i = 0; i < depth.Length; i++)
        {
            image[i] = ToByte((depth[i] - min) / range * 255f);
        }

        return image;
    }

    /// <summary>
    /// The Bytez container's <c>formatted_predicted_depth_array</c>: <c>(d · 255 / max).astype(uint8)</c> in float32,
    /// where numpy leaves values outside 0-255 undefined: here negative values (and NaN) are 0 and values over 255 are 255.
    /// </summary>
    public static byte[] Formatted(ReadOnlySpan<float> depth)
    {
        var (_, max) = Range(depth);
        var formatted = new byte[depth.Length];
        for (var i = 0; i < depth.Length; i++)
        {
            formatted[i] = ToByte(depth[i] * 255f / max);
        }

        return formatted;
    }

    private static (float Min, float Max) Range(ReadOnlySpan<float> depth)
    {
        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        foreach (var d in depth)
        {
            min = Math.Min(min, d);
            max = Math.Max(max, d);
        }

        return (min, max);
    }

    /// <summary>numpy's float32 → uint8 of a value in range (truncation toward zero); NaN and below 0 are 0, above 255 is 255.</summary>
    private static byte ToByte(float value) => float.IsNaN(value) || value <= 0f ? (byte)0 : value >= 255f ? (byte)255 : (byte)value;

    private sealed class DepthOutput(byte[] png, byte[] formatted, int width) : TaskOutput
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStartObject();
            writer.WriteString("depth_png", Convert.ToBase64String(png));
            writer.WriteStartArray("formatted_predicted_depth_array");
            for (var row = 0; row < formatted.Length; row += width)
            {
                writer.WriteStartArray();
                for (var x = 0; x < width; x++)
                {
                    writer.WriteNumberValue(formatted[row + x]);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }
}
