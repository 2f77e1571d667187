using System.Text.Json;
using Bytez.Engine.Encoders;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>text-classification</c> (alias <c>sentiment-analysis</c>) on an <see cref="IEncoderInstance"/>, with the semantics
/// of transformers 4.57's <c>TextClassificationPipeline</c>: the function applied to the logits is chosen from
/// <c>problem_type</c> and the label count unless <c>function_to_apply</c> says it (softmax max-shifted, sigmoid or
/// none, in float32); without <c>top_k</c> the answer is the legacy one (<c>[{label, score}]</c> of the best label, or
/// with <c>return_all_scores</c> every label in id order); with <c>top_k</c> the labels sorted by score (ties keep id
/// order), cut to <c>top_k</c> (<c>null</c>: all). Texts longer than the model's maximum length are cut.
/// </summary>
public sealed class TextClassificationPipeline : ITaskPipeline
{
    private readonly RequestLimitsOptions _limits;

    /// <summary>Creates the pipeline; <paramref name="limits"/> bounds the texts and tokens of one request (defaults when null).</summary>
    public TextClassificationPipeline(RequestLimitsOptions? limits = null) => _limits = limits ?? new RequestLimitsOptions();

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = ["text-classification", "sentiment-analysis"],
        InputKeys = ["text", "input"],
        Parameters =
        [
            new("top_k", "integer >= 1 or null", "absent: the legacy answer (the best label only)", "Return the k best labels sorted by score; null returns every label sorted."),
            new("function_to_apply", "\"softmax\", \"sigmoid\" or \"none\"", "from the model: none for regression, sigmoid for multi-label or one-label models, else softmax", "The function turning logits into scores."),
            new("return_all_scores", "boolean", "the model configuration's, else false", "Legacy: without top_k, return every label in label-id order (wrapped in a list)."),
        ],
        Output = "[{\"label\", \"score\"}] for one text (legacy); with top_k a list of {label, score} sorted by score; for a list of texts, one such answer per text",
        RepositoryFiles = ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"],
        SmokeRequest = static _ => new RunRequest { Text = "Hello world" },
    };

    /// <inheritdoc />
    public TaskContract Contract => Declared;

    /// <inheritdoc />
    public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        if (instance is not IEncoderInstance encoder)
        {
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not an encoder with a classification head.");
        }

        var task = instance.Model.Task;
        var options = ReadOptions(request.Params, encoder.Config, task);
        var (texts, single) = Arguments.Texts(request, task, _limits);
        var rows = new EncoderInput[texts.Count];
        long total = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            var encoding = encoder.Tokenizer.Encode(texts[i], encoder.Config.MaxLength);
            total += encoding.Ids.Length;
            if (total > _limits.MaxInputTokens)
            {
                throw _limits.TooManyTokens($"reached at text {i} of {texts.Count}, each text cut to {encoder.Config.MaxLength} tokens");
            }

            rows[i] = EncoderInput.From(encoding.Ids, encoding.TypeIds);
        }

        var results = await encoder.RunAsync(rows, cancellationToken).ConfigureAwait(false);
        var answers = results.Select(r => Answer(Scores(r["logits"].Data, options.Function), encoder.Config, options)).ToList();

        // As the Python pipeline: one text without top_k is answered as a list of its answer.
        return single && options.Legacy ? new ListOutput([answers[0]]) : single ? answers[0] : new ListOutput(answers);
    }

    /// <summary>
    /// The function Hugging Face applies when the request names none: none for regression, sigmoid for multi-label
    /// or one-label models, softmax for single-label or several labels, else the configuration's own key.
    /// </summary>
    public static ScoreFunction AutoFunction(EncoderModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.ProblemType == "regression")
        {
            return ScoreFunction.None;
        }

        if (config.ProblemType == "multi_label_classification" || config.LabelCount == 1)
        {
            return ScoreFunction.Sigmoid;
        }

        if (config.ProblemType == "single_label_classification" || config.LabelCount > 1)
        {
            return ScoreFunction.Softmax;
        }

        return config.FunctionToApply is { } named && ParseFunction(named) is { } function ? function : ScoreFunction.None;
    }

    /// <summary>The scores of logits under a function, in float32 (softmax shifted by the maximum, as numpy does).</summary>
    public static float[] Scores(ReadOnlySpan<float> logits, ScoreFunction function)
    {
        var scores = new float[logits.Length];
        switch (function)
        {
            case ScoreFunction.Sigmoid:
                for (var i = 0; i < logits.Length; i++)
                {
                    scores[i] = 1f / (1f + (float)Math.Exp(-logits[i]));
                }

                break;
            case ScoreFunction.Softmax:
                var max = float.NegativeInfinity;
                foreach (var x in logits)
                {
                    max = Math.Max(max, x);
                }

                for (var i = 0; i < logits.Length; i++)
                {
                    scores[i] = (float)Math.Exp(logits[i] - max);
                }

                var sum = PairwiseSum(scores);
                for (var i = 0; i < scores.Length; i++)
                {
                    scores[i] /= sum;
                }

                break;
            default:
                logits.CopyTo(scores);
                break;
        }

        return scores;
    }

    /// <summary>
    /// The float32 sum numpy computes for a contiguous array (its pairwise summation: sequential below 8 values,
    /// eight running sums up to 128, halves above), so that softmax divides by the very same sum.
    /// </summary>
    public static float PairwiseSum(ReadOnlySpan<float> values) => Bytez.Media.NumpyPairwise.Sum(values);

    private static TaskOutput Answer(float[] scores, EncoderModelConfig config, Options options)
    {
        foreach (var score in scores)
        {
            if (!float.IsFinite(score))
            {
                throw new EngineException(EngineErrorKind.Internal, "The model produced a score that is not a finite number.");
            }
        }

        if (options.Legacy && options.TopK == 1)
        {
            var best = 0;
            for (var i = 1; i < scores.Length; i++)
            {
                if (scores[i] > scores[best])
                {
                    best = i; // the first of equal maxima, as numpy's argmax
                }
            }

            return new LabelScoreOutput(new LabelScore(config.Label(best), scores[best]));
        }

        IEnumerable<LabelScore> all = scores.Select((score, i) => new LabelScore(config.Label(i), score));
        if (!options.Legacy)
        {
            all = all.OrderByDescending(s => s.Score); // stable: equal scores keep label-id order, as Python's sort
            if (options.TopK is { } k)
            {
                all = all.Take(k);
            }
        }

        return new LabelScoresOutput(all.ToList());
    }

    private static Options ReadOptions(JsonElement? parameters, EncoderModelConfig config, string task)
    {
        bool? returnAllScores = null;
        ScoreFunction? function = null;
        var topKGiven = false;
        int? topK = 1;
        foreach (var property in Arguments.Parameters(parameters, Declared.ParameterNames, task))
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "top_k":
                    topKGiven = true;
                    topK = value.ValueKind == JsonValueKind.Null ? null : Arguments.Int(value, "top_k", 1);
                    break;
                case "function_to_apply":
                    var name = Arguments.String(value, "function_to_apply");
                    function = name is null ? null : ParseFunction(name)
                        ?? throw Arguments.Bad("function_to_apply", "one of \"softmax\", \"sigmoid\", \"none\"", value);
                    break;
                default: // return_all_scores
                    returnAllScores = Arguments.Bool(value, "return_all_scores");
                    break;
            }
        }

        returnAllScores ??= config.ReturnAllScores;
        if (!topKGiven && returnAllScores is { } all)
        {
            topK = all ? null : 1;
        }

        return new Options(function ?? AutoFunction(config), topK, Legacy: !topKGiven);
    }

    private static ScoreFunction? ParseFunction(string name) => name.ToUpperInvariant() switch
    {
        "SOFTMAX" => ScoreFunction.Softmax,
        "SIGMOID" => ScoreFunction.Sigmoid,
        "NONE" => ScoreFunction.None,
        _ => null,
    };

    private sealed record Options(ScoreFunction Function, int? TopK, bool Legacy);
}

/// <summary>The function a classification applies to its logits (Hugging Face's <c>ClassificationFunction</c>).</summary>
public enum ScoreFunction
{
    /// <summary>The logits as they are (regression).</summary>
    None,

    /// <summary>1 / (1 + e^-x) per label (multi-label, one label).</summary>
    Sigmoid,

    /// <summary>e^(x - max) / Σ e^(x - max) over the labels (single-label).</summary>
    Softmax,
}
