using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Tensors;
using Bytez.Media.Audio;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>audio-classification</c> on an <see cref="ITensorInstance"/> (wav2vec2/HuBERT classifiers, AST), with the
/// semantics of transformers 4.57's <c>AudioClassificationPipeline</c>: the sound decoded at the feature extractor's
/// rate (<see cref="AudioFeatures"/>), one forward pass over the whole clip, <c>function_to_apply</c> (softmax by
/// default, sigmoid or none, in float32) on the logits, then the <c>top_k</c> best labels (default 5; null: all;
/// capped at the label count) sorted by score, equal scores in label-id order: <c>[{score, label}]</c>.
/// </summary>
public sealed class AudioClassificationPipeline : ITaskPipeline
{
    private readonly MediaReader _reader;

    /// <summary>Creates the pipeline; <paramref name="reader"/> reads the request's sound and carries the media limits.</summary>
    public AudioClassificationPipeline(MediaReader reader) => _reader = reader ?? throw new ArgumentNullException(nameof(reader));

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.AudioClassification],
        InputKeys = MediaReader.InputKeys,
        Parameters =
        [
            new("top_k", "integer >= 0 or null", "5", "Return the k best labels sorted by score (capped at the label count; 0 returns none, as torch.topk); null returns every label."),
            new("function_to_apply", "\"softmax\", \"sigmoid\" or \"none\"", "softmax", "The function turning logits into scores."),
        ],
        Output = "[{\"score\", \"label\"}] sorted by score, at most top_k of them",
        RepositoryFiles = ["config.json", "preprocessor_config.json"],
        SmokeRequest = static _ => new RunRequest { Base64 = Convert.ToBase64String(WavEncoder.EncodeFloat32(SmokeTone(), 16000)) },
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
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not an audio model with a classification head.");
        }

        var task = instance.Model.Task;
        var (topK, function) = ReadOptions(request.Params, model.Config.LabelCount, task);
        var features = AudioFeatures.For(model);
        var media = await _reader.ReadAsync(request, task, cancellationToken).ConfigureAwait(false);
        var samples = await features.DecodeAsync(media, _reader.Limits, cancellationToken).ConfigureAwait(false);
        var results = await model.RunAsync([features.Row(model, samples)], cancellationToken).ConfigureAwait(false);
        var scores = TextClassificationPipeline.Scores(results[0]["logits"].AsFloats(), function);
        if (scores.Any(s => !float.IsFinite(s)))
        {
            throw new EngineException(EngineErrorKind.Internal, "The model produced a score that is not a finite number.");
        }

        var best = scores.Select((score, id) => new LabelScore(model.Config.Label(id), score))
            .OrderByDescending(s => s.Score) // stable: equal scores keep label-id order
            .Take(Math.Min(topK ?? scores.Length, scores.Length))
            .ToList();
        return new ScoreLabelsOutput(best);
    }

    private static (int? TopK, ScoreFunction Function) ReadOptions(JsonElement? parameters, int labels, string task)
    {
        int? topK = 5;
        var function = ScoreFunction.Softmax;
        foreach (var property in Arguments.Parameters(parameters, Declared.ParameterNames, task))
        {
            var value = property.Value;
            if (property.Name == "top_k")
            {
                topK = value.ValueKind == JsonValueKind.Null ? null : Arguments.Int(value, "top_k", 0);
            }
            else
            {
                // As the pipeline: null means softmax; the names are exact (lower case).
                function = Arguments.String(value, "function_to_apply") switch
                {
                    null or "softmax" => ScoreFunction.Softmax,
                    "sigmoid" => ScoreFunction.Sigmoid,
                    "none" => ScoreFunction.None,
                    _ => throw Arguments.Bad("function_to_apply", "one of \"softmax\", \"sigmoid\", \"none\"", value),
                };
            }
        }

        return (topK is { } k ? Math.Min(k, Math.Max(labels, 1)) : null, function);
    }

    /// <summary>A tenth of a second of a 440 Hz tone at 16 kHz, the smoke request's sound.</summary>
    internal static float[] SmokeTone() =>
        Enumerable.Range(0, 1600).Select(n => 0.5f * (float)Math.Sin(2 * Math.PI * 440 * n / 16000)).ToArray();
}
