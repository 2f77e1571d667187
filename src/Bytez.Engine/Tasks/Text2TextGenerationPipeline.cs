using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Engine.Metrics;
using Bytez.Protocol;

namespace Bytez.Engine.Tasks;

/// <summary>
/// <c>text2text-generation</c>, <c>summarization</c> and <c>translation</c> (and <c>translation_xx_to_yy</c>) on an
/// <see cref="ISeq2SeqInstance"/>, as transformers 4.57's <c>Text2TextGenerationPipeline</c>,
/// <c>SummarizationPipeline</c> and <c>TranslationPipeline</c> run them: the task's <c>task_specific_params</c> and
/// prefix, the pipeline's generation defaults (<see cref="Seq2SeqGenerationConfig"/>), <c>params</c> as the generate
/// keyword arguments, and for multilingual tokenizers (mBART, mBART-50, M2M100, NLLB) the source language token from
/// <c>src_lang</c> and the target's as <c>forced_bos_token_id</c> from <c>tgt_lang</c> (with neither, the tokenizer's own
/// template and nothing forced, so that the smoke run can try the model; Python raises there). The answer is the generated text
/// (the Bytez form of <c>[{"summary_text"}]</c>, <c>[{"translation_text"}]</c>, <c>[{"generated_text"}]</c>); a list of
/// texts with <c>num_return_sequences</c> &gt; 1. Streams as text generation does.
/// </summary>
public sealed class Text2TextGenerationPipeline : IStreamingTaskPipeline
{
    private readonly EngineMetrics? _metrics;
    private readonly RequestLimitsOptions _limits;

    /// <summary>
    /// Creates the pipeline; <paramref name="metrics"/>, when given, records the tokens generated; <paramref name="limits"/>
    /// bound the source tokens of one request (the defaults when null).
    /// </summary>
    public Text2TextGenerationPipeline(EngineMetrics? metrics = null, RequestLimitsOptions? limits = null)
    {
        _metrics = metrics;
        _limits = limits ?? new RequestLimitsOptions();
    }

    /// <summary>The generate parameters read from <c>params</c> (stop strings are known but refused).</summary>
    private static readonly TaskParameter[] GenerateParameters =
    [
        new("max_new_tokens", "integer >= 1 or null", "256 (the pipeline's), unless the model sets max_length", "The most tokens to generate; null lets max_length bound them."),
        new("max_length", "integer >= 1", "the model's generation_config / task_specific_params, else 20", "The most decoder tokens, start token included (used without max_new_tokens)."),
        new("min_new_tokens", "integer >= 0", "0", "The fewest tokens generated before the end token may end the answer."),
        new("min_length", "integer >= 0", "the model's, else 0", "The fewest decoder tokens before the end token."),
        new("num_beams", "integer from 1 to 16", "4 (the pipeline's)", "Beams of beam search; 1 is greedy search (or sampling)."),
        new("num_return_sequences", "integer from 1 to 16 (at most num_beams with beams)", "1", "Answers to return: the best beams, or several samples."),
        new("length_penalty", "number", "the model's, else 1.0", "Beam scores are log-probability sums divided by length to this power."),
        new("early_stopping", "boolean or \"never\"", "the model's, else false", "When beam search stops."),
        new("no_repeat_ngram_size", "integer >= 0", "the model's, else 0", "Never repeat an n-gram of this size."),
        new("repetition_penalty", "number > 0", "1.0", "Penalize tokens already generated."),
        new("do_sample", "boolean", "the model's, else false", "Sample instead of taking the most likely token (not with num_beams > 1)."),
        new("temperature", "number > 0", "1.0", "Divides the logits before sampling."),
        new("top_k", "integer >= 0", "50", "Sample among the k most likely tokens (0: all)."),
        new("top_p", "number in (0, 1]", "1.0", "Sample among the most likely tokens whose probabilities add up to p."),
        new("typical_p", "number in (0, 1]", "1.0", "Locally typical sampling."),
        new("min_p", "number in [0, 1]", "0", "Drop tokens less likely than min_p times the most likely one."),
        new("seed", "integer", "random", "Seed of the sampler, for repeatable samples."),
        new("bad_words_ids", "list of lists of integers", "the model's", "Token sequences never generated."),
        new("eos_token_id", "integer or list of integers", "the model's", "Token ids that end the answer."),
        new("forced_bos_token_id", "integer", "the model's (or tgt_lang's token)", "The token forced first."),
        new("forced_eos_token_id", "integer or list of integers", "the model's", "The token forced at the last position max_length leaves."),
        new("suppress_tokens", "list of integers", "none", "Tokens never generated."),
        new("begin_suppress_tokens", "list of integers", "none", "Tokens not generated first."),
        new("decoder_start_token_id", "integer", "the model's", "The first decoder token."),
        new("pad_token_id", "integer", "the model's", "Accepted and checked; padding is internal."),
        new("bos_token_id", "integer", "the model's", "Accepted and checked."),
        new("use_cache", "boolean", "true", "Accepted; the key-value caches are always used."),
        new("max_time", "number of seconds in (0, 86400]", "none", "Stop generating after this long."),
    ];

    /// <summary>What this pipeline reads and answers.</summary>
    public static TaskContract Declared { get; } = new()
    {
        Tasks = [BytezTasks.Text2TextGeneration, BytezTasks.Summarization, BytezTasks.Translation],
        InputKeys = ["text", "input"],
        Parameters =
        [
            .. GenerateParameters,
            new("src_lang", "string (a language code of the tokenizer)", "from a translation_xx_to_yy task name", "Multilingual translation models: the source language."),
            new("tgt_lang", "string (a language code of the tokenizer)", "from a translation_xx_to_yy task name", "Multilingual translation models: the target language (forced as the first token)."),
        ],
        Output = "a string; a list of strings for num_return_sequences > 1",
        RepositoryFiles = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"],
        SmokeRequest = static _ => new RunRequest
        {
            Text = "Hello",
            Params = JsonSerializer.SerializeToElement(new ModelParameters { MaxNewTokens = 1, NumBeams = 1 }, ProtocolJsonContext.Default.ModelParameters),
        },
    };

    /// <summary>The names <c>params</c> may hold: the contract's, and the stop strings that are refused with their reason.</summary>
    private static readonly HashSet<string> Readable =
        [.. Declared.ParameterNames, "stop", "stop_strings", .. GenerationSettings.NotImplemented.Keys];

    /// <summary>Tokenizer classes whose source is <c>[language] text &lt;/s&gt;</c> (transformers' <c>_build_translation_inputs</c>).</summary>
    private static readonly HashSet<string> PrefixLanguageTokenizers = new(StringComparer.Ordinal)
    {
        "NllbTokenizer", "NllbTokenizerFast", "MBart50Tokenizer", "MBart50TokenizerFast", "M2M100Tokenizer",
    };

    /// <summary>Tokenizer classes whose source is <c>text &lt;/s&gt; [language]</c> (mBART's).</summary>
    private static readonly HashSet<string> SuffixLanguageTokenizers = new(StringComparer.Ordinal) { "MBartTokenizer", "MBartTokenizerFast" };

    /// <inheritdoc />
    public TaskContract Contract => Declared;

    /// <inheritdoc />
    public async ValueTask<TaskOutput> RunAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        var run = Prepare(instance, request);
        var started = Stopwatch.GetTimestamp();
        var sequences = await Seq2SeqGenerator.GenerateTokensAsync(run, cancellationToken).ConfigureAwait(false);
        _metrics?.Generated(run.Model.Model.Id, sequences.Sum(s => s.Length), Stopwatch.GetElapsedTime(started));
        var texts = sequences.Select(s => (TaskOutput)new TextOutput(run.Model.Tokenizer.Decode(s, skipSpecialTokens: true))).ToList();
        return texts.Count == 1 ? texts[0] : new ListOutput(texts);
    }

    /// <inheritdoc />
    public ValueTask<IAsyncEnumerable<string>> StartStreamAsync(IModelInstance instance, RunRequest request, CancellationToken cancellationToken)
    {
        var run = Prepare(instance, request);
        if (run.Settings.NumReturnSequences > 1)
        {
            throw EngineException.BadInput("`num_return_sequences` > 1 cannot be streamed; send \"stream\": false to get them all.");
        }

        return ValueTask.FromResult(Stream(run, cancellationToken));
    }

    private async IAsyncEnumerable<string> Stream(Seq2SeqRequest run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var tokens = 0;
        try
        {
            await foreach (var piece in Seq2SeqGenerator.StreamAsync(run, cancellationToken).ConfigureAwait(false))
            {
                tokens = piece.GeneratedTokens;
                if (piece.Text.Length > 0)
                {
                    yield return piece.Text;
                }
            }
        }
        finally
        {
            _metrics?.Generated(run.Model.Model.Id, tokens, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>Reads and checks everything before generation starts, so that a bad request is refused before anything is sent.</summary>
    private Seq2SeqRequest Prepare(IModelInstance instance, RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(request);
        if (instance is not ISeq2SeqInstance model)
        {
            throw EngineException.NotSupported($"The model {instance.Model.Id} is not an encoder-decoder; {instance.Model.Task} needs one.");
        }

        var task = instance.Model.Task;
        var text = ReadText(request, task);
        var (generate, srcLang, tgtLang) = SplitParameters(request.Params, task);
        var languages = LanguageLayout(model);
        if (languages is not null && BytezTasks.TryParseTranslation(task, out var fromName, out var toName) && srcLang is null && tgtLang is null)
        {
            // As TranslationPipeline: without src_lang and tgt_lang, a translation_xx_to_yy task name gives them.
            (srcLang, tgtLang) = (fromName, toName);
        }

        if (languages is null || BytezTasks.Canonical(task) != BytezTasks.Translation)
        {
            // Only TranslationPipeline on a multilingual tokenizer reads them; elsewhere Python ignores them too.
            srcLang = tgtLang = null;
        }
        else if ((srcLang is null) != (tgtLang is null))
        {
            throw EngineException.BadInput(
                $"{model.Model.Id} is a multilingual translation model: give `src_lang` and `tgt_lang` together in params (language codes of its tokenizer, such as \"{Example(model)}\"); one without the other cannot be used.");
        }

        int? forcedBos = null;
        if (tgtLang is not null)
        {
            if (generate.ContainsKey("forced_bos_token_id"))
            {
                throw EngineException.BadInput("Give either `tgt_lang` or `forced_bos_token_id`, not both: the target language is forced as the first token.");
            }

            forcedBos = LanguageTokenId(model, tgtLang, "tgt_lang");
        }

        using var parameters = ToJson(generate, forcedBos);
        var run = Seq2SeqGenerator.Prepare(model, text, task, parameters.RootElement);
        if (srcLang is not null)
        {
            // As _build_translation_inputs: the tokenizer's language tokens around the text, no task prefix.
            var language = LanguageTokenId(model, srcLang, "src_lang");
            var body = model.Tokenizer.Encode(text, addSpecialTokens: false);
            var eos = model.Tokenizer.EosTokenIds is [var end, ..] ? end
                : throw EngineException.NotSupported($"The tokenizer of {model.Model.Id} names no end-of-sequence token.");
            int[] source = languages == LanguagePlace.Prefix ? [language, .. body, eos] : [.. body, eos, language];
            if (source.Length > model.Info.MaxSourceLength)
            {
                throw EngineException.BadInput($"The text has {source.Length} tokens; this model reads at most {model.Info.MaxSourceLength}. Shorten the input.");
            }

            run = run with { Source = source };
        }

        if (run.Source.Length > _limits.MaxInputTokens)
        {
            throw _limits.TooManyTokens($"the text has {run.Source.Length}");
        }

        return run;
    }

    /// <summary>
    /// Separates <c>params</c> into the generate keyword arguments and <c>src_lang</c> / <c>tgt_lang</c>; an unknown
    /// name is refused naming the supported ones.
    /// </summary>
    private static (Dictionary<string, JsonElement> Generate, string? SrcLang, string? TgtLang) SplitParameters(JsonElement? parameters, string task)
    {
        var generate = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        string? src = null, tgt = null;
        if (parameters is { ValueKind: JsonValueKind.Object } given
            && given.EnumerateObject().Select(p => p.Name).FirstOrDefault(name => !Readable.Contains(name)) is { } unknown)
        {
            throw Arguments.UnknownParameter(unknown, task, Declared.ParameterNames);
        }

        foreach (var property in Arguments.Parameters(parameters, Readable, task))
        {
            switch (property.Name)
            {
                case "src_lang":
                    src = Arguments.String(property.Value, "src_lang");
                    break;
                case "tgt_lang":
                    tgt = Arguments.String(property.Value, "tgt_lang");
                    break;
                default:
                    generate[property.Name] = property.Value;
                    break;
            }
        }

        return (generate, src, tgt);
    }

    /// <summary>The generate keyword arguments as one JSON object, with the target language's token as <c>forced_bos_token_id</c>.</summary>
    private static JsonDocument ToJson(Dictionary<string, JsonElement> generate, int? forcedBos)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in generate)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            if (forcedBos is { } id)
            {
                writer.WriteNumber("forced_bos_token_id", id);
            }

            writer.WriteEndObject();
        }

        return JsonDocument.Parse(buffer.WrittenMemory);
    }

    /// <summary>Where a multilingual tokenizer puts the source language token.</summary>
    private enum LanguagePlace
    {
        Prefix,
        Suffix,
    }

    private static LanguagePlace? LanguageLayout(ISeq2SeqInstance model) => model.Info.TokenizerClass switch
    {
        { } c when PrefixLanguageTokenizers.Contains(c) => LanguagePlace.Prefix,
        { } c when SuffixLanguageTokenizers.Contains(c) => LanguagePlace.Suffix,
        _ => null,
    };

    private static string Example(ISeq2SeqInstance model) => model.Info.TokenizerClass switch
    {
        "M2M100Tokenizer" => "fr",
        { } c when c.StartsWith("Nllb", StringComparison.Ordinal) => "fra_Latn",
        _ => "fr_XX",
    };

    /// <summary>The id of a language's token (M2M100 spells "fr" as <c>__fr__</c>); refused when the vocabulary has none.</summary>
    private static int LanguageTokenId(ISeq2SeqInstance model, string language, string parameter)
    {
        var name = model.Info.TokenizerClass == "M2M100Tokenizer" ? $"__{language}__" : language;
        return model.Tokenizer.Encode(name, addSpecialTokens: false) is [var id] && model.Tokenizer.TokenToString(id) == name
            ? id
            : throw EngineException.BadInput($"`{parameter}` \"{language}\" is not a language of {model.Model.Id}: its tokenizer has no language token {name}.");
    }

    private static string ReadText(RunRequest request, string task)
    {
        if (request.Input is { } input && input.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            return input.ValueKind == JsonValueKind.String
                ? input.GetString()!
                : throw EngineException.BadInput($"{task} expects `input` (or `text`) as a string; got {Arguments.Describe(input)}.");
        }

        return request.Text ?? throw EngineException.BadInput($"{task} expects `input` (or `text`) as a string; got nothing.");
    }
}
