using System.Globalization;
using System.Text.Json;
using Bytez.Engine.Generation.Constraints;
using Bytez.Engine.Tasks;

namespace Bytez.Engine.Generation;

/// <summary>
/// The Hugging Face generation parameters of one request, validated, with the model's defaults and then the
/// Hugging Face library's defaults filled in. Built by <see cref="Parse(JsonElement?, GenerationDefaults, int, bool)"/> from the request's <c>params</c>.
/// </summary>
public sealed record GenerationSettings
{
    /// <summary>The parameters this server implements, as named in <c>params</c>.</summary>
    public static IReadOnlyList<string> Supported { get; } =
    [
        "max_new_tokens", "max_length", "min_new_tokens", "min_length", "do_sample", "temperature", "top_k", "top_p",
        "typical_p", "min_p", "repetition_penalty", "no_repeat_ngram_size", "seed", "stop", "stop_strings",
        "return_full_text", "num_return_sequences", "eos_token_id", "bad_words_ids", "max_time", "pad_token_id",
        "bos_token_id", "use_cache", "num_beams", "enable_thinking", "length_penalty", "early_stopping", "forced_bos_token_id",
        "forced_eos_token_id", "suppress_tokens", "begin_suppress_tokens", "decoder_start_token_id", "logprobs", "top_logprobs",
        "tools", "tool_choice", "parallel_tool_calls", "response_format", "presence_penalty", "frequency_penalty",
        ModelVariants.Parameter,
    ];

    /// <summary>
    /// The parameters only decoder-only text models read (text-generation and chat): the prompt echo, the chat
    /// template's switches, stop strings, tools and log-probabilities; encoder-decoder tasks refuse them.
    /// </summary>
    public static IReadOnlyList<string> DecoderOnly { get; } =
        ["return_full_text", "enable_thinking", "stop", "stop_strings", "logprobs", "top_logprobs", "tools", "tool_choice", "parallel_tool_calls", "response_format",
         "presence_penalty", "frequency_penalty", ModelVariants.Parameter];

    /// <summary>Known Hugging Face parameters that this server does not implement (a request using them is refused).</summary>
    public static IReadOnlyDictionary<string, string> NotImplemented { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["num_beam_groups"] = "group beam search is not implemented",
        ["penalty_alpha"] = "contrastive search is not implemented",
        ["diversity_penalty"] = "group beam search is not implemented",
        ["constraints"] = "constrained beam search is not implemented",
        ["force_words_ids"] = "constrained beam search is not implemented",
        ["epsilon_cutoff"] = "epsilon sampling is not implemented",
        ["eta_cutoff"] = "eta sampling is not implemented",
        ["encoder_repetition_penalty"] = "it is not implemented",
        ["encoder_no_repeat_ngram_size"] = "it is not implemented",
        ["exponential_decay_length_penalty"] = "it is not implemented",
        ["forced_decoder_ids"] = "it is not implemented",
        ["renormalize_logits"] = "it is not implemented",
        ["remove_invalid_values"] = "it is not implemented",
        ["output_attentions"] = "the API returns text only",
        ["output_hidden_states"] = "the API returns text only",
        ["output_scores"] = "the API returns text only",
        ["return_dict_in_generate"] = "the API returns text only",
        ["generation_kwargs"] = "pass the parameters directly in params",
    };

    /// <summary>The most new tokens; null means bounded by <see cref="MaxLength"/> only.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>The most tokens in all, prompt included (Hugging Face default 20), used when <see cref="MaxNewTokens"/> is unset.</summary>
    public int MaxLength { get; init; } = 20;

    /// <summary>The fewest new tokens before EOS is allowed.</summary>
    public int MinNewTokens { get; init; }

    /// <summary>The fewest tokens in all, prompt included, before EOS is allowed.</summary>
    public int MinLength { get; init; }

    /// <summary>Sample (true) or take the most likely token (false, Hugging Face's default).</summary>
    public bool DoSample { get; init; }

    /// <summary>Divides the logits before sampling; 1 leaves them.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens; 0 disables (Hugging Face default 50).</summary>
    public int TopK { get; init; } = 50;

    /// <summary>Keep the smallest set of most likely tokens whose probability adds up to p; 1 disables.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Locally typical sampling mass; 1 disables.</summary>
    public double TypicalP { get; init; } = 1.0;

    /// <summary>Keep tokens at least this fraction of the top token's probability; 0 disables.</summary>
    public double MinP { get; init; }

    /// <summary>Penalty on tokens already in the sequence (prompt included), as in CTRL; 1 disables.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>
    /// OpenAI's presence penalty (<c>presence_penalty</c>, -2 to 2): subtracted once from the logit of every token the
    /// answer has generated so far (the prompt does not count); 0 disables.
    /// </summary>
    public double PresencePenalty { get; init; }

    /// <summary>
    /// OpenAI's frequency penalty (<c>frequency_penalty</c>, -2 to 2): subtracted from a token's logit once per time
    /// the answer has generated it so far (the prompt does not count); 0 disables.
    /// </summary>
    public double FrequencyPenalty { get; init; }

    /// <summary>No n-gram of this size may appear twice; 0 disables.</summary>
    public int NoRepeatNgramSize { get; init; }

    /// <summary>Seed of the sampler; null draws one.</summary>
    public long? Seed { get; init; }

    /// <summary>Texts that end generation once produced; the output ends with the stop text.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Whether text-generation output starts with the prompt (Hugging Face pipeline default true).</summary>
    public bool? ReturnFullText { get; init; }

    /// <summary>How many independent sequences to generate.</summary>
    public int NumReturnSequences { get; init; } = 1;

    /// <summary>Token ids that end generation; null means the model's.</summary>
    public IReadOnlyList<int>? EosTokenIds { get; init; }

    /// <summary>Token sequences that may never be produced.</summary>
    public IReadOnlyList<int[]> BadWordsIds { get; init; } = [];

    /// <summary>Stop after this much time, if set.</summary>
    public TimeSpan? MaxTime { get; init; }

    /// <summary>Passed to the chat template as <c>enable_thinking</c>, if set.</summary>
    public bool? EnableThinking { get; init; }

    /// <summary>
    /// Whether each generated token's log-probability is returned with it (<c>logprobs</c>, OpenAI's name): the
    /// log-softmax of the model's own logits, before any processor or warper, as vLLM's default reports it.
    /// </summary>
    public bool Logprobs { get; init; }

    /// <summary>How many of the most likely tokens to list with each generated token's log-probability (<c>top_logprobs</c>, 0 to 20).</summary>
    public int TopLogprobs { get; init; }

    /// <summary>The most alternatives <c>top_logprobs</c> may ask for (OpenAI's bound).</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>The tools offered to a chat model (<c>tools</c>, OpenAI's list of functions) as sent, or <see langword="null"/>; checked where they are read.</summary>
    public JsonElement? Tools { get; init; }

    /// <summary>Which tool the model must call (<c>tool_choice</c>: "none", "auto", "required" or a named function) as sent, or <see langword="null"/>.</summary>
    public JsonElement? ToolChoice { get; init; }

    /// <summary>Whether the model may call several tools in one answer (<c>parallel_tool_calls</c>), if set.</summary>
    public bool? ParallelToolCalls { get; init; }

    /// <summary>Beams of beam search; 1 is greedy search or sampling.</summary>
    public int NumBeams { get; init; } = 1;

    /// <summary>Beam search ranks a finished sequence by its summed log-probabilities divided by its length to this power.</summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary>When beam search stops (<c>early_stopping</c>).</summary>
    public BeamStopping EarlyStopping { get; init; } = BeamStopping.Heuristic;

    /// <summary>The token forced as the first generated one (<c>forced_bos_token_id</c>), if set.</summary>
    public int? ForcedBosTokenId { get; init; }

    /// <summary>The tokens allowed alone at the last position <c>max_length</c> leaves (<c>forced_eos_token_id</c>), if set.</summary>
    public IReadOnlyList<int>? ForcedEosTokenIds { get; init; }

    /// <summary>Tokens never generated (<c>suppress_tokens</c>).</summary>
    public IReadOnlyList<int> SuppressTokens { get; init; } = [];

    /// <summary>Tokens not generated first (<c>begin_suppress_tokens</c>).</summary>
    public IReadOnlyList<int> BeginSuppressTokens { get; init; } = [];

    /// <summary>The first decoder token of an encoder-decoder model (<c>decoder_start_token_id</c>); null means the model's.</summary>
    public int? DecoderStartTokenId { get; init; }

    /// <summary>
    /// What the generated text must match, enforced token by token while decoding (from <c>response_format</c>, or set by
    /// a caller such as a forced tool call: <see cref="GrammarPattern.Compile"/>); <see langword="null"/> for free text.
    /// </summary>
    public CompiledGrammar? OutputGrammar { get; init; }

    /// <summary>
    /// Reads <c>params</c>: unknown keys are refused listing the supported ones, unimplemented ones are refused naming
    /// them, values out of range say the valid range.
    /// </summary>
    /// <exception cref="EngineException">A parameter is unknown, not implemented, of the wrong type or out of range.</exception>
    /// <param name="parameters">The request's <c>params</c>.</param>
    /// <param name="defaults">The model's generation defaults.</param>
    /// <param name="vocabularySize">Token ids must be below it.</param>
    /// <param name="beamSearch">Whether the model's runtime runs beam search (an <see cref="IBeamSearchInstance"/>); else <c>num_beams</c> &gt; 1 is refused.</param>
    public static GenerationSettings Parse(JsonElement? parameters, GenerationDefaults defaults, int vocabularySize, bool beamSearch = false)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        var s = new GenerationSettings
        {
            MaxNewTokens = defaults.MaxNewTokens,
            MaxLength = defaults.MaxLength ?? 20,
            DoSample = defaults.DoSample ?? false,
            Temperature = defaults.Temperature ?? 1.0,
            TopK = defaults.TopK ?? 50,
            TopP = defaults.TopP ?? 1.0,
            TypicalP = defaults.TypicalP ?? 1.0,
            MinP = defaults.MinP ?? 0,
            RepetitionPenalty = defaults.RepetitionPenalty ?? 1.0,
            EosTokenIds = defaults.EosTokenIds,
        };

        return Parse(parameters, s, vocabularySize, beamSearch);
    }

    /// <summary>
    /// Reads <c>params</c> over <paramref name="baseline"/> (the model's resolved generation configuration), as
    /// <see cref="Parse(JsonElement?, GenerationDefaults, int, bool)"/> does; <paramref name="beamSearch"/> says whether the
    /// caller runs beam search (<c>num_beams</c> &gt; 1).
    /// </summary>
    /// <exception cref="EngineException">A parameter is unknown, not implemented, of the wrong type or out of range.</exception>
    public static GenerationSettings Parse(JsonElement? parameters, GenerationSettings baseline, int vocabularySize, bool beamSearch)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        if (parameters is not { ValueKind: JsonValueKind.Object } p)
        {
            return parameters is null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined }
                ? baseline.Validated(beamSearch)
                : throw EngineException.BadInput("`params` must be an object of generation parameters such as {\"max_new_tokens\": 20}.");
        }

        var s = baseline;
        foreach (var property in p.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                // As generate(max_new_tokens=None): max_length bounds the sequence again (the seq2seq pipelines default to 256 new tokens).
                s = property.Name == "max_new_tokens" ? s with { MaxNewTokens = null } : s;
                continue;
            }

            s = Apply(s, property.Name, property.Value, vocabularySize)
                ?? (NotImplemented.TryGetValue(property.Name, out var why)
                    ? throw EngineException.NotSupported($"Parameter `{property.Name}` is not supported: {why}.")
                    : throw Arguments.UnknownParameter(property.Name, "text generation", Supported));
        }

        return s.Validated(beamSearch);
    }

    /// <summary>
    /// Applies the keys of a model's generation configuration (a <c>generation_config.json</c> object, or the keys a
    /// pipeline takes from <c>task_specific_params</c>) over <paramref name="baseline"/>: keys this server does not read
    /// are left out, as Hugging Face ignores what a strategy does not use; a value of the wrong kind is the model's fault.
    /// </summary>
    /// <exception cref="EngineException">A value is invalid (kind <see cref="EngineErrorKind.NotSupported"/>, naming the key).</exception>
    /// <param name="baseline">The settings the configuration's values replace.</param>
    /// <param name="config">The configuration object.</param>
    /// <param name="vocabularySize">Token ids must be below it.</param>
    /// <param name="skip">Keys left out.</param>
    public static GenerationSettings ApplyModelConfig(GenerationSettings baseline, JsonElement config, int vocabularySize, params string[] skip)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        if (config.ValueKind != JsonValueKind.Object)
        {
            return baseline;
        }

        var s = baseline;
        foreach (var property in config.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null || property.Name is "seed" or "return_full_text" or "enable_thinking" or "stop" or "stop_strings" or "response_format"
                || skip.Contains(property.Name))
            {
                continue;
            }

            try
            {
                s = Apply(s, property.Name, property.Value, vocabularySize) ?? s;
            }
            catch (EngineException e)
            {
                throw new EngineException(EngineErrorKind.NotSupported, $"The model's generation configuration is invalid: {e.Message}", e);
            }
        }

        return s;
    }

    /// <summary>One parameter applied; <see langword="null"/> when the name is not one this server reads.</summary>
    private static GenerationSettings? Apply(GenerationSettings s, string name, JsonElement v, int vocabularySize) => name switch
    {
        "max_new_tokens" => s with { MaxNewTokens = Int(v, name, 1, int.MaxValue) },
        "max_length" => s with { MaxLength = Int(v, name, 1, int.MaxValue) },
        "min_new_tokens" => s with { MinNewTokens = Int(v, name, 0, int.MaxValue) },
        "min_length" => s with { MinLength = Int(v, name, 0, int.MaxValue) },
        "do_sample" => s with { DoSample = Bool(v, name) },
        "temperature" => s with { Temperature = Number(v, name, 0, double.MaxValue, minExclusive: true, rangeText: "> 0") },
        "top_k" => s with { TopK = Int(v, name, 0, int.MaxValue) },
        "top_p" => s with { TopP = Number(v, name, 0, 1, minExclusive: true, rangeText: "in (0, 1]") },
        "typical_p" => s with { TypicalP = Number(v, name, 0, 1, minExclusive: true, rangeText: "in (0, 1]") },
        "min_p" => s with { MinP = Number(v, name, 0, 1, minExclusive: false, rangeText: "in [0, 1]") },
        "repetition_penalty" => s with { RepetitionPenalty = Number(v, name, 0, double.MaxValue, minExclusive: true, rangeText: "> 0") },
        "presence_penalty" => s with { PresencePenalty = Number(v, name, -2, 2, minExclusive: false, rangeText: "from -2 to 2") },
        "frequency_penalty" => s with { FrequencyPenalty = Number(v, name, -2, 2, minExclusive: false, rangeText: "from -2 to 2") },
        "no_repeat_ngram_size" => s with { NoRepeatNgramSize = Int(v, name, 0, int.MaxValue) },
        "seed" => s with { Seed = Long(v, name) },
        ModelVariants.Parameter => s, // read by the engine when it picks the instance (ModelVariants)
        "stop" or "stop_strings" => s with { StopStrings = [.. s.StopStrings, .. Strings(v, name)] },
        "return_full_text" => s with { ReturnFullText = Bool(v, name) },
        "num_return_sequences" => s with { NumReturnSequences = Int(v, name, 1, 16) },
        "eos_token_id" => s with { EosTokenIds = TokenIds(v, name, vocabularySize) },
        "bad_words_ids" => s with { BadWordsIds = TokenIdLists(v, name, vocabularySize) },
        "max_time" => s with { MaxTime = TimeSpan.FromSeconds(Number(v, name, 0, 86_400, minExclusive: true, rangeText: "in (0, 86400] seconds")) },
        "pad_token_id" or "bos_token_id" => Checked(s, TokenIds(v, name, vocabularySize)),
        "use_cache" => Checked(s, Bool(v, name)),
        "num_beams" => s with { NumBeams = Int(v, name, 1, MaxBeams) },
        "length_penalty" => s with { LengthPenalty = Number(v, name, -1e6, 1e6, minExclusive: false, rangeText: "from -1000000 to 1000000") },
        "early_stopping" => s with { EarlyStopping = Stopping(v, name) },
        "forced_bos_token_id" => s with { ForcedBosTokenId = TokenId(v, name, vocabularySize) },
        "forced_eos_token_id" => s with { ForcedEosTokenIds = TokenIds(v, name, vocabularySize) },
        "suppress_tokens" => s with { SuppressTokens = TokenIds(v, name, vocabularySize) },
        "begin_suppress_tokens" => s with { BeginSuppressTokens = TokenIds(v, name, vocabularySize) },
        "decoder_start_token_id" => s with { DecoderStartTokenId = TokenId(v, name, vocabularySize) },
        "enable_thinking" => s with { EnableThinking = Bool(v, name) },
        "logprobs" => s with { Logprobs = Bool(v, name) },
        "top_logprobs" => s with { TopLogprobs = Int(v, name, 0, MaxTopLogprobs) },
        "tools" => v.ValueKind == JsonValueKind.Array
            ? s with { Tools = v.Clone() }
            : throw EngineException.BadInput("`tools` must be a list of tools such as {\"type\": \"function\", \"function\": {\"name\": \"...\", \"parameters\": {...}}}."),
        "tool_choice" => v.ValueKind is JsonValueKind.String or JsonValueKind.Object
            ? s with { ToolChoice = v.Clone() }
            : throw EngineException.BadInput("`tool_choice` must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": \"...\"}}."),
        "parallel_tool_calls" => s with { ParallelToolCalls = Bool(v, name) },
        "response_format" => s with { OutputGrammar = ResponseFormat.Parse(v) },
        _ => null,
    };

    /// <summary>The most beams (and so key/value cache rows) one request may ask for.</summary>
    public const int MaxBeams = 16;

    private GenerationSettings Validated(bool beamSearch)
    {
        if (StopStrings.Any(string.IsNullOrEmpty))
        {
            throw EngineException.BadInput("Stop strings must not be empty.");
        }

        if (TopLogprobs > 0 && !Logprobs)
        {
            throw EngineException.BadInput("`top_logprobs` needs `logprobs`: true.");
        }

        if (Logprobs && NumBeams > 1)
        {
            throw EngineException.NotSupported("`logprobs` with `num_beams` > 1 is not supported; use num_beams 1.");
        }

        if (NumBeams > 1 && !beamSearch)
        {
            throw EngineException.NotSupported("`num_beams` > 1 is not supported for this model: this runtime cannot run beam search; use num_beams 1 (greedy or sampling).");
        }

        if (NumBeams > 1 && OutputGrammar is not null)
        {
            throw EngineException.NotSupported("`response_format` with `num_beams` > 1 is not implemented; use num_beams 1 (greedy or sampling).");
        }

        if (NumBeams > 1 && DoSample)
        {
            throw EngineException.NotSupported("`num_beams` > 1 with `do_sample`: true (beam sampling) is not implemented; use one or the other.");
        }

        if (NumBeams > 1 && NumReturnSequences > NumBeams)
        {
            throw EngineException.BadInput($"`num_return_sequences` ({NumReturnSequences}) must not exceed `num_beams` ({NumBeams}).");
        }

        if (NumReturnSequences > 1 && NumBeams == 1 && !DoSample)
        {
            throw EngineException.BadInput("`num_return_sequences` > 1 needs `do_sample`: true or `num_beams` > 1 (greedy decoding would return the same text each time).");
        }

        return this;
    }

    /// <summary>
    /// The most new tokens for a prompt of <paramref name="promptLength"/> tokens in a context of <paramref name="contextLength"/>.
    /// A <c>max_length</c> the prompt already reaches still gives one token, as Hugging Face's <c>generate</c> does (it
    /// warns, runs one step, then its max-length criterion stops).
    /// </summary>
    public int NewTokenBudget(int promptLength, int contextLength)
    {
        var wanted = MaxNewTokens ?? Math.Max(1, MaxLength - promptLength);
        return Math.Max(0, Math.Min(wanted, contextLength - promptLength));
    }

    /// <summary>The fewest new tokens before EOS may end the sequence.</summary>
    public int MinimumNewTokens(int promptLength) => Math.Max(MinNewTokens, MinLength - promptLength);

    private static GenerationSettings Checked<T>(GenerationSettings s, T _) => s;

    private static int Int(JsonElement v, string name, int min, int max) => Arguments.Int(v, name, min, max);

    private static int TokenId(JsonElement v, string name, int vocabularySize) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var id) && id >= 0 && id < vocabularySize
            ? id
            : throw EngineException.BadInput($"Parameter `{name}` must be a token id from 0 to {vocabularySize - 1}; got {Show(v)}.");

    private static BeamStopping Stopping(JsonElement v, string name) => v.ValueKind switch
    {
        JsonValueKind.True => BeamStopping.AllBeams,
        JsonValueKind.False => BeamStopping.Heuristic,
        JsonValueKind.String when v.GetString() == "never" => BeamStopping.Never,
        _ => throw EngineException.BadInput($"Parameter `{name}` must be true, false or \"never\"; got {Show(v)}."),
    };

    private static long Long(JsonElement v, string name) => Arguments.Long(v, name);

    private static double Number(JsonElement v, string name, double min, double max, bool minExclusive, string rangeText) =>
        Arguments.Number(v, name, min, max, minExclusive, rangeText);

    private static bool Bool(JsonElement v, string name) => Arguments.Bool(v, name) ?? throw Arguments.Bad(name, "true or false", v);

    private static List<string> Strings(JsonElement v, string name) => Arguments.StringOrList(v, name);

    private static int[] TokenIds(JsonElement v, string name, int vocabularySize)
    {
        var items = v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().ToList() : [v];
        var ids = new int[items.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = items[i].ValueKind == JsonValueKind.Number && items[i].TryGetInt32(out var id) && id >= 0 && id < vocabularySize
                ? id
                : throw EngineException.BadInput($"Parameter `{name}` must hold token ids from 0 to {vocabularySize - 1}; got {Show(items[i])}.");
        }

        return ids;
    }

    private static int[][] TokenIdLists(JsonElement v, string name, int vocabularySize)
    {
        if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0))
        {
            throw EngineException.BadInput($"Parameter `{name}` must be a list of non-empty lists of token ids, e.g. [[318], [262, 3290]]; got {Show(v)}.");
        }

        return v.EnumerateArray().Select(e => TokenIds(e, name, vocabularySize)).ToArray();
    }

    private static string Show(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => $"\"{v.GetString()}\"",
        JsonValueKind.Number => v.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        _ => v.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture),
    };
}

/// <summary>When beam search stops (Hugging Face <c>early_stopping</c>).</summary>
public enum BeamStopping
{
    /// <summary><c>false</c>: stop when no running beam can still beat the worst finished one, judged at the current length.</summary>
    Heuristic,

    /// <summary><c>true</c>: stop as soon as there are <c>num_beams</c> finished sequences.</summary>
    AllBeams,

    /// <summary><c>"never"</c>: the canonical test, judged at <c>max_length</c> when the length penalty is positive.</summary>
    Never,
}
