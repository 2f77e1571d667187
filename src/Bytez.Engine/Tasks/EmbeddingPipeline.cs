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

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.FeatureExtraction, BytezTasks.SentenceSimilarity],
        InputKeys = ["text", "input"],
        Parameters =
        [
            new("normalize", "boolean", "what the model's configuration prescribes (a Normalize module)", "Scale each vector to unit length."),
            new("prompt", "string", "none", "A literal prompt prepended to every text (wins over `prompt_name`)."),
            new("prompt_name", "string", "the model's default prompt, if any", "The name of a prompt from the model's configuration (for example `query`)."),
            new("truncate", "boolean", "true", "Cut texts longer than the model's maximum length; false refuses them."),
        ],
        Output = "a list of numbers for one text; a list of lists for a list of texts; a list of similarity scores for {source_sentence, sentences}",
        RepositoryFiles =
        [
            "config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json", "modules.json",
            "sentence_bert_config.json", "config_sentence_transformers.json", "[0-9]*_*/config.json",
        ],
        SmokeRequest = static _ => new RunRequest { Text = "Hello world" },
    };

    /// <summary>The parameters this pipeline accepts in <c>params</c>.</summary>
    public static IReadOnlyList<string> SupportedParameters { get; } = Declared.ParameterNames;

    /// <inheritdoc />
    public TaskContract Contract => Declared;

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
    /// Embeds the texts of a request as <see cref="RunAsync"/> does (the same vectors, bit for bit) and counts the
    /// tokens the model was fed for them, for routes that report usage. The <c>source_sentence</c> form is refused.
    /// </summary>
    /// <exception cref="EngineException">The model is not an embedding model, or the input or parameters are bad.</exception>
    public async ValueTask<EmbeddingResult> EmbedAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
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
        if (input.Source is not null)
        {
            throw EngineException.BadInput($"{task}: send the texts to embed, not {{\"source_sentence\", \"sentences\"}}.");
        }

        var vectors = await embedder.EmbedAsync(input.Texts, options, cancellationToken).ConfigureAwait(false);
        return new EmbeddingResult(vectors, embedder.CountTokens(input.Texts, options));
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
        var options = new EmbeddingOptions();
        foreach (var property in Arguments.Parameters(parameters, SupportedParameters, task))
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "normalize":
                    options = options with { Normalize = Arguments.Bool(value, "normalize") };
                    break;
                case "truncate":
                    options = options with { Truncate = Arguments.Bool(value, "truncate") ?? true };
                    break;
                case "prompt":
                    options = options with { Prompt = Arguments.String(value, "prompt") };
                    break;
                default: // prompt_name
                    var name = Arguments.String(value, "prompt_name");
                    if (name is not null && !embedder.PromptNames.Contains(name))
                    {
                        throw EngineException.BadInput(embedder.PromptNames.Count == 0
                            ? $"`prompt_name` '{name}' is unknown: the model {embedder.Model.Id} defines no prompts."
                            : $"`prompt_name` '{name}' is unknown; the model {embedder.Model.Id} defines: {string.Join(", ", embedder.PromptNames.Order(StringComparer.Ordinal))}.");
                    }

                    options = options with { PromptName = name };
                    break;
            }
        }

        return options;
    }

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

    private static List<string> ReadStringList(JsonElement value, string task, string field, RequestLimitsOptions limits) =>
        Arguments.StringList(value, field, task, limits);

    private static string Describe(JsonElement value) => Arguments.Describe(value);

    private sealed record ParsedInput(IReadOnlyList<string> Texts, bool Single, string? Source);
}
