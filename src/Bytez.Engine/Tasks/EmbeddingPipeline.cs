using System.Text.Json;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// The <c>feature-extraction</c> and <c>sentence-similarity</c> tasks on an <see cref="IEmbeddingInstance"/>.
/// Input forms: <c>text</c> or <c>input</c> as a string (one vector), <c>input</c> as a list of strings (one vector
/// each), <c>input</c> as <c>{"text": ...}</c> (either of those), and Hugging Face's
/// <c>{"source_sentence": s, "sentences": [...]}</c> (the cosine similarity of each sentence to the source).
/// Parameters: <c>normalize</c>, <c>prompt_name</c>, <c>prompt</c>, <c>truncate</c>.
/// </summary>
public sealed class EmbeddingPipeline : ITaskPipeline
{
    private readonly RequestLimitsOptions _limits;

    /// <summary>Creates the pipeline; <paramref name="limits"/> bounds the texts and tokens of one request (defaults when <see langword="null"/>).</summary>
    public EmbeddingPipeline(RequestLimitsOptions? limits = null) => _limits = limits ?? new RequestLimitsOptions();

    /// <summary>The parameters this pipeline accepts in <c>params</c>.</summary>
    public static IReadOnlyList<string> SupportedParameters { get; } = ["normalize", "prompt", "prompt_name", "truncate"];

    /// <inheritdoc />
    public IReadOnlyCollection<string> Tasks { get; } = [BytezTasks.FeatureExtraction, BytezTasks.SentenceSimilarity];

    /// <inheritdoc />
    public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        if (instance is not IEmbeddingInstance embedder)
        {
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not an embedding model.");
        }

        var task = instance.Model.Task;
        var options = ParseParams(request.Params, embedder, task) with { MaxTotalTokens = _limits.MaxInputTokens };
        var input = ParseInput(request, task, _limits);
        if (input.Source is { } source)
        {
            var texts = new List<string>(input.Texts.Count + 1) { source };
            texts.AddRange(input.Texts);
            var vectors = await embedder.EmbedAsync(texts, options, cancellationToken).ConfigureAwait(false);
            var scores = new float[input.Texts.Count];
            for (var i = 0; i < scores.Length; i++)
            {
                scores[i] = CosineSimilarity(vectors[0], vectors[i + 1]);
            }

            return new ScoresOutput(scores);
        }

        var result = await embedder.EmbedAsync(input.Texts, options, cancellationToken).ConfigureAwait(false);
        return input.Single ? new EmbeddingOutput(result[0]) : new EmbeddingsOutput(result);
    }

    /// <summary>
    /// The cosine similarity of two vectors, as sentence-transformers' <c>util.cos_sim</c>: each normalized first
    /// (norm floored at 1e-12), whatever their length.
    /// </summary>
    public static float CosineSimilarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("The vectors differ in length.", nameof(b));
        }

        double dot = 0, aa = 0, bb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }

        return (float)(dot / (Math.Max(Math.Sqrt(aa), 1e-12) * Math.Max(Math.Sqrt(bb), 1e-12)));
    }

    private static EmbeddingOptions ParseParams(JsonElement? parameters, IEmbeddingInstance embedder, string task)
    {
        if (parameters is not { } p || p.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return new EmbeddingOptions();
        }

        if (p.ValueKind != JsonValueKind.Object)
        {
            throw EngineException.BadInput($"`params` must be an object; got {Describe(p)}.");
        }

        var options = new EmbeddingOptions();
        foreach (var property in p.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "normalize":
                    options = options with { Normalize = RequireBool(value, "normalize") };
                    break;
                case "truncate":
                    options = options with { Truncate = RequireBool(value, "truncate") ?? true };
                    break;
                case "prompt":
                    options = options with { Prompt = RequireString(value, "prompt") };
                    break;
                case "prompt_name":
                    var name = RequireString(value, "prompt_name");
                    if (name is not null && !embedder.PromptNames.Contains(name))
                    {
                        throw EngineException.BadInput(embedder.PromptNames.Count == 0
                            ? $"`prompt_name` '{name}' is unknown: the model {embedder.Model.Id} defines no prompts."
                            : $"`prompt_name` '{name}' is unknown; the model {embedder.Model.Id} defines: {string.Join(", ", embedder.PromptNames.Order(StringComparer.Ordinal))}.");
                    }

                    options = options with { PromptName = name };
                    break;
                default:
                    throw EngineException.BadInput(
                        $"Unknown parameter `{property.Name}` for {task}; supported parameters: {string.Join(", ", SupportedParameters)}.");
            }
        }

        return options;
    }

    private static bool? RequireBool(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => throw EngineException.BadInput($"Parameter `{name}` must be true or false; got {Describe(value)}."),
    };

    private static string? RequireString(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null => null,
        _ => throw EngineException.BadInput($"Parameter `{name}` must be a string; got {Describe(value)}."),
    };

    private static ParsedInput ParseInput(RunRequest request, string task, RequestLimitsOptions limits)
    {
        if (request.Input is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } input)
        {
            return ParseValue(input, task, allowObject: true, limits);
        }

        if (request.Text is not null)
        {
            return new ParsedInput([request.Text], Single: true, Source: null);
        }

        throw EngineException.BadInput(
            $"{task} expects `input` (or `text`) as a string or a list of strings, or `input` as {{\"source_sentence\": string, \"sentences\": [strings]}}; got nothing.");
    }

    private static ParsedInput ParseValue(JsonElement value, string task, bool allowObject, RequestLimitsOptions limits)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return new ParsedInput([value.GetString()!], Single: true, Source: null);
            case JsonValueKind.Array:
                return new ParsedInput(ReadStringList(value, task, "input", limits), Single: false, Source: null);
            case JsonValueKind.Object when allowObject:
                if (value.TryGetProperty("source_sentence", out var source))
                {
                    if (source.ValueKind != JsonValueKind.String)
                    {
                        throw EngineException.BadInput($"{task} expects `source_sentence` as a string; got {Describe(source)}.");
                    }

                    if (!value.TryGetProperty("sentences", out var sentences))
                    {
                        throw EngineException.BadInput($"{task} expects `sentences` (a list of strings) beside `source_sentence`.");
                    }

                    return new ParsedInput(ReadStringList(sentences, task, "sentences", limits), Single: false, Source: source.GetString());
                }

                if (value.TryGetProperty("text", out var text))
                {
                    return ParseValue(text, task, allowObject: false, limits);
                }

                throw EngineException.BadInput(
                    $"{task} expects `input` as a string, a list of strings, {{\"text\": ...}} or {{\"source_sentence\": string, \"sentences\": [strings]}}; got an object with neither `text` nor `source_sentence`.");
            default:
                throw EngineException.BadInput(
                    $"{task} expects `input` (or `text`) as a string or a list of strings; got {Describe(value)}.");
        }
    }

    private static List<string> ReadStringList(JsonElement value, string task, string field, RequestLimitsOptions limits)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw EngineException.BadInput($"{task} expects `{field}` as a list of strings; got {Describe(value)}.");
        }

        var count = value.GetArrayLength();
        if (count == 0)
        {
            throw EngineException.BadInput($"{task} expects `{field}` as a non-empty list of strings; got an empty list.");
        }

        if (count > limits.MaxItems)
        {
            throw limits.TooManyItems($"texts in `{field}`", count);
        }

        var texts = new List<string>(count);
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw EngineException.BadInput($"{task} expects `{field}` as a list of strings; item {i} is {Describe(item)}.");
            }

            texts.Add(item.GetString()!);
            i++;
        }

        return texts;
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private sealed record ParsedInput(IReadOnlyList<string> Texts, bool Single, string? Source);
}
