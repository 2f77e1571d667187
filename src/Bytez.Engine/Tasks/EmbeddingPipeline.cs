using System.Text.Json;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// The <c>feature-extraction</c> and <c>sentence-similarity</c> tasks on an <see cref="IEmbeddingInstance"/>.
/// Input forms: <c>text</c> or <c>input</c> as a string (one vector), <c>input</c> as a list of strings (one vector
/// each), <c>input</c> as <c>{"text": ...}</c> (either of those), and Hugging Face's
/// <c>{"source_sentence": s, "sentences": [...]}</c> (the cosine similarity of each sentence to the source).
/// Parameters: <c>normalize</c>, <c>prompt_name</c>, <c>prompt</c>, <c>truncate</c>, <c>dimensions</c> (a Matryoshka
/// width: the vectors cut to their first n numbers, then scaled to unit length again when they are normalized, as
/// sentence-transformers' <c>truncate_dim</c> and OpenAI's <c>dimensions</c>; only for models that declare Matryoshka
/// widths, see <see cref="IEmbeddingInstance.MatryoshkaDimensions"/>). <see cref="EmbedAsync"/> also takes token ids.
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
            new("dimensions", "integer >= 1", "the model's width", "Matryoshka models only: keep each vector's first n numbers (re-normalized when the vectors are normalized)."),
        ],
        Output = "a list of numbers for one text; a list of lists for a list of texts; a list of similarity scores for {source_sentence, sentences}",
        RepositoryFiles =
        [
            "config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json", "modules.json",
            "sentence_bert_config.json", "config_sentence_transformers.json", "[0-9]*_*/config.json",
            "README.md", // the model card: its tags say whether the model was trained for Matryoshka widths
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
        var (options, dimensions) = ParseParams(request.Params, embedder, task);
        options = options with { MaxTotalTokens = _limits.MaxInputTokens };
        var input = ParseInput(request, task, _limits);
        if (input.Source is { } source)
        {
            var texts = new List<string>(input.Texts.Count + 1) { source };
            texts.AddRange(input.Texts);
            var vectors = Shorten(await embedder.EmbedAsync(texts, options, cancellationToken).ConfigureAwait(false), dimensions, embedder, options);
            var scores = new float[input.Texts.Count];
            for (var i = 0; i < scores.Length; i++)
            {
                scores[i] = CosineSimilarity(vectors[0], vectors[i + 1]);
            }

            return new ScoresOutput(scores);
        }

        var result = Shorten(await embedder.EmbedAsync(input.Texts, options, cancellationToken).ConfigureAwait(false), dimensions, embedder, options);
        return input.Single ? new EmbeddingOutput(result[0]) : new EmbeddingsOutput(result);
    }

    /// <summary>
    /// Embeds the texts of a request as <see cref="RunAsync"/> does (the same vectors, bit for bit) and counts the
    /// tokens the model was fed for them, for routes that report usage. <c>input</c> may also be token ids of the
    /// model's vocabulary (a list of integers for one sequence, a list of lists for several), fed exactly as given:
    /// no special tokens added and no prompt prepended, as vLLM and TEI treat pre-tokenized input, so a client sends
    /// the whole encoding (<c>[CLS] ... [SEP]</c> for BERT) to get the text's vector. The <c>source_sentence</c> form is refused.
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
        var (options, dimensions) = ParseParams(request.Params, embedder, task);
        options = options with { MaxTotalTokens = _limits.MaxInputTokens };
        if (TokenIds(request.Input, task, _limits) is { } ids)
        {
            var embedded = await embedder.EmbedTokensAsync(ids, options, cancellationToken).ConfigureAwait(false);
            return new EmbeddingResult(Shorten(embedded, dimensions, embedder, options), ids.Sum(t => t.Length));
        }

        var input = ParseInput(request, task, _limits);
        if (input.Source is not null)
        {
            throw EngineException.BadInput($"{task}: send the texts to embed, not {{\"source_sentence\", \"sentences\"}}.");
        }

        var vectors = await embedder.EmbedAsync(input.Texts, options, cancellationToken).ConfigureAwait(false);
        return new EmbeddingResult(Shorten(vectors, dimensions, embedder, options), embedder.CountTokens(input.Texts, options));
    }

    /// <summary>
    /// Token-id input: a list of integers (one sequence) or a list of lists of integers; <see langword="null"/> when
    /// <paramref name="input"/> is another form (text). At most <see cref="RequestLimitsOptions.MaxItems"/> sequences.
    /// </summary>
    private static List<int[]>? TokenIds(JsonElement? input, string task, RequestLimitsOptions limits)
    {
        if (input is not { ValueKind: JsonValueKind.Array } list || list.GetArrayLength() == 0)
        {
            return null;
        }

        var first = list[0];
        if (first.ValueKind == JsonValueKind.Number)
        {
            return [Ids(list, task, "input")];
        }

        if (first.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var count = list.GetArrayLength();
        if (count > limits.MaxItems)
        {
            throw EngineException.TooLarge(
                $"{task}: `input` holds {count} token lists; the server takes at most {limits.MaxItems} per request (Bytez:Requests:MaxItems).");
        }

        var sequences = new List<int[]>(count);
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Array)
            {
                throw EngineException.BadInput($"{task}: `input[{index}]` must be a list of token ids like the others; got {Describe(item)}.");
            }

            sequences.Add(Ids(item, task, $"input[{index}]"));
            index++;
        }

        return sequences;
    }

    private static int[] Ids(JsonElement list, string task, string field)
    {
        var ids = new int[list.GetArrayLength()];
        if (ids.Length == 0)
        {
            throw EngineException.BadInput($"{task}: `{field}` is an empty list of token ids; send at least one id.");
        }

        var i = 0;
        foreach (var id in list.EnumerateArray())
        {
            ids[i] = id.ValueKind == JsonValueKind.Number && id.TryGetInt32(out var value)
                ? value
                : throw EngineException.BadInput($"{task}: `{field}` must be a list of integer token ids; item {i} is {Describe(id)}.");
            i++;
        }

        return ids;
    }

    /// <summary>
    /// The vectors cut to <paramref name="dimensions"/> numbers (a Matryoshka width the model declares), scaled to
    /// unit length again when the call normalizes; unchanged without <paramref name="dimensions"/> or at the full width.
    /// </summary>
    private static float[][] Shorten(float[][] vectors, int? dimensions, IEmbeddingInstance embedder, EmbeddingOptions options)
    {
        if (dimensions is not { } n || vectors.Length == 0)
        {
            return vectors;
        }

        var width = vectors[0].Length;
        if (n > width)
        {
            throw EngineException.BadInput($"`dimensions` is {n}, more than the {width} numbers of {embedder.Model.Id}'s vectors; give at most {width}.");
        }

        if (n == width)
        {
            return vectors;
        }

        switch (embedder.MatryoshkaDimensions)
        {
            case null:
                throw EngineException.BadInput(
                    $"`dimensions` {n} is not available for {embedder.Model.Id}: it was not trained for shorter (Matryoshka) widths, so its first {n} numbers are no embedding; omit `dimensions` or send {width}.");
            case { Count: > 0 } listed when !listed.Contains(n):
                throw EngineException.BadInput(
                    $"`dimensions` {n} is not one of the Matryoshka widths {embedder.Model.Id} was trained for: {string.Join(", ", listed)} (or its full {width}).");
        }

        var normalize = options.Normalize ?? embedder.NormalizesByDefault;
        var shortened = new float[vectors.Length][];
        for (var v = 0; v < vectors.Length; v++)
        {
            var vector = vectors[v].AsSpan(0, n).ToArray();
            if (normalize)
            {
                double sum = 0;
                foreach (var x in vector)
                {
                    sum += (double)x * x;
                }

                var scale = 1 / Math.Max(Math.Sqrt(sum), 1e-12); // as torch.nn.functional.normalize
                for (var i = 0; i < vector.Length; i++)
                {
                    vector[i] = (float)(vector[i] * scale);
                }
            }

            shortened[v] = vector;
        }

        return shortened;
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

    private static (EmbeddingOptions Options, int? Dimensions) ParseParams(JsonElement? parameters, IEmbeddingInstance embedder, string task)
    {
        var options = new EmbeddingOptions();
        int? dimensions = null;
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
                case "dimensions":
                    dimensions = value.ValueKind == JsonValueKind.Null ? null
                        : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var d) && d >= 1 ? d
                        : throw Arguments.Bad("dimensions", "a positive integer (a Matryoshka width of the model)", value);
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

        return (options, dimensions);
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
