using System.Text.Json;
using Bytez.Engine.Encoders;
using Bytez.Engine.Tasks.PostProcessing;
using Bytez.Engine.Tokenization.HuggingFace;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>token-classification</c> (alias <c>ner</c>) on an <see cref="IEncoderInstance"/>, with the semantics of
/// transformers 4.57's <c>TokenClassificationPipeline</c>: each text is encoded with offsets, word ids and the
/// special-tokens mask (cut at the model's maximum length, or with <c>stride</c> read in overlapping windows), every
/// window of every text goes to the encoder in one call (which batches it with concurrent requests), and
/// <see cref="TokenClassificationPostProcessor"/> labels, aggregates, groups and filters the tokens.
/// </summary>
public sealed class TokenClassificationPipeline : ITaskPipeline
{
    private readonly RequestLimitsOptions _limits;

    /// <summary>Creates the pipeline; <paramref name="limits"/> bounds the texts and tokens of one request (defaults when null).</summary>
    public TokenClassificationPipeline(RequestLimitsOptions? limits = null) => _limits = limits ?? new RequestLimitsOptions();

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.TokenClassification, "ner"],
        InputKeys = ["text", "input"],
        Parameters =
        [
            new("aggregation_strategy", "\"none\", \"simple\", \"first\", \"average\" or \"max\"", "\"none\"", "How tokens are fused into entities: none gives one item per token, the others group words and B-/I- tags."),
            new("ignore_labels", "list of strings", "[\"O\"]", "Labels left out of the output (after grouping)."),
            new("stride", "integer >= 0, below the model's maximum length", "none: a long text is cut", "Read a long text in windows overlapping by this many tokens (needs an aggregation other than none)."),
            new("grouped_entities", "boolean", "absent", "Legacy: true means simple (first with ignore_subwords); overrides aggregation_strategy."),
            new("ignore_subwords", "boolean", "absent", "Legacy: with grouped_entities, true means first; overrides aggregation_strategy."),
        ],
        Output = "aggregation none: [{\"entity\", \"score\", \"index\", \"word\", \"start\", \"end\"}]; otherwise [{\"entity_group\", \"score\", \"word\", \"start\", \"end\"}]; for a list of texts, one such list per text",
        RepositoryFiles = ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"],
        SmokeRequest = static _ => new RunRequest { Text = "John lives in Paris." },
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
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not an encoder with a token-classification head.");
        }

        var task = instance.Model.Task;
        var tokenizer = encoder.Tokenizer.HuggingFace
            ?? throw EngineException.NotSupported($"{task} needs the model's tokenizer.json (offsets and word ids); the model {instance.Model.Id} has only vocab.txt.");
        var parameters = ReadParameters(request.Params, encoder.Config, task);
        var (texts, single) = Arguments.Texts(request, task, _limits);
        var options = new EncodeOptions { MaxLength = encoder.Config.MaxLength, Stride = parameters.Stride ?? 0 };

        // Every window of every text, in order; each text remembers which rows are its windows.
        var windows = new List<TokenEncoding>();
        var firstWindow = new int[texts.Count + 1];
        long total = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            firstWindow[i] = windows.Count;
            var encoding = tokenizer.Encode(texts[i], null, options);
            // Without stride the pipeline only truncates: the overflowing windows are dropped.
            IEnumerable<TokenEncoding> textWindows = parameters.Stride is null ? [encoding] : [encoding, .. encoding.Overflowing];
            foreach (var window in textWindows.Where(w => w.Count > 0))
            {
                total += window.Count;
                if (total > _limits.MaxInputTokens)
                {
                    throw _limits.TooManyTokens($"reached at text {i} of {texts.Count}, in windows of {encoder.Config.MaxLength} tokens");
                }

                windows.Add(window);
            }
        }

        firstWindow[texts.Count] = windows.Count;
        var rows = windows.Select(w => EncoderInput.From([.. w.Ids], [.. w.TypeIds])).ToList();
        var results = rows.Count == 0 ? [] : await encoder.RunAsync(rows, cancellationToken).ConfigureAwait(false);

        var model = new TokenClassifierInfo(
            encoder.Config.Labels,
            tokenizer.UnknownTokenId,
            tokenizer.ContinuingSubwordPrefix is not null,
            tokens => tokenizer.ConvertTokensToString(tokens));
        var answers = new List<TaskOutput>(texts.Count);
        for (var i = 0; i < texts.Count; i++)
        {
            var chunks = new List<TokenClassificationChunk>();
            for (var w = firstWindow[i]; w < firstWindow[i + 1]; w++)
            {
                chunks.Add(new TokenClassificationChunk(Tokens(windows[w], tokenizer), results[w]["logits"].Data));
            }

            // A text without tokens (empty, for a tokenizer that adds no special tokens) has no entities, as in Python.
            var result = chunks.Count == 0
                ? new TokenClassificationResult(parameters.Strategy == AggregationStrategy.None ? [] : null, parameters.Strategy == AggregationStrategy.None ? null : [])
                : TokenClassificationPostProcessor.Run(texts[i], chunks, model, parameters);
            answers.Add(new EntitiesOutput(result));
        }

        return single ? answers[0] : new ListOutput(answers);
    }

    /// <summary>The tokens of a window as the post-processing reads them (vocabulary spellings, code-point offsets).</summary>
    private static EncodedToken[] Tokens(TokenEncoding window, HfTokenizer tokenizer)
    {
        var tokens = new EncodedToken[window.Count];
        for (var t = 0; t < tokens.Length; t++)
        {
            var id = window.Ids[t];
            tokens[t] = new EncodedToken(
                id,
                tokenizer.TokenToString(id) ?? window.Tokens[t], // convert_ids_to_tokens
                window.Offsets[t].Start,
                window.Offsets[t].End,
                window.SpecialTokensMask[t] == 1,
                window.WordIds[t],
                window.SequenceIds[t]);
        }

        return tokens;
    }

    private static TokenClassificationParameters ReadParameters(JsonElement? parameters, EncoderModelConfig config, string task)
    {
        string? strategy = null;
        IReadOnlyList<string>? ignore = null;
        int? stride = null;
        bool? grouped = null;
        bool? ignoreSubwords = null;
        foreach (var property in Arguments.Parameters(parameters, Declared.ParameterNames, task))
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "aggregation_strategy":
                    strategy = Arguments.String(value, "aggregation_strategy");
                    if (strategy is not null)
                    {
                        TokenClassificationParameters.ParseStrategy(strategy); // a 400 naming the valid names
                    }

                    break;
                case "ignore_labels":
                    ignore = value.ValueKind == JsonValueKind.Null ? null : Labels(value);
                    break;
                case "stride":
                    stride = value.ValueKind == JsonValueKind.Null ? null : Arguments.Int(value, "stride", 0, config.MaxLength - 1);
                    break;
                case "grouped_entities":
                    grouped = Arguments.Bool(value, "grouped_entities");
                    break;
                default: // ignore_subwords
                    ignoreSubwords = Arguments.Bool(value, "ignore_subwords");
                    break;
            }
        }

        return TokenClassificationParameters.Create(strategy, ignore, stride, config.MaxLength, grouped, ignoreSubwords);
    }

    /// <summary><c>ignore_labels</c>: a list of strings, possibly empty (keep every label).</summary>
    private static List<string> Labels(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw Arguments.Bad("ignore_labels", "a list of strings", value);
        }

        return value.EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    /// <summary>The entities of one text: a JSON array of Hugging Face's token or group objects, in their key order.</summary>
    private sealed class EntitiesOutput(TokenClassificationResult result) : TaskOutput
    {
        public override void WriteTo(Utf8JsonWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStartArray();
            foreach (var e in result.Tokens ?? [])
            {
                writer.WriteStartObject();
                writer.WriteString("entity", e.Entity);
                writer.WriteNumber("score", e.Score);
                writer.WriteNumber("index", e.Index);
                writer.WriteString("word", e.Word);
                writer.WriteNumber("start", e.Start);
                writer.WriteNumber("end", e.End);
                writer.WriteEndObject();
            }

            foreach (var g in result.Groups ?? [])
            {
                writer.WriteStartObject();
                writer.WriteString("entity_group", g.EntityGroup);
                writer.WriteNumber("score", g.Score);
                writer.WriteString("word", g.Word);
                writer.WriteNumber("start", g.Start);
                writer.WriteNumber("end", g.End);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }
}
