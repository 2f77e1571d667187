using System.Globalization;
using System.Text;
using System.Text.Json;
using Bytez.Engine.Generation;

namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>
/// A tokenizer read from a Hugging Face <c>tokenizer.json</c> as is, giving the same ids and text as Hugging Face's
/// Rust <c>tokenizers</c> for BPE models — byte-level BPE (GPT-2, RoBERTa, Llama 3, Qwen2) and SentencePiece-style BPE
/// with byte fallback (Llama 2, Mistral, Gemma) —, Unigram models (T5, XLM-R, DeBERTa-v3, ALBERT) and WordPiece models
/// (BERT, DistilBERT, ELECTRA). Added and special tokens written in the text are recognized. <see cref="Encode(string, bool)"/>
/// is the fast path (ids only); <see cref="Encode(string, string?, EncodeOptions?)"/> gives everything the text tasks
/// need (pairs, truncation with overflowing windows, offsets, word ids, masks). Pure C#, thread-safe; anything the
/// file asks for that is not implemented fails at load with a message naming it.
/// </summary>
public sealed partial class HfTokenizer : ITextTokenizer
{
    private static readonly string[] CommonEosTokens = ["</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>", "<|im_end|>", "<|eot_id|>"];

    private readonly ITokenModel _model;
    private readonly INormalizer? _normalizer;
    private readonly IPreTokenizer? _preTokenizer;
    private readonly IDecoder? _decoder;
    private readonly AddedTokenMatcher _rawMatcher;
    private readonly AddedTokenMatcher _normalizedMatcher;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly HashSet<string> _specialContents;
    private readonly int[] _prefixIds;
    private readonly int[] _suffixIds;
    private readonly int[] _eosIds;
    private readonly PostProcessor? _postProcessor;
    private readonly TokenizerConfig _config;

    private HfTokenizer(
        ITokenModel model,
        INormalizer? normalizer,
        IPreTokenizer? preTokenizer,
        IDecoder? decoder,
        List<AddedToken> addedTokens,
        int[] prefixIds,
        int[] suffixIds,
        PostProcessor? postProcessor,
        (string? Token, int? Id) padding,
        TokenizerConfig config)
    {
        _model = model;
        _postProcessor = postProcessor;
        _config = config;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _decoder = decoder;
        _prefixIds = prefixIds;
        _suffixIds = suffixIds;
        _addedById = [];
        _specialContents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var token in addedTokens)
        {
            _addedById[token.Id] = token;
            if (token.Special)
            {
                _specialContents.Add(token.Content);
            }
        }

        var raw = new List<(string, AddedToken)>();
        var normalized = new List<(string, AddedToken)>();
        foreach (var token in addedTokens)
        {
            if (token.Normalized)
            {
                normalized.Add((normalizer?.Normalize(token.Content) ?? token.Content, token));
            }
            else
            {
                raw.Add((token.Content, token));
            }
        }

        _rawMatcher = new AddedTokenMatcher(raw);
        _normalizedMatcher = new AddedTokenMatcher(normalized);

        BosToken = config.BosToken;
        BosTokenId = config.BosToken is { } bos && TryTokenToId(bos, out var bosId) ? bosId : prefixIds.Length > 0 ? prefixIds[0] : null;
        BosToken ??= BosTokenId is int b ? TokenToString(b) : null;

        var eos = config.EosToken;
        if (eos is null)
        {
            foreach (var candidate in CommonEosTokens)
            {
                if (_specialContents.Contains(candidate))
                {
                    eos = candidate;
                    break;
                }
            }
        }

        EosToken = eos;
        _eosIds = eos is not null && TryTokenToId(eos, out var eosId) ? [eosId] : [];
        EosTokenIds = _eosIds;

        PadToken = config.PadToken ?? padding.Token;
        PadTokenId = PadToken is { } pad && TryTokenToId(pad, out var padId) ? padId : padding.Id;
        PadToken ??= PadTokenId is int p ? TokenToString(p) : null;
        UnknownTokenId = config.UnkToken is { } unk && TryTokenToId(unk, out var unkId) ? unkId : model.UnknownId;
        UnknownToken = UnknownTokenId is int u ? TokenToString(u) : null;
        MaskTokenId = config.MaskToken is { } mask && TryTokenToId(mask, out var maskId) ? maskId : null;
        MaskToken = MaskTokenId is int m ? TokenToString(m) : null;
        ClsTokenId = config.ClsToken is { } cls && TryTokenToId(cls, out var clsId) ? clsId : null;
        SepTokenId = config.SepToken is { } sep && TryTokenToId(sep, out var sepId) ? sepId : null;
    }

    /// <inheritdoc />
    public int? BosTokenId { get; }

    /// <inheritdoc />
    public IReadOnlyList<int> EosTokenIds { get; }

    /// <inheritdoc />
    public string? BosToken { get; }

    /// <inheritdoc />
    public string? EosToken { get; }

    /// <summary>The number of ids: the highest id of the model or the added tokens, plus one.</summary>
    public int VocabularySize => Math.Max(_model.IdToToken.Length, _addedById.Count == 0 ? 0 : _addedById.Keys.Max() + 1);

    /// <summary>
    /// Loads <c>tokenizer.json</c> from a model folder, with <c>tokenizer_config.json</c> when it is there (BOS and EOS
    /// token strings, <c>add_bos_token</c>, <c>add_eos_token</c>).
    /// </summary>
    /// <exception cref="EngineException">The folder has no <c>tokenizer.json</c>, or it uses something not supported (kind <see cref="EngineErrorKind.NotSupported"/>).</exception>
    public static HfTokenizer FromDirectory(string modelFolder, TokenizerOptions? options = null)
    {
        var json = Path.Combine(modelFolder, "tokenizer.json");
        if (!File.Exists(json))
        {
            throw EngineException.NotSupported($"The model folder {modelFolder} has no tokenizer.json.");
        }

        var config = Path.Combine(modelFolder, "tokenizer_config.json");
        return FromJson(File.ReadAllText(json), File.Exists(config) ? File.ReadAllText(config) : null, options);
    }

    /// <summary>Builds a tokenizer from the text of <c>tokenizer.json</c> and, optionally, of <c>tokenizer_config.json</c>.</summary>
    /// <exception cref="EngineException">The JSON is malformed or uses something not supported (kind <see cref="EngineErrorKind.NotSupported"/>).</exception>
    public static HfTokenizer FromJson(string tokenizerJson, string? tokenizerConfigJson = null, TokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJson);
        try
        {
            using var doc = JsonDocument.Parse(tokenizerJson, new JsonDocumentOptions { MaxDepth = 256 });
            var config = tokenizerConfigJson is null ? TokenizerConfig.Empty : TokenizerConfig.Parse(tokenizerConfigJson);
            return Load(doc.RootElement, config, options ?? TokenizerOptions.Default);
        }
        catch (JsonException e)
        {
            throw EngineException.NotSupported($"tokenizer.json could not be read: {e.Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException)
        {
            // System.Text.Json's accessors throw these when a value has another kind or a required key is missing:
            // the file comes from whoever published the model, and a wrong shape is a tokenizer this server cannot run.
            throw EngineException.NotSupported($"tokenizer.json does not have the shape of a Hugging Face tokenizer: {e.Message}");
        }
    }

    /// <inheritdoc />
    public int[] Encode(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        if (addSpecialTokens)
        {
            ids.AddRange(_prefixIds);
        }

        if (text.Length > 0)
        {
            EncodeBody(text, ids);
        }

        if (addSpecialTokens)
        {
            ids.AddRange(_suffixIds);
        }

        return [.. ids];
    }

    private void EncodeBody(string text, List<int> ids)
    {
        var rawParts = new List<(int Start, int End, AddedToken? Token)>();
        _rawMatcher.Split(text, rawParts);
        var pieces = new List<Piece>();
        var normalizedParts = new List<(int Start, int End, AddedToken? Token)>();
        var preTokenized = new List<Piece>();
        foreach (var (start, end, token) in rawParts)
        {
            if (token is not null)
            {
                ids.Add(token.Id);
                continue;
            }

            var normalized = text[start..end];
            if (_normalizer is not null)
            {
                normalized = _normalizer.Normalize(normalized);
            }

            normalizedParts.Clear();
            _normalizedMatcher.Split(normalized, normalizedParts);
            foreach (var (s, e, t) in normalizedParts)
            {
                if (t is not null)
                {
                    ids.Add(t.Id);
                    continue;
                }

                if (e <= s)
                {
                    continue;
                }

                pieces.Clear();
                pieces.Add(new Piece(normalized[s..e], start == 0 && s == 0));
                preTokenized.Clear();
                if (_preTokenizer is not null)
                {
                    _preTokenizer.PreTokenize(pieces, preTokenized);
                }
                else
                {
                    preTokenized.AddRange(pieces);
                }

                foreach (var piece in preTokenized)
                {
                    _model.Tokenize(piece.Text, ids);
                }
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>Ids that end in the middle of a UTF-8 character decode to U+FFFD there, as Hugging Face's do; unknown ids are left out.</remarks>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens)
    {
        var tokens = new List<string>(ids.Length);
        foreach (var id in ids)
        {
            var token = TokenToString(id);
            if (token is null || (skipSpecialTokens && _specialContents.Contains(token)))
            {
                continue;
            }

            tokens.Add(token);
        }

        if (_decoder is null)
        {
            return string.Join(' ', tokens);
        }

        return string.Concat(_decoder.DecodeChain(tokens));
    }

    /// <inheritdoc />
    public string? TokenToString(int id)
    {
        if (_addedById.TryGetValue(id, out var added))
        {
            return added.Content;
        }

        var table = _model.IdToToken;
        return (uint)id < (uint)table.Length ? table[id] : null;
    }

    /// <summary>The id of a token as the vocabulary spells it (added tokens first), or <see langword="null"/>.</summary>
    public int? TokenToId(string token) => TryTokenToId(token, out var id) ? id : null;

    /// <inheritdoc />
    public bool IsSpecial(int id) => _addedById.TryGetValue(id, out var token) && token.Special;

    private bool TryTokenToId(string token, out int id)
    {
        foreach (var (key, added) in _addedById)
        {
            if (added.Content == token)
            {
                id = key;
                return true;
            }
        }

        return _model.TryGetId(token, out id);
    }

    private static HfTokenizer Load(JsonElement root, TokenizerConfig config, TokenizerOptions options)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var modelJson))
        {
            throw EngineException.NotSupported("tokenizer.json has no model.");
        }

        var model = ParseModel(modelJson);
        var normalizer = Property(root, "normalizer") is { } n ? ParseNormalizer(n, options) : null;
        var preTokenizer = Property(root, "pre_tokenizer") is { } p ? ParsePreTokenizer(p, options) : null;
        var decoder = Property(root, "decoder") is { } d ? ParseDecoder(d, options) : null;

        var added = new List<AddedToken>();
        if (Property(root, "added_tokens") is { ValueKind: JsonValueKind.Array } addedJson)
        {
            // Ids are assigned the way tokenizers' AddedVocabulary::add_tokens does (the "id" in the file is only
            // checked there): a token already in the model keeps the model's id, others get the next free id.
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            var byId = new Dictionary<int, AddedToken>();
            var maxId = -1;
            foreach (var t in addedJson.EnumerateArray())
            {
                var special = Bool(t, "special", false);
                var content = t.GetProperty("content").GetString() ?? string.Empty;
                if (content.Length == 0)
                {
                    continue;
                }

                var token = new AddedToken(0, content, Bool(t, "single_word", false), Bool(t, "lstrip", false), Bool(t, "rstrip", false), Bool(t, "normalized", !special), special);
                if (ids.TryGetValue(content, out var existing) && byId[existing] == token with { Id = existing })
                {
                    continue;
                }

                int id;
                if (ids.TryGetValue(content, out existing))
                {
                    id = existing;
                }
                else if (model.TryGetId(content, out var modelId))
                {
                    id = modelId;
                }
                else
                {
                    id = maxId >= 0 && (maxId >= model.Count || model.Count == 0) ? maxId + 1 : model.Count;
                }

                ids[content] = id;
                byId[id] = token with { Id = id };
                maxId = Math.Max(maxId, id);
            }

            // Special tokens are matched before the others, as tokenizers builds its tries.
            foreach (var token in byId.Values)
            {
                if (token.Special)
                {
                    added.Add(token);
                }
            }

            foreach (var token in byId.Values)
            {
                if (!token.Special)
                {
                    added.Add(token);
                }
            }
        }

        var prefix = new List<int>();
        var suffix = new List<int>();
        var isTemplate = false;
        PostProcessor? postProcessor = null;
        if (Property(root, "post_processor") is { } post)
        {
            ParsePostProcessor(post, prefix, suffix, ref isTemplate);
            postProcessor = ParseRichPostProcessor(post);
        }
        else
        {
            isTemplate = true;
        }

        // transformers rebuilds a template post-processor from add_bos_token / add_eos_token when the config sets them
        // (LlamaTokenizerFast, GemmaTokenizerFast); do the same.
        if (isTemplate && (config.AddBosToken is not null || config.AddEosToken is not null))
        {
            int? Lookup(string? token)
            {
                if (token is null)
                {
                    return null;
                }

                foreach (var a in added)
                {
                    if (a.Content == token)
                    {
                        return a.Id;
                    }
                }

                return model.TryGetId(token, out var id) ? id : null;
            }

            var bos = Lookup(config.BosToken);
            var eos = Lookup(config.EosToken);
            if (config.AddBosToken is bool addBos)
            {
                prefix.Clear();
                if (addBos && bos is int b)
                {
                    prefix.Add(b);
                }
            }

            if (config.AddEosToken is bool addEos)
            {
                suffix.Clear();
                if (addEos && eos is int e)
                {
                    suffix.Add(e);
                }
            }

            postProcessor = BosEosTemplate(prefix, suffix, id => added.FirstOrDefault(a => a.Id == id)?.Content ?? (model.IdToToken.Length > id ? model.IdToToken[id] : null) ?? string.Empty);
        }

        (string? Token, int? Id) padding = (null, null);
        if (Property(root, "padding") is { ValueKind: JsonValueKind.Object } paddingJson)
        {
            padding = (Property(paddingJson, "pad_token")?.GetString(), Property(paddingJson, "pad_id") is { ValueKind: JsonValueKind.Number } padId ? padId.GetInt32() : null);
        }

        return new HfTokenizer(model, normalizer, preTokenizer, decoder, added, [.. prefix], [.. suffix], postProcessor, padding, config);
    }

    /// <summary>How far vocabulary ids may run past the vocabulary's size (tokenizers' files leave few holes).</summary>
    private const int MaxVocabularyIdGap = 1 << 16;

    private static ITokenModel ParseModel(JsonElement json)
    {
        var type = Property(json, "type")?.GetString();
        if (type is null)
        {
            // Old files leave the type out; tell the kinds apart by their fields.
            type = Property(json, "merges") is not null ? "BPE"
                : Property(json, "vocab") is { ValueKind: JsonValueKind.Array } ? "Unigram"
                : Property(json, "max_input_chars_per_word") is not null ? "WordPiece" : "WordLevel";
        }

        if (type == "Unigram")
        {
            return ParseUnigram(json);
        }

        if (type == "WordPiece")
        {
            return ParseWordPiece(json);
        }

        if (type != "BPE")
        {
            throw EngineException.NotSupported(
                $"tokenizer.json model type '{type}' is not supported by the Hugging Face tokenizer (supported: BPE, Unigram, WordPiece).");
        }

        if (Property(json, "dropout") is { ValueKind: JsonValueKind.Number } dropout && dropout.GetDouble() is > 0 and < 1)
        {
            throw EngineException.NotSupported("tokenizer.json BPE dropout is not supported (it makes tokenization random).");
        }

        var vocabJson = json.GetProperty("vocab");
        var vocab = new Dictionary<string, int>(vocabJson.EnumerateObject().Count(), StringComparer.Ordinal);
        // Ids index an array of tokens: they must be dense enough that the array stays the size of the file's vocabulary.
        var maxId = vocabJson.EnumerateObject().Count() + MaxVocabularyIdGap;
        foreach (var entry in vocabJson.EnumerateObject())
        {
            var id = entry.Value.GetInt32();
            if (id < 0 || id > maxId)
            {
                throw EngineException.NotSupported(string.Create(
                    CultureInfo.InvariantCulture, $"tokenizer.json gives the token '{entry.Name}' the id {id}; ids run from 0 to the vocabulary size plus {MaxVocabularyIdGap}."));
            }

            vocab[entry.Name] = id;
        }

        var merges = new List<(string, string)>();
        if (Property(json, "merges") is { ValueKind: JsonValueKind.Array } mergesJson)
        {
            foreach (var m in mergesJson.EnumerateArray())
            {
                if (m.ValueKind == JsonValueKind.String)
                {
                    var s = m.GetString()!;
                    var space = s.IndexOf(' ', StringComparison.Ordinal);
                    if (space < 0 || s.IndexOf(' ', space + 1) >= 0)
                    {
                        throw EngineException.NotSupported($"tokenizer.json has a malformed merge '{s}'.");
                    }

                    merges.Add((s[..space], s[(space + 1)..]));
                }
                else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2
                    && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
                {
                    merges.Add((m[0].GetString()!, m[1].GetString()!));
                }
                else
                {
                    throw EngineException.NotSupported($"tokenizer.json has a malformed merge {m.GetRawText()}.");
                }
            }
        }

        return new BpeModel(
            vocab,
            merges,
            Property(json, "unk_token")?.GetString(),
            Bool(json, "fuse_unk", false),
            Bool(json, "byte_fallback", false),
            Property(json, "continuing_subword_prefix")?.GetString(),
            Property(json, "end_of_word_suffix")?.GetString(),
            Bool(json, "ignore_merges", false));
    }

    private static WordPieceModel ParseWordPiece(JsonElement json)
    {
        if (Property(json, "vocab") is not { ValueKind: JsonValueKind.Object } vocabJson)
        {
            throw EngineException.NotSupported("tokenizer.json: the WordPiece model has no vocab object.");
        }

        var count = vocabJson.EnumerateObject().Count();
        var vocab = new Dictionary<string, int>(count, StringComparer.Ordinal);
        var maxId = count + MaxVocabularyIdGap;
        foreach (var entry in vocabJson.EnumerateObject())
        {
            var id = entry.Value.GetInt32();
            if (id < 0 || id > maxId)
            {
                throw EngineException.NotSupported(string.Create(
                    CultureInfo.InvariantCulture, $"tokenizer.json gives the token '{entry.Name}' the id {id}; ids run from 0 to the vocabulary size plus {MaxVocabularyIdGap}."));
            }

            vocab[entry.Name] = id;
        }

        var maxChars = Int(json, "max_input_chars_per_word", 100);
        if (maxChars < 0)
        {
            throw EngineException.NotSupported($"tokenizer.json: the WordPiece max_input_chars_per_word {maxChars} is negative.");
        }

        return new WordPieceModel(
            vocab,
            Property(json, "unk_token")?.GetString() ?? "[UNK]",
            Property(json, "continuing_subword_prefix")?.GetString() ?? "##",
            maxChars);
    }

    private static UnigramModel ParseUnigram(JsonElement json)
    {
        if (Property(json, "vocab") is not { ValueKind: JsonValueKind.Array } vocabJson)
        {
            throw EngineException.NotSupported("tokenizer.json: the Unigram model has no vocab list.");
        }

        var pieces = new List<(string, double)>(vocabJson.GetArrayLength());
        foreach (var entry in vocabJson.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() != 2
                || entry[0].ValueKind != JsonValueKind.String || entry[1].ValueKind != JsonValueKind.Number)
            {
                throw EngineException.NotSupported($"tokenizer.json: a Unigram vocab entry is {Shorten(entry.GetRawText())}; expected [\"piece\", score].");
            }

            pieces.Add((entry[0].GetString()!, entry[1].GetDouble()));
        }

        int? unkId = null;
        if (Property(json, "unk_id") is { } unk)
        {
            if (unk.ValueKind != JsonValueKind.Number || !unk.TryGetInt32(out var u))
            {
                throw EngineException.NotSupported($"tokenizer.json: the Unigram unk_id {Shorten(unk.GetRawText())} is not an index of the vocabulary.");
            }

            unkId = u;
        }

        return new UnigramModel(pieces, unkId, Bool(json, "byte_fallback", false));
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";

    private static INormalizer ParseNormalizer(JsonElement json, TokenizerOptions options)
    {
        var type = TypeOf(json, "normalizer");
        return type switch
        {
            "Sequence" => new SequenceNormalizer([.. json.GetProperty("normalizers").EnumerateArray().Where(e => e.ValueKind != JsonValueKind.Null).Select(e => ParseNormalizer(e, options))]),
            "Prepend" => new PrependNormalizer(json.GetProperty("prepend").GetString() ?? string.Empty),
            "Replace" => ParseReplaceNormalizer(json, options),
            "NFC" => new UnicodeNormalizer(NormalizationForm.FormC),
            "NFD" => new UnicodeNormalizer(NormalizationForm.FormD),
            "NFKC" => new UnicodeNormalizer(NormalizationForm.FormKC),
            "NFKD" => new UnicodeNormalizer(NormalizationForm.FormKD),
            "Lowercase" => new LowercaseNormalizer(),
            "Strip" => new StripNormalizer(Bool(json, "strip_left", false), Bool(json, "strip_right", false)),
            "Precompiled" => PrecompiledNormalizer.FromBase64(json.GetProperty("precompiled_charsmap").GetString()
                ?? throw EngineException.NotSupported("tokenizer.json: the Precompiled normalizer has no precompiled_charsmap.")),
            "BertNormalizer" => new BertNormalizer(
                Bool(json, "clean_text", true),
                Bool(json, "handle_chinese_chars", true),
                Property(json, "strip_accents") is { ValueKind: JsonValueKind.True or JsonValueKind.False } strip ? strip.GetBoolean() : Bool(json, "lowercase", true),
                Bool(json, "lowercase", true)),
            _ => throw EngineException.NotSupported($"tokenizer.json normalizer '{type}' is not supported (supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip, Precompiled, BertNormalizer)."),
        };
    }

    private static ReplaceNormalizer ParseReplaceNormalizer(JsonElement json, TokenizerOptions options)
    {
        var content = ParsePattern(json, options, out var literal, out var regex);
        return new ReplaceNormalizer(literal, regex, content);
    }

    private static IPreTokenizer ParsePreTokenizer(JsonElement json, TokenizerOptions options)
    {
        var type = TypeOf(json, "pre_tokenizer");
        switch (type)
        {
            case "Sequence":
                return new SequencePreTokenizer([.. json.GetProperty("pretokenizers").EnumerateArray().Select(e => ParsePreTokenizer(e, options))]);
            case "ByteLevel":
                return new ByteLevelPreTokenizer(Bool(json, "add_prefix_space", true), Bool(json, "use_regex", true));
            case "Split":
            {
                ParsePattern(json, options, out var literal, out var regex, contentProperty: null);
                var behavior = Property(json, "behavior")?.GetString() switch
                {
                    "Removed" => SplitBehavior.Removed,
                    "Isolated" => SplitBehavior.Isolated,
                    "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
                    "MergedWithNext" => SplitBehavior.MergedWithNext,
                    "Contiguous" => SplitBehavior.Contiguous,
                    var other => throw EngineException.NotSupported($"tokenizer.json Split behavior '{other}' is not supported."),
                };
                return new SplitPreTokenizer(regex ?? OnigRegex.Literal(literal!, options.RegexTimeout), behavior, Bool(json, "invert", false));
            }

            case "Metaspace":
                return new MetaspacePreTokenizer(Replacement(json), Scheme(json), Bool(json, "split", true));
            case "Digits":
                return new DigitsPreTokenizer(Bool(json, "individual_digits", false));
            case "WhitespaceSplit":
                return new WhitespaceSplitPreTokenizer();
            case "BertPreTokenizer":
                return new BertPreTokenizer();
            default:
                throw EngineException.NotSupported($"tokenizer.json pre_tokenizer '{type}' is not supported (supported: Sequence, ByteLevel, Split, Metaspace, Digits, WhitespaceSplit, BertPreTokenizer).");
        }
    }

    private static IDecoder ParseDecoder(JsonElement json, TokenizerOptions options)
    {
        var type = TypeOf(json, "decoder");
        switch (type)
        {
            case "Sequence":
                return new SequenceDecoder([.. json.GetProperty("decoders").EnumerateArray().Select(e => ParseDecoder(e, options))]);
            case "ByteLevel":
                return new ByteLevelDecoder();
            case "Replace":
            {
                var content = ParsePattern(json, options, out var literal, out var regex);
                return new ReplaceDecoder(literal, regex, content);
            }

            case "ByteFallback":
                return new ByteFallbackDecoder();
            case "Fuse":
                return new FuseDecoder();
            case "Strip":
            {
                var content = json.GetProperty("content").GetString() ?? " ";
                return new StripDecoder(content.Length > 0 ? content[0] : ' ', Int(json, "start", 0), Int(json, "stop", 0));
            }

            case "Metaspace":
                return new MetaspaceDecoder(Replacement(json), Scheme(json));
            case "WordPiece":
                return new WordPieceDecoder(Property(json, "prefix")?.GetString() ?? "##", Bool(json, "cleanup", true));
            default:
                throw EngineException.NotSupported($"tokenizer.json decoder '{type}' is not supported (supported: Sequence, ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, WordPiece).");
        }
    }

    private static void ParsePostProcessor(JsonElement json, List<int> prefix, List<int> suffix, ref bool isTemplate)
    {
        var type = TypeOf(json, "post_processor");
        switch (type)
        {
            case "ByteLevel":
                return;
            case "Sequence":
                foreach (var p in json.GetProperty("processors").EnumerateArray())
                {
                    var pre = new List<int>();
                    var suf = new List<int>();
                    ParsePostProcessor(p, pre, suf, ref isTemplate);
                    prefix.InsertRange(0, pre);
                    suffix.AddRange(suf);
                }

                return;
            case "TemplateProcessing":
            {
                isTemplate = true;
                var specials = json.GetProperty("special_tokens");
                var seenSequence = false;
                foreach (var item in json.GetProperty("single").EnumerateArray())
                {
                    if (Property(item, "Sequence") is not null)
                    {
                        seenSequence = true;
                    }
                    else if (Property(item, "SpecialToken") is { } special)
                    {
                        var name = special.GetProperty("id").GetString()
                            ?? throw EngineException.NotSupported("tokenizer.json: a TemplateProcessing special token has no id.");
                        var ids = specials.GetProperty(name).GetProperty("ids");
                        foreach (var id in ids.EnumerateArray())
                        {
                            (seenSequence ? suffix : prefix).Add(id.GetInt32());
                        }
                    }
                }

                return;
            }

            case "RobertaProcessing" or "BertProcessing":
                prefix.Add(json.GetProperty("cls")[1].GetInt32());
                suffix.Add(json.GetProperty("sep")[1].GetInt32());
                return;
            default:
                throw EngineException.NotSupported($"tokenizer.json post_processor '{type}' is not supported (supported: TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence).");
        }
    }

    /// <summary>Reads a <c>pattern</c> ({"String": ...} or {"Regex": ...}); returns the <c>content</c> property.</summary>
    private static string ParsePattern(JsonElement json, TokenizerOptions options, out string? literal, out OnigRegex? regex, string? contentProperty = "content")
    {
        literal = null;
        regex = null;
        var pattern = json.GetProperty("pattern");
        if (Property(pattern, "String") is { } s)
        {
            literal = s.GetString() ?? string.Empty;
        }
        else if (Property(pattern, "Regex") is { } r)
        {
            regex = new OnigRegex(r.GetString() ?? string.Empty, options.RegexTimeout);
        }
        else
        {
            throw EngineException.NotSupported($"tokenizer.json has a pattern it cannot read: {pattern.GetRawText()}");
        }

        return contentProperty is null ? string.Empty : json.GetProperty(contentProperty).GetString() ?? string.Empty;
    }

    private static char Replacement(JsonElement json)
    {
        var s = Property(json, "replacement")?.GetString() ?? "\u2581";
        return s.Length > 0 ? s[0] : '\u2581';
    }

    private static PrependScheme Scheme(JsonElement json) => Property(json, "prepend_scheme")?.GetString() switch
    {
        "always" => PrependScheme.Always,
        "first" => PrependScheme.First,
        "never" => PrependScheme.Never,
        _ => Bool(json, "add_prefix_space", true) ? PrependScheme.Always : PrependScheme.Never,
    };

    private static string TypeOf(JsonElement json, string what) =>
        Property(json, "type")?.GetString() ?? throw EngineException.NotSupported($"tokenizer.json has a {what} without a type.");

    private static JsonElement? Property(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static bool Bool(JsonElement json, string name, bool fallback) =>
        Property(json, name) is { } v && (v.ValueKind == JsonValueKind.True || v.ValueKind == JsonValueKind.False) ? v.GetBoolean() : fallback;

    private static int Int(JsonElement json, string name, int fallback) =>
        Property(json, name) is { ValueKind: JsonValueKind.Number } v ? v.GetInt32() : fallback;

    /// <summary>What the tokenizer uses from <c>tokenizer_config.json</c>.</summary>
    private sealed record TokenizerConfig(string? BosToken, string? EosToken, bool? AddBosToken, bool? AddEosToken)
    {
        public static TokenizerConfig Empty { get; } = new(null, null, null, null);

        public string? PadToken { get; init; }

        public string? UnkToken { get; init; }

        public string? MaskToken { get; init; }

        public string? ClsToken { get; init; }

        public string? SepToken { get; init; }

        public bool? CleanUpTokenizationSpaces { get; init; }

        public int? ModelMaxLength { get; init; }

        public string? PaddingSide { get; init; }

        public string? TruncationSide { get; init; }

        public static TokenizerConfig Parse(string json)
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            return new TokenizerConfig(
                TokenText(Property(root, "bos_token")),
                TokenText(Property(root, "eos_token")),
                Property(root, "add_bos_token") is { } b && b.ValueKind is JsonValueKind.True or JsonValueKind.False ? b.GetBoolean() : null,
                Property(root, "add_eos_token") is { } e && e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : null)
            {
                PadToken = TokenText(Property(root, "pad_token")),
                UnkToken = TokenText(Property(root, "unk_token")),
                MaskToken = TokenText(Property(root, "mask_token")),
                ClsToken = TokenText(Property(root, "cls_token")),
                SepToken = TokenText(Property(root, "sep_token")),
                CleanUpTokenizationSpaces = Property(root, "clean_up_tokenization_spaces") is { ValueKind: JsonValueKind.True or JsonValueKind.False } c ? c.GetBoolean() : null,
                // transformers writes 1e30 (VERY_LARGE_INTEGER) for "no limit".
                ModelMaxLength = Property(root, "model_max_length") is { ValueKind: JsonValueKind.Number } m && m.TryGetInt64(out var max) && max is > 0 and <= int.MaxValue ? (int)max : null,
                PaddingSide = Property(root, "padding_side")?.ValueKind == JsonValueKind.String ? Property(root, "padding_side")!.Value.GetString() : null,
                TruncationSide = Property(root, "truncation_side")?.ValueKind == JsonValueKind.String ? Property(root, "truncation_side")!.Value.GetString() : null,
            };
        }

        private static string? TokenText(JsonElement? value) => value switch
        {
            { ValueKind: JsonValueKind.String } s => s.GetString(),
            { ValueKind: JsonValueKind.Object } o when Property(o, "content") is { ValueKind: JsonValueKind.String } c => c.GetString(),
            _ => null,
        };
    }
}
