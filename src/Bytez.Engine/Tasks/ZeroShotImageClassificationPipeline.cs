using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Tasks.PostProcessing;
using Bytez.Engine.Tensors;
using Bytez.Engine.Tokenization;
using Bytez.Engine.Tokenization.HuggingFace;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>zero-shot-image-classification</c> on a CLIP-style dual encoder exported as one graph (Optimum's and Xenova's
/// <c>onnx/model.onnx</c>: <c>input_ids</c>, <c>attention_mask</c> for CLIP, <c>pixel_values</c> →
/// <c>logits_per_image</c>), with the semantics of transformers 4.57's <c>ZeroShotImageClassificationPipeline</c>: each
/// candidate label is put into <c>hypothesis_template</c> (default <c>"This is a photo of {}."</c>, Python's
/// <c>str.format</c>); the hypotheses are tokenized with the model's <c>tokenizer.json</c>, padded to the longest
/// (SigLIP, whose <c>model_type</c> contains <c>siglip</c>: padded and truncated to 64, <c>padding="max_length"</c>);
/// each image (preprocessed by its image processor, <see cref="ImageRows"/>) runs once with all the hypotheses
/// (<see cref="TensorRow.Whole"/>); row 0 of <c>logits_per_image</c> becomes scores by softmax over the labels (SigLIP:
/// sigmoid of each), in float32, and the labels are sorted by score (stable), as <c>[{score, label}]</c>.
/// The labels come from <c>input.candidate_labels</c> (bytez.js and the SDK send <c>{url|base64, candidate_labels}</c>),
/// the top-level <c>candidate_labels</c>, or <c>params.candidate_labels</c>: exactly one of them.
/// </summary>
public sealed class ZeroShotImageClassificationPipeline(MediaReader reader, TokenizerOptions? tokenizers = null, RequestLimitsOptions? limits = null) : ITaskPipeline
{
    /// <summary>transformers' default <c>hypothesis_template</c> (with the period; transformers.js leaves it out).</summary>
    public const string DefaultTemplate = "This is a photo of {}.";

    /// <summary>SigLIP's tokenizer length in the pipeline (<c>padding="max_length", max_length=64, truncation=True</c>).</summary>
    public const int SiglipLength = 64;

    private static readonly ConditionalWeakTable<ITensorInstance, HfTokenizer> Tokenizers = new();
    private readonly TokenizerOptions _tokenizerOptions = tokenizers ?? TokenizerOptions.Default;
    private readonly RequestLimitsOptions _limits = limits ?? new RequestLimitsOptions();

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.ZeroShotImageClassification],
        InputKeys = [.. MediaReader.InputKeys, "candidate_labels"],
        Parameters =
        [
            new("candidate_labels", "list of strings, or one comma-separated string", "none: required (in input, at the top level or here)", "The labels to choose from."),
            new("hypothesis_template", "string with {}", $"\"{DefaultTemplate}\"", "The sentence each label is put into (Python's str.format)."),
        ],
        Output = "[{\"score\", \"label\"}] sorted by score for one image; for a list of images, one such list per image",
        RepositoryFiles = ["config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"],
        SmokeRequest = static _ => new RunRequest { Base64 = ImageRows.SmokeRequest().Base64, CandidateLabels = ["a photo", "a drawing"] },
    };

    /// <inheritdoc />
    public TaskContract Contract => Declared;

    /// <inheritdoc />
    public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        if (instance is not ITensorInstance model || !model.Inputs.Any(i => i.Name == "input_ids"))
        {
            throw EngineException.NotSupported(
                $"The model {instance.Model.Id} is not a dual encoder exported as one graph (onnx/model.onnx taking input_ids and pixel_values, giving logits_per_image).");
        }

        var task = instance.Model.Task;
        var (labels, template) = ReadOptions(request, task);
        var siglip = model.Config.ModelType.Contains("siglip", StringComparison.Ordinal);
        var texts = Tokenize(model, labels, template, siglip);
        var (images, single) = await ImageRows.ReadAsync(reader, model, request, cancellationToken).ConfigureAwait(false);
        var feeds = images.Select(image => Feed(model, texts, image.Row)).ToList();
        var results = await model.RunAsync(feeds, cancellationToken).ConfigureAwait(false);
        var answers = results.Select(r => (TaskOutput)Answer(r["logits_per_image"], labels, siglip)).ToList();
        return single ? answers[0] : new ListOutput(answers);
    }

    /// <summary>The labels and the template of a request (the 400s of a missing, empty or mistyped value).</summary>
    private (IReadOnlyList<string> Labels, string Template) ReadOptions(RunRequest request, string task)
    {
        IReadOnlyList<string>? fromParams = null;
        var template = DefaultTemplate;
        foreach (var property in Arguments.Parameters(request.Params, Declared.ParameterNames, task))
        {
            var value = property.Value;
            if (property.Name == "candidate_labels")
            {
                fromParams = value.ValueKind == JsonValueKind.Null ? null : Labels(value, "params.candidate_labels", task);
            }
            else
            {
                template = Arguments.String(value, "hypothesis_template") ?? DefaultTemplate;
            }
        }

        IReadOnlyList<string>? fromInput = null;
        switch (request.Input)
        {
            case { ValueKind: JsonValueKind.Object } input when input.TryGetProperty("candidate_labels", out var inInput) && inInput.ValueKind != JsonValueKind.Null:
                fromInput = Labels(inInput, "input.candidate_labels", task);
                break;
            case { ValueKind: JsonValueKind.Array } list when list.EnumerateArray().Any(i => i.ValueKind == JsonValueKind.Object && i.TryGetProperty("candidate_labels", out _)):
                throw EngineException.BadInput(
                    $"{task} takes one set of `candidate_labels` for a list of images: give it at the top level or in `params`, not in the items of `input`.");
        }

        var given = new[] { ("input.candidate_labels", fromInput), ("candidate_labels", request.CandidateLabels), ("params.candidate_labels", fromParams) }
            .Where(s => s.Item2 is not null).ToList();
        if (given.Count > 1)
        {
            throw EngineException.BadInput($"{task} takes `candidate_labels` once; got it as {string.Join(" and ", given.Select(s => $"`{s.Item1}`"))}.");
        }

        var labels = given.Count == 1 ? given[0].Item2! : throw EngineException.BadInput(
            $"{task} needs `candidate_labels`, the labels to choose from (a list of strings), in `input` beside the image, at the top level or in `params`.");
        if (labels.Count == 0)
        {
            throw EngineException.BadInput($"{task} needs at least one candidate label; `{given[0].Item1}` is empty.");
        }

        if (labels.Count > _limits.MaxItems)
        {
            throw _limits.TooManyItems("candidate labels", labels.Count);
        }

        return (labels, template);
    }

    private static IReadOnlyList<string> Labels(JsonElement value, string name, string task) => value.ValueKind switch
    {
        JsonValueKind.String => ZeroShotParameters.SplitLabels(value.GetString()!),
        JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. value.EnumerateArray().Select(e => e.GetString()!)],
        _ => throw EngineException.BadInput($"{task} expects `{name}` as a list of strings or one comma-separated string; got {Arguments.Describe(value)}."),
    };

    /// <summary>
    /// The hypotheses as the pipeline tokenizes them: <c>input_ids</c> and <c>attention_mask</c> [labels, tokens], padded
    /// to the longest (<c>padding=True</c>) on the tokenizer's padding side, or, for SigLIP, truncated and padded to 64.
    /// </summary>
    private (long[] Ids, long[] Mask, int Length) Tokenize(ITensorInstance model, IReadOnlyList<string> labels, string template, bool siglip)
    {
        var tokenizer = Tokenizer(model);
        var options = new EncodeOptions
        {
            MaxLength = siglip ? SiglipLength : null,
            PadToLength = siglip ? SiglipLength : null,
            TruncationSide = tokenizer.TruncationSide,
            PaddingSide = tokenizer.PaddingSide,
        };
        var encodings = new TokenEncoding[labels.Count];
        long total = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            encodings[i] = tokenizer.Encode(HypothesisTemplate.Format(template, labels[i]), null, options);
            total += encodings[i].Count;
            if (total > _limits.MaxInputTokens)
            {
                throw _limits.TooManyTokens($"reached at label {i} of {labels.Count}");
            }
        }

        var length = encodings.Max(e => e.Count);
        var positions = MaxPositions(model.Config);
        if (positions is { } max && length > max)
        {
            var longest = Array.FindIndex(encodings, e => e.Count == length);
            throw EngineException.BadInput(string.Create(CultureInfo.InvariantCulture,
                $"The hypothesis of the candidate label {longest} (\"{labels[longest]}\") has {length} tokens; the model {model.Model.Id} reads at most {max} (text_config.max_position_embeddings)."));
        }

        var pad = tokenizer.PadTokenId;
        if (pad is null && encodings.Any(e => e.Count != length))
        {
            throw EngineException.NotSupported(
                $"The tokenizer of {model.Model.Id} has no padding token, so hypotheses of different lengths cannot be batched (set pad_token in tokenizer_config.json).");
        }

        var ids = new long[labels.Count * length];
        var mask = new long[labels.Count * length];
        for (var i = 0; i < labels.Count; i++)
        {
            var encoding = encodings[i];
            var padding = length - encoding.Count;
            var offset = (i * length) + (options.PaddingSide == PaddingSide.Left ? padding : 0);
            var padOffset = (i * length) + (options.PaddingSide == PaddingSide.Left ? 0 : encoding.Count);
            for (var t = 0; t < encoding.Count; t++)
            {
                ids[offset + t] = encoding.Ids[t];
                mask[offset + t] = encoding.AttentionMask[t];
            }

            for (var t = 0; t < padding; t++)
            {
                ids[padOffset + t] = pad!.Value;
            }
        }

        return (ids, mask, length);
    }

    /// <summary><c>text_config.max_position_embeddings</c>, when the configuration gives it.</summary>
    private static int? MaxPositions(TensorModelConfig config) =>
        config.Raw.TryGetProperty("text_config", out var text) && text.ValueKind == JsonValueKind.Object
        && text.TryGetProperty("max_position_embeddings", out var max) && max.ValueKind == JsonValueKind.Number && max.TryGetInt32(out var value) && value > 0
            ? value
            : null;

    /// <summary>The whole feed of one image: the hypotheses [labels, tokens] and the image [1, 3, H, W].</summary>
    private static TensorRow Feed(ITensorInstance model, (long[] Ids, long[] Mask, int Length) texts, TensorRow image)
    {
        var labels = texts.Ids.Length / texts.Length;
        var inputs = new Dictionary<string, TensorValue>(StringComparer.Ordinal)
        {
            ["input_ids"] = TensorValue.Int64(texts.Ids, labels, texts.Length),
        };
        if (model.Inputs.Any(i => i.Name == "attention_mask"))
        {
            inputs["attention_mask"] = TensorValue.Int64(texts.Mask, labels, texts.Length);
        }

        foreach (var (name, value) in image.Inputs)
        {
            int[] shape = [1, .. value.Shape];
            inputs[name] = value.Kind == TensorElementKind.Float ? TensorValue.Float(value.Floats!, shape) : TensorValue.Int64(value.Longs!, shape);
        }

        return TensorRow.Whole(inputs);
    }

    /// <summary>Row 0 of <c>logits_per_image</c> as scores (softmax, or sigmoid for SigLIP), sorted as the pipeline sorts them.</summary>
    private static ScoreLabelsOutput Answer(TensorValue logitsPerImage, IReadOnlyList<string> labels, bool siglip)
    {
        if (logitsPerImage.Shape.Count != 2 || logitsPerImage.Shape[0] != 1 || logitsPerImage.Shape[1] != labels.Count)
        {
            throw EngineException.NotSupported(
                $"The model gives logits_per_image of shape {logitsPerImage}; for one image and {labels.Count} labels it should be [1, {labels.Count}].");
        }

        var scores = TextClassificationPipeline.Scores(logitsPerImage.AsFloats(), siglip ? ScoreFunction.Sigmoid : ScoreFunction.Softmax);
        if (scores.Any(s => !float.IsFinite(s)))
        {
            throw new EngineException(EngineErrorKind.Internal, "The model produced a score that is not a finite number.");
        }

        return new ScoreLabelsOutput([.. scores.Select((score, i) => new LabelScore(labels[i], score)).OrderByDescending(s => s.Score)]);
    }

    /// <summary>The model's <c>tokenizer.json</c>, read once per loaded instance.</summary>
    private HfTokenizer Tokenizer(ITensorInstance model)
    {
        if (Tokenizers.TryGetValue(model, out var cached))
        {
            return cached;
        }

        var tokenizer = HfTokenizer.FromDirectory(model.Model.Path, _tokenizerOptions);
        return Tokenizers.GetValue(model, _ => tokenizer);
    }
}
