using System.Text.Json;

using Bytez.Engine.Tasks;

namespace Bytez.Engine.Generation;

/// <summary>
/// The Hugging Face generation parameters of one request, validated, with the model's defaults and then the
/// Hugging Face library's defaults filled in. Built by <see cref="Parse"/> from the request's <c>params</c>.
/// </summary>
public sealed record GenerationSettings
{
    /// <summary>The parameters this server implements, as named in <c>params</c>.</summary>
    public static IReadOnlyList<string> Supported { get; } =
    [
        "max_new_tokens", "max_length", "min_new_tokens", "min_length", "do_sample", "temperature", "top_k", "top_p",
        "typical_p", "min_p", "repetition_penalty", "no_repeat_ngram_size", "seed", "stop", "stop_strings",
        "return_full_text", "num_return_sequences", "eos_token_id", "bad_words_ids", "max_time", "pad_token_id",
        "bos_token_id", "use_cache", "num_beams", "enable_thinking",
    ];

    /// <summary>Known Hugging Face parameters that this server does not implement (a request using them is refused).</summary>
    public static IReadOnlyDictionary<string, string> NotImplemented { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["num_beam_groups"] = "group beam search is not implemented",
        ["penalty_alpha"] = "contrastive search is not implemented",
        ["diversity_penalty"] = "group beam search is not implemented",
        ["constraints"] = "constrained beam search is not implemented",
        ["force_words_ids"] = "constrained beam search is not implemented",
        ["length_penalty"] = "it only applies to beam search, which is not implemented",
        ["early_stopping"] = "it only applies to beam search, which is not implemented",
        ["epsilon_cutoff"] = "epsilon sampling is not implemented",
        ["eta_cutoff"] = "eta sampling is not implemented",
        ["encoder_repetition_penalty"] = "it applies to encoder-decoder models only",
        ["encoder_no_repeat_ngram_size"] = "it applies to encoder-decoder models only",
        ["decoder_start_token_id"] = "it applies to encoder-decoder models only",
        ["exponential_decay_length_penalty"] = "it is not implemented",
        ["suppress_tokens"] = "it is not implemented; use bad_words_ids",
        ["begin_suppress_tokens"] = "it is not implemented",
        ["forced_bos_token_id"] = "it is not implemented",
        ["forced_eos_token_id"] = "it is not implemented",
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
    /// Reads <c>params</c>: unknown keys are refused listing the supported ones, unimplemented ones are refused naming
    /// them, values out of range say the valid range.
    /// </summary>
    /// <exception cref="EngineException">A parameter is unknown, not implemented, of the wrong type or out of range.</exception>
    public static GenerationSettings Parse(JsonElement? parameters, GenerationDefaults defaults, int vocabularySize)
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

        if (parameters is not { ValueKind: JsonValueKind.Object } p)
        {
            return parameters is null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined }
                ? s
                : throw EngineException.BadInput("`params` must be an object of generation parameters such as {\"max_new_tokens\": 20}.");
        }

        foreach (var property in p.EnumerateObject())
        {
            var v = property.Value;
            if (v.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            var name = property.Name;
            s = name switch
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
                "no_repeat_ngram_size" => s with { NoRepeatNgramSize = Int(v, name, 0, int.MaxValue) },
                "seed" => s with { Seed = Long(v, name) },
                "stop" or "stop_strings" => s with { StopStrings = [.. s.StopStrings, .. Strings(v, name)] },
                "return_full_text" => s with { ReturnFullText = Bool(v, name) },
                "num_return_sequences" => s with { NumReturnSequences = Int(v, name, 1, 16) },
                "eos_token_id" => s with { EosTokenIds = TokenIds(v, name, vocabularySize) },
                "bad_words_ids" => s with { BadWordsIds = TokenIdLists(v, name, vocabularySize) },
                "max_time" => s with { MaxTime = TimeSpan.FromSeconds(Number(v, name, 0, 86_400, minExclusive: true, rangeText: "in (0, 86400] seconds")) },
                "pad_token_id" or "bos_token_id" => Checked(s, TokenIds(v, name, vocabularySize)),
                "use_cache" => Checked(s, Bool(v, name)),
                "num_beams" => Int(v, name, 1, int.MaxValue) == 1
                    ? s
                    : throw EngineException.NotSupported("`num_beams` > 1 is not supported: beam search is not implemented; use num_beams 1 (greedy or sampling)."),
                "enable_thinking" => s with { EnableThinking = Bool(v, name) },
                _ when NotImplemented.TryGetValue(name, out var why) => throw EngineException.NotSupported($"Parameter `{name}` is not supported: {why}."),
                _ => throw Arguments.UnknownParameter(name, "text generation", Supported),
            };
        }

        if (s.StopStrings.Any(string.IsNullOrEmpty))
        {
            throw EngineException.BadInput("Stop strings must not be empty.");
        }

        if (s.NumReturnSequences > 1 && !s.DoSample)
        {
            throw EngineException.BadInput("`num_return_sequences` > 1 needs `do_sample`: true (greedy decoding would return the same text each time).");
        }

        return s;
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

    private static string Show(JsonElement v) => Arguments.Describe(v);
}
