using System.Text.Json;
using Bytez.Engine.Encoders;
using Bytez.Engine.Tasks.PostProcessing;
using Bytez.Engine.Tokenization.HuggingFace;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>zero-shot-classification</c> on an NLI <see cref="IEncoderInstance"/>, with the semantics of transformers 4.57's
/// <c>ZeroShotClassificationPipeline</c>: each candidate label is put into <c>hypothesis_template</c>, every
/// (text, hypothesis) pair is encoded with the premise truncated (<c>only_first</c>) and all pairs run as one batch;
/// the scores come from the entailment column (<see cref="ZeroShotPostProcessor"/>). The text and labels come from
/// <c>input</c> (<c>{"text", "candidate_labels"}</c>, as bytez.js and the SDK send them), or from <c>text</c>/<c>input</c>
/// with <c>candidate_labels</c> at the top level or in <c>params</c> (as the Python pipeline takes it).
/// </summary>
public sealed class ZeroShotClassificationPipeline : ITaskPipeline
{
    private readonly RequestLimitsOptions _limits;

    /// <summary>Creates the pipeline; <paramref name="limits"/> bounds the texts, labels and tokens of one request (defaults when null).</summary>
    public ZeroShotClassificationPipeline(RequestLimitsOptions? limits = null) => _limits = limits ?? new RequestLimitsOptions();

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = ["zero-shot-classification"],
        InputKeys = ["input", "text", "candidate_labels"],
        Parameters =
        [
            new("candidate_labels", "list of strings, or one comma-separated string", "none: required (here, at the top level or in input)", "The labels to choose from."),
            new("hypothesis_template", "string with {}", "\"This example is {}.\"", "The hypothesis each label is put into (Python's str.format)."),
            new("multi_label", "boolean", "false", "Score each label on its own (entailment against contradiction) instead of against the other labels."),
            new("multi_class", "boolean", "false", "Legacy name of multi_label (used when multi_label is absent)."),
        ],
        Output = "{\"sequence\", \"labels\", \"scores\"} with the labels best first; for a list of texts, one per text",
        RepositoryFiles = ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"],
        SmokeRequest = static _ => new RunRequest { Text = "The game was great.", CandidateLabels = ["sports", "politics"] },
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
        var tokenizer = encoder.Tokenizer.HuggingFace
            ?? throw EngineException.NotSupported($"{task} needs the model's tokenizer.json; {instance.Model.Id} has only vocab.txt.");
        var (texts, single, inputLabels) = ReadInput(request, task);
        var options = ReadOptions(request.Params, task);
        var labels = OneSource(task, ("input.candidate_labels", inputLabels), ("candidate_labels", request.CandidateLabels), ("params.candidate_labels", options.Labels));
        if (labels is { Count: > 0 } && labels.Count > _limits.MaxItems)
        {
            throw _limits.TooManyItems("candidate labels", labels.Count);
        }

        var parameters = ZeroShotParameters.Create(labels, options.Template, options.MultiLabel, options.MultiClass);
        var hypotheses = parameters.CandidateLabels.Select(l => HypothesisTemplate.Format(parameters.HypothesisTemplate, l)).ToList();
        var rows = new EncoderInput[texts.Count * hypotheses.Count];
        long total = 0;
        for (var t = 0; t < texts.Count; t++)
        {
            for (var h = 0; h < hypotheses.Count; h++)
            {
                var encoding = EncodePair(tokenizer, texts[t], hypotheses[h], encoder.Config.MaxLength);
                total += encoding.Count;
                if (total > _limits.MaxInputTokens)
                {
                    throw _limits.TooManyTokens($"reached at text {t}, label {h} ({texts.Count} texts × {hypotheses.Count} labels)");
                }

                rows[(t * hypotheses.Count) + h] = EncoderInput.From([.. encoding.Ids], [.. encoding.TypeIds]);
            }
        }

        var results = await encoder.RunAsync(rows, cancellationToken).ConfigureAwait(false);
        var entailment = ZeroShotPostProcessor.EntailmentId(encoder.Config.LabelIds);
        var answers = new List<TaskOutput>(texts.Count);
        for (var t = 0; t < texts.Count; t++)
        {
            var classes = results[t * hypotheses.Count]["logits"].Data.Length;
            var logits = new float[hypotheses.Count * classes];
            for (var h = 0; h < hypotheses.Count; h++)
            {
                var row = results[(t * hypotheses.Count) + h]["logits"].Data;
                if (row.Length != classes)
                {
                    throw EngineException.NotSupported($"The model gave rows of {row.Length} and {classes} logits.");
                }

                row.CopyTo(logits, h * classes);
            }

            var result = ZeroShotPostProcessor.Run(texts[t], parameters.CandidateLabels, logits, classes, entailment, parameters.MultiLabel);
            if (result.Scores.Any(double.IsNaN))
            {
                throw new EngineException(EngineErrorKind.Internal, "The model's entailment logits are too large to normalise (the scores are not numbers).");
            }

            answers.Add(new ZeroShotOutput(result));
        }

        return single ? answers[0] : new ListOutput(answers);
    }

    /// <summary>The pair as the pipeline encodes it: the premise truncated to fit, else (too short to cut) not truncated at all.</summary>
    private static TokenEncoding EncodePair(HfTokenizer tokenizer, string premise, string hypothesis, int maxLength)
    {
        try
        {
            return tokenizer.Encode(premise, hypothesis, new EncodeOptions { MaxLength = maxLength, Truncation = TruncationStrategy.OnlyFirst });
        }
        catch (EngineException e) when (e.Kind == EngineErrorKind.BadInput)
        {
            // transformers retries without truncation when the hypothesis alone is too long; the model then refuses the row.
            return tokenizer.Encode(premise, hypothesis);
        }
    }

    private static IReadOnlyList<string>? OneSource(string task, params (string Name, IReadOnlyList<string>? Labels)[] sources)
    {
        var given = sources.Where(s => s.Labels is not null).ToList();
        if (given.Count > 1)
        {
            throw EngineException.BadInput($"{task} takes `candidate_labels` once; got it as {string.Join(" and ", given.Select(s => $"`{s.Name}`"))}.");
        }

        return given.Count == 1 ? given[0].Labels : null;
    }

    private static Options ReadOptions(JsonElement? parameters, string task)
    {
        var options = new Options();
        foreach (var property in Arguments.Parameters(parameters, Declared.ParameterNames, task))
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "candidate_labels":
                    options.Labels = value.ValueKind == JsonValueKind.Null ? null : Labels(value, "params.candidate_labels", task);
                    break;
                case "hypothesis_template":
                    options.Template = Arguments.String(value, "hypothesis_template");
                    break;
                case "multi_label":
                    options.MultiLabel = Arguments.Bool(value, "multi_label");
                    break;
                default: // multi_class
                    options.MultiClass = Arguments.Bool(value, "multi_class");
                    break;
            }
        }

        return options;
    }

    private static IReadOnlyList<string> Labels(JsonElement value, string name, string task) => value.ValueKind switch
    {
        JsonValueKind.String => ZeroShotParameters.SplitLabels(value.GetString()!),
        JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. value.EnumerateArray().Select(e => e.GetString()!)],
        _ => throw EngineException.BadInput($"{task} expects `{name}` as a list of strings or one comma-separated string; got {Arguments.Describe(value)}."),
    };

    private (IReadOnlyList<string> Texts, bool Single, IReadOnlyList<string>? Labels) ReadInput(RunRequest request, string task)
    {
        const string Expected = "a string, a list of strings, or {\"text\", \"candidate_labels\"}";
        if (request.Input is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } input)
        {
            switch (input.ValueKind)
            {
                case JsonValueKind.String:
                    return ([input.GetString()!], true, null);
                case JsonValueKind.Array:
                    return (Arguments.StringList(input, "input", task, _limits), false, null);
                case JsonValueKind.Object:
                    IReadOnlyList<string>? labels = null;
                    JsonElement? text = null;
                    foreach (var property in input.EnumerateObject())
                    {
                        switch (property.Name)
                        {
                            case "text":
                                text = property.Value;
                                break;
                            case "candidate_labels":
                                labels = Labels(property.Value, "input.candidate_labels", task);
                                break;
                            default:
                                throw EngineException.BadInput($"{task} reads `text` and `candidate_labels` from `input`; got `{property.Name}`.");
                        }
                    }

                    return text switch
                    {
                        { ValueKind: JsonValueKind.String } s => ([s.GetString()!], true, labels),
                        { ValueKind: JsonValueKind.Array } list => (Arguments.StringList(list, "input.text", task, _limits), false, labels),
                        { } other => throw EngineException.BadInput($"{task} expects `input.text` as a string or a list of strings; got {Arguments.Describe(other)}."),
                        null => throw EngineException.BadInput($"{task} expects `input.text` (the text to classify) beside `input.candidate_labels`; got no `text`."),
                    };
                default:
                    throw EngineException.BadInput($"{task} expects `input` as {Expected}; got {Arguments.Describe(input)}.");
            }
        }

        return request.Text is { } t
            ? ([t], true, null)
            : throw EngineException.BadInput($"{task} expects `input` as {Expected} (or `text` with `candidate_labels`); got nothing.");
    }

    private sealed class Options
    {
        public IReadOnlyList<string>? Labels { get; set; }

        public string? Template { get; set; }

        public bool? MultiLabel { get; set; }

        public bool? MultiClass { get; set; }
    }

    /// <summary>One answer: <c>{sequence, labels, scores}</c>.</summary>
    private sealed class ZeroShotOutput(ZeroShotResult result) : TaskOutput
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStartObject();
            writer.WriteString("sequence", result.Sequence);
            writer.WriteStartArray("labels");
            foreach (var label in result.Labels)
            {
                writer.WriteStringValue(label);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("scores");
            foreach (var score in result.Scores)
            {
                writer.WriteNumberValue(score);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }
}
