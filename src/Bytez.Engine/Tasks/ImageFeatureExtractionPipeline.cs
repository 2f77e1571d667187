using System.Text.Json;
using Bytez.Engine.ImageFeatures;
using Bytez.Engine.Media;
using Bytez.Engine.Tensors;
using Bytez.Media.Images;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>image-feature-extraction</c> on an <see cref="ITensorInstance"/>, with the semantics of transformers 4.57's
/// <c>ImageFeatureExtractionPipeline</c>: each image is preprocessed by the model's image processor
/// (<see cref="ImageRows"/>) and answered with the model's first output, <c>last_hidden_state</c>, unnormalized;
/// <c>pool: true</c> answers <c>pooler_output</c> instead. The shape is Bytez's <c>number[][]</c> for both:
/// <c>last_hidden_state</c> as [tokens][hidden] (Python's list without its batch axis of one) and
/// <c>pooler_output</c> as [[hidden]] (Python's list as it is). A model that gives only a pooled vector and
/// preprocesses for itself (<see cref="IImageFeatureInstance"/>: the embedded ResNet18, 512 features) answers
/// [[features]] with or without <c>pool</c>, the shape of <c>pool: true</c>.
/// </summary>
public sealed class ImageFeatureExtractionPipeline(MediaReader reader) : ITaskPipeline
{
    private const string HiddenState = "last_hidden_state";
    private const string Pooled = "pooler_output";

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.ImageFeatureExtraction],
        InputKeys = MediaReader.InputKeys,
        Parameters =
        [
            new("pool", "boolean", "false", "Return the model's pooler_output ([[hidden]]) instead of last_hidden_state ([tokens][hidden])."),
        ],
        Output = "number[][]: last_hidden_state as [tokens][hidden], or with pool [[hidden]]; for a list of images, one per image",
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
        var pool = false;
        foreach (var property in Arguments.Parameters(request.Params, Declared.ParameterNames, instance.Model.Task))
        {
            pool = Arguments.Bool(property.Value, "pool") ?? false;
        }

        if (instance is IImageFeatureInstance featurizer)
        {
            return await PooledAsync(featurizer, request, cancellationToken).ConfigureAwait(false);
        }

        if (instance is not ITensorInstance model)
        {
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not an image encoder.");
        }

        var names = model.Outputs.Select(o => o.Name).ToList();
        if (pool && !names.Contains(Pooled))
        {
            throw EngineException.BadInput(
                $"`pool: true` asks for the model's {Pooled}; the model {instance.Model.Id} gives none (it gives: {string.Join(", ", names)}).");
        }

        // As Python's model_outputs[0]: last_hidden_state, or the model's first output when it is named otherwise.
        var output = pool ? Pooled : names.Contains(HiddenState) ? HiddenState : names[0];
        var (images, single) = await ImageRows.ReadAsync(reader, model, request, cancellationToken).ConfigureAwait(false);
        var results = await model.RunAsync(images.Select(i => i.Row).ToList(), cancellationToken).ConfigureAwait(false);
        var answers = results.Select(r => (TaskOutput)new FeaturesOutput(r[output], pool)).ToList();
        return single ? answers[0] : new ListOutput(answers);
    }

    /// <summary>Each image given to a model that decodes (in its turn) and preprocesses for itself; its vector answered as [[features]].</summary>
    private async ValueTask<TaskOutput> PooledAsync(IImageFeatureInstance model, RunRequest request, CancellationToken cancellationToken)
    {
        var inputs = await reader.ReadAllAsync(request, model.Model.Task, cancellationToken).ConfigureAwait(false);
        var vectors = await Task.WhenAll(inputs.Items.Select(item => model.FeaturesAsync(
            () => MediaErrors.Decode(item, bytes => ImageDecoder.Decode(bytes, reader.Limits)), cancellationToken).AsTask())).ConfigureAwait(false);
        var answers = vectors.Select(v => (TaskOutput)new FeaturesOutput(TensorValue.Float(v, v.Length), wrap: true)).ToList();
        return inputs.Single ? answers[0] : new ListOutput(answers);
    }

    /// <summary>One image's features: a tensor written as nested lists, with a list around it when pooled.</summary>
    private sealed class FeaturesOutput(TensorValue features, bool wrap) : TaskOutput
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            var values = features.AsFloats();
            if (wrap)
            {
                writer.WriteStartArray();
            }

            var index = 0;
            Write(writer, values, features.Shape, 0, ref index);
            if (wrap)
            {
                writer.WriteEndArray();
            }
        }

        private static void Write(Utf8JsonWriter writer, float[] values, IReadOnlyList<int> shape, int axis, ref int index)
        {
            writer.WriteStartArray();
            if (axis == shape.Count - 1 || shape.Count == 0)
            {
                var n = shape.Count == 0 ? 1 : shape[axis];
                for (var i = 0; i < n; i++)
                {
                    writer.WriteNumberValue(values[index++]);
                }
            }
            else
            {
                for (var i = 0; i < shape[axis]; i++)
                {
                    Write(writer, values, shape, axis + 1, ref index);
                }
            }

            writer.WriteEndArray();
        }
    }
}
