using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Tensors;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>image-classification</c> on an <see cref="ITensorInstance"/>, with the semantics of transformers 4.57's
/// <c>ImageClassificationPipeline</c>: each image is preprocessed by the model's image processor
/// (<see cref="ImageRows"/>), its <c>logits</c> turned into scores by the function <c>function_to_apply</c> names or,
/// without it, sigmoid for multi-label or one-label models, softmax for single-label or several labels, else the
/// configuration's own <c>function_to_apply</c>, else none (float32, <see cref="TextClassificationPipeline.Scores"/>);
/// the labels are sorted by score (ties keep id order) and cut to <c>top_k</c> (5, at most the label count).
/// </summary>
public sealed class ImageClassificationPipeline(MediaReader reader) : ITaskPipeline
{
    private const int DefaultTopK = 5;

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.ImageClassification],
        InputKeys = MediaReader.InputKeys,
        Parameters =
        [
            new("top_k", "integer >= 1", "5 (at most the label count); null: 5", "Return the k best labels, sorted by score."),
            new("function_to_apply", "\"softmax\", \"sigmoid\" or \"none\"", "from the model: sigmoid for multi-label or one-label models, else softmax", "The function turning logits into scores."),
        ],
        Output = "[{\"label\", \"score\"}] sorted by score for one image; for a list of images, one such list per image",
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
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not an image classifier.");
        }

        var (function, topK) = ReadOptions(request.Params, model.Config, instance.Model.Task);
        var (images, single) = await ImageRows.ReadAsync(reader, model, request, cancellationToken).ConfigureAwait(false);
        var results = await model.RunAsync(images.Select(i => i.Row).ToList(), cancellationToken).ConfigureAwait(false);
        var answers = results.Select(r => (TaskOutput)Answer(r["logits"].AsFloats(), model.Config, function, topK)).ToList();
        return single ? answers[0] : new ListOutput(answers);
    }

    /// <summary>
    /// The function the Python image pipeline applies when the request names none: sigmoid for a multi-label or
    /// one-label model, softmax for a single-label one or several labels, else the configuration's
    /// <c>function_to_apply</c>, else none (unlike text classification, <c>regression</c> is not looked at).
    /// </summary>
    public static ScoreFunction AutoFunction(TensorModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.ProblemType == "multi_label_classification" || config.LabelCount == 1)
        {
            return ScoreFunction.Sigmoid;
        }

        if (config.ProblemType == "single_label_classification" || config.LabelCount > 1)
        {
            return ScoreFunction.Softmax;
        }

        return config.Raw.TryGetProperty("function_to_apply", out var named) && named.ValueKind == JsonValueKind.String
            && ParseFunction(named.GetString()!) is { } function ? function : ScoreFunction.None;
    }

    private static LabelScoresOutput Answer(float[] logits, TensorModelConfig config, ScoreFunction function, int topK)
    {
        var scores = TextClassificationPipeline.Scores(logits, function);
        foreach (var score in scores)
        {
            if (!float.IsFinite(score))
            {
                throw new EngineException(EngineErrorKind.Internal, "The model produced a score that is not a finite number.");
            }
        }

        // Python caps top_k at num_labels (the configuration's count); a wider output is cut there too.
        var k = config.LabelCount > 0 ? Math.Min(topK, config.LabelCount) : topK;
        var sorted = scores.Select((score, i) => new LabelScore(config.Label(i), score))
            .OrderByDescending(s => s.Score) // stable: equal scores keep label-id order, as Python's sort
            .Take(k)
            .ToList();
        return new LabelScoresOutput(sorted);
    }

    private static (ScoreFunction Function, int TopK) ReadOptions(JsonElement? parameters, TensorModelConfig config, string task)
    {
        ScoreFunction? function = null;
        var topK = DefaultTopK;
        foreach (var property in Arguments.Parameters(parameters, Declared.ParameterNames, task))
        {
            var value = property.Value;
            if (property.Name == "top_k")
            {
                topK = value.ValueKind == JsonValueKind.Null ? DefaultTopK : Arguments.Int(value, "top_k", 1);
            }
            else
            {
                var name = Arguments.String(value, "function_to_apply");
                function = name is null ? null : ParseFunction(name)
                    ?? throw Arguments.Bad("function_to_apply", "one of \"softmax\", \"sigmoid\", \"none\"", value);
            }
        }

        return (function ?? AutoFunction(config), topK);
    }

    private static ScoreFunction? ParseFunction(string name) => name.ToUpperInvariant() switch
    {
        "SOFTMAX" => ScoreFunction.Softmax,
        "SIGMOID" => ScoreFunction.Sigmoid,
        "NONE" => ScoreFunction.None,
        _ => null,
    };
}
