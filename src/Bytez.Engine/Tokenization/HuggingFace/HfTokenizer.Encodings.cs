using System.Text.Json;

namespace Bytez.Engine.Tokenization.HuggingFace;

// The rich encode (pairs, truncation with overflowing windows, offsets, word ids, masks) and the token-string
// helpers the text tasks need, with the semantics of Hugging Face's fast tokenizers (tokenizers 0.22, transformers 4.5x).
public sealed partial class HfTokenizer
{
    /// <summary>The most tokens one rich encode may produce, all overflowing windows together (a bound on memory).</summary>
    public const int MaxEncodedTokens = 1_000_000;

    /// <summary>The padding token (<c>pad_token</c> of <c>tokenizer_config.json</c>, else <c>tokenizer.json</c>'s padding), or null.</summary>
    public string? PadToken { get; }

    /// <summary>The padding token's id, or null.</summary>
    public int? PadTokenId { get; }

    /// <summary>The unknown token (<c>unk_token</c>, else the model's), or null.</summary>
    public string? UnknownToken { get; }

    /// <summary>The unknown token's id, or null.</summary>
    public int? UnknownTokenId { get; }

    /// <summary>The mask token of masked language models (<c>mask_token</c> of <c>tokenizer_config.json</c>), or null.</summary>
    public string? MaskToken { get; }

    /// <summary>The mask token's id, or null.</summary>
    public int? MaskTokenId { get; }

    /// <summary>The id of <c>cls_token</c> of <c>tokenizer_config.json</c>, or null.</summary>
    public int? ClsTokenId { get; }

    /// <summary>The id of <c>sep_token</c> of <c>tokenizer_config.json</c>, or null.</summary>
    public int? SepTokenId { get; }

    /// <summary>The prefix of word-continuing tokens (WordPiece's <c>##</c>, or a BPE model's when it sets one), or null.</summary>
    public string? ContinuingSubwordPrefix => _model.ContinuingSubwordPrefix;

    /// <summary>
    /// <c>clean_up_tokenization_spaces</c> of <c>tokenizer_config.json</c>; false when absent (transformers 4.45+'s default).
    /// </summary>
    public bool CleanUpTokenizationSpaces => _config.CleanUpTokenizationSpaces ?? false;

    /// <summary><c>model_max_length</c> of <c>tokenizer_config.json</c>, or null when absent or "unlimited" (1e30).</summary>
    public int? ModelMaxLength => _config.ModelMaxLength;

    /// <summary><c>padding_side</c> of <c>tokenizer_config.json</c> (right when absent).</summary>
    public PaddingSide PaddingSide => _config.PaddingSide == "left" ? PaddingSide.Left : PaddingSide.Right;

    /// <summary><c>truncation_side</c> of <c>tokenizer_config.json</c> (right when absent).</summary>
    public TruncationSide TruncationSide => _config.TruncationSide == "left" ? TruncationSide.Left : TruncationSide.Right;

    /// <summary>How many special tokens the post-processor adds to one text or to a pair (tokenizers' <c>num_special_tokens_to_add</c>).</summary>
    public int NumSpecialTokensToAdd(bool pair) => _postProcessor?.AddedTokens(pair) ?? 0;

    /// <summary>
    /// Encodes a text, or a pair of texts, as a Hugging Face fast tokenizer's <c>__call__</c> does with the same
    /// options: the post-processor's special tokens and type ids, truncation into overflowing windows, padding, and
    /// for each token its string, offsets into the input (code points and UTF-16), word and sequence.
    /// </summary>
    /// <exception cref="EngineException">
    /// The options cannot be met (kind <see cref="EngineErrorKind.BadInput"/>: <c>only_second</c> without a pair, a
    /// sequence too short to truncate, a stride not below the truncated length, padding without a pad token), or the
    /// windows would exceed <see cref="MaxEncodedTokens"/> (kind <see cref="EngineErrorKind.TooLarge"/>).
    /// </exception>
    public TokenEncoding Encode(string text, string? pair, EncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= EncodeOptions.Default;
        if (options.MaxLength is < 0 || options.Stride < 0 || options.PadToLength is < 0 or > MaxEncodedTokens)
        {
            throw EngineException.BadInput($"The encode options are out of range: max_length {options.MaxLength}, stride {options.Stride}, pad length {options.PadToLength} (each at least 0, padding at most {MaxEncodedTokens}).");
        }

        var first = EncodeSequence(text, 0);
        var second = pair is null ? null : EncodeSequence(pair, 1);
        if (options.MaxLength is int maxLength)
        {
            var added = options.AddSpecialTokens ? NumSpecialTokensToAdd(pair is not null) : 0;
            if (added > maxLength)
            {
                throw EngineException.BadInput($"max_length {maxLength} is shorter than the {added} special tokens the tokenizer adds.");
            }

            // tokenizers refuses these truncation parameters whether or not the text needs truncating.
            if (options.Stride >= maxLength - added)
            {
                throw EngineException.BadInput($"The stride ({options.Stride}) must be less than max_length ({maxLength}) less the {added} special tokens the tokenizer adds.");
            }

            Truncate(first, second, maxLength - added, options);
            long windows = (1 + first.Overflowing.Count) * (long)(1 + (second?.Overflowing.Count ?? 0));
            if (windows * 2 * (maxLength + 1) > MaxEncodedTokens)
            {
                throw EngineException.TooLarge($"Encoding would make {windows} windows of up to {maxLength} tokens; at most {MaxEncodedTokens} tokens are allowed (use a larger max_length or a smaller stride).");
            }
        }

        var merged = PostProcessor.Process(_postProcessor, first, second, options.AddSpecialTokens);
        if (options.PadToLength is int padLength)
        {
            if (PadTokenId is not int padId)
            {
                throw EngineException.BadInput("Padding was asked for but the tokenizer has no pad token.");
            }

            merged.Pad(padLength, padId, 0, PadToken ?? string.Empty, options.PaddingSide);
        }

        return new TokenEncoding(merged);
    }

    /// <summary>The token strings of ids (<c>convert_ids_to_tokens</c>); null for an id the tokenizer does not have.</summary>
    public string?[] ConvertIdsToTokens(ReadOnlySpan<int> ids)
    {
        var tokens = new string?[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            tokens[i] = TokenToString(ids[i]);
        }

        return tokens;
    }

    /// <summary>
    /// Joins token strings into text with the tokenizer's decoder (<c>convert_tokens_to_string</c> of a fast tokenizer):
    /// WordPiece joins <c>##</c> pieces, byte-level BPE decodes bytes, Metaspace turns <c>▁</c> into spaces; without a
    /// decoder the tokens are joined with spaces.
    /// </summary>
    public string ConvertTokensToString(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var list = tokens.ToList();
        return _decoder is null ? string.Join(' ', list) : string.Concat(_decoder.DecodeChain(list));
    }

    /// <summary>
    /// Decodes ids as transformers' <c>decode(ids, skip_special_tokens, clean_up_tokenization_spaces)</c>: with
    /// <paramref name="cleanUpTokenizationSpaces"/> (null: <see cref="CleanUpTokenizationSpaces"/>) spaces before
    /// punctuation and English contractions are removed (<c>" ."</c> → <c>"."</c>, <c>" n't"</c> → <c>"n't"</c>...).
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens, bool? cleanUpTokenizationSpaces)
    {
        var text = Decode(ids, skipSpecialTokens);
        return cleanUpTokenizationSpaces ?? CleanUpTokenizationSpaces ? CleanUpTokenization(text) : text;
    }

    /// <summary>transformers' <c>clean_up_tokenization</c>.</summary>
    public static string CleanUpTokenization(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text
            .Replace(" .", ".", StringComparison.Ordinal)
            .Replace(" ?", "?", StringComparison.Ordinal)
            .Replace(" !", "!", StringComparison.Ordinal)
            .Replace(" ,", ",", StringComparison.Ordinal)
            .Replace(" ' ", "'", StringComparison.Ordinal)
            .Replace(" n't", "n't", StringComparison.Ordinal)
            .Replace(" 'm", "'m", StringComparison.Ordinal)
            .Replace(" 's", "'s", StringComparison.Ordinal)
            .Replace(" 've", "'ve", StringComparison.Ordinal)
            .Replace(" 're", "'re", StringComparison.Ordinal);
    }

    /// <summary>
    /// One sequence as tokenizers' <c>encode_single_sequence</c> builds it: added tokens split off the raw text, the
    /// rest normalized (with alignments), normalized added tokens split off, pre-tokenized into words, each word run
    /// through the model; every split is a word. Offsets are converted to code points of <paramref name="text"/>.
    /// </summary>
    private MutableEncoding EncodeSequence(string text, int typeId)
    {
        var encoding = new MutableEncoding();
        if (text.Length == 0)
        {
            return encoding;
        }

        // The code-point index of each UTF-16 unit (both units of a surrogate pair share one), and of the end.
        var codePoints = new int[text.Length + 1];
        var count = 0;
        for (var i = 0; i < text.Length; count++)
        {
            var width = AlignedString.Width(text, i);
            codePoints[i] = count;
            if (width == 2)
            {
                codePoints[i + 1] = count;
            }

            i += width;
        }

        codePoints[text.Length] = count;
        var utf16Map = new int[count + 1];
        for (var i = text.Length - 1; i >= 0; i--)
        {
            utf16Map[codePoints[i]] = i;
        }

        utf16Map[count] = text.Length;

        var word = 0;
        void Add(int id, string token, (int Start, int End) utf16)
        {
            if (encoding.Count >= MaxEncodedTokens)
            {
                throw EngineException.TooLarge($"The text has more than {MaxEncodedTokens} tokens.");
            }

            encoding.Add(id, typeId, token, word, (codePoints[utf16.Start], codePoints[utf16.End]), utf16, 0, 1, utf16Map);
        }

        var rawParts = new List<(int Start, int End, AddedToken? Token)>();
        _rawMatcher.Split(text, rawParts);
        var normalizedParts = new List<(int Start, int End, AddedToken? Token)>();
        var pieces = new List<AlignedString>();
        var words = new List<AlignedString>();
        var tokens = new List<(int Id, int Start, int End)>();
        foreach (var (start, end, token) in rawParts)
        {
            if (token is not null)
            {
                Add(token.Id, text[start..end], (start, end));
                word++;
                continue;
            }

            var aligned = AlignedString.FromOriginal(text, start, end);
            _normalizer?.Normalize(aligned);
            normalizedParts.Clear();
            _normalizedMatcher.Split(aligned.Text, normalizedParts);
            foreach (var (s, e, t) in normalizedParts)
            {
                if (e <= s)
                {
                    continue;
                }

                var part = s == 0 && e == aligned.Text.Length ? aligned : aligned.Slice(s, e);
                if (t is not null)
                {
                    Add(t.Id, part.Text, part.ToOriginal(0, part.Text.Length));
                    word++;
                    continue;
                }

                pieces.Clear();
                pieces.Add(part);
                words.Clear();
                if (_preTokenizer is not null)
                {
                    _preTokenizer.PreTokenize(pieces, words);
                }
                else
                {
                    words.Add(part);
                }

                foreach (var w in words)
                {
                    if (w.Text.Length == 0)
                    {
                        continue;
                    }

                    tokens.Clear();
                    _model.Tokenize(w.Text, tokens);
                    foreach (var (id, tokenStart, tokenEnd) in tokens)
                    {
                        // A Unigram unknown piece is spelled as the text it stands for, as tokenizers does.
                        var value = _model is UnigramModel && id == _model.UnknownId ? w.Text[tokenStart..tokenEnd] : _model.IdToToken[id] ?? string.Empty;
                        Add(id, value, w.ToOriginal(tokenStart, tokenEnd));
                    }

                    word++;
                }
            }
        }

        return encoding;
    }

    /// <summary>tokenizers' <c>truncate_encodings</c> with <paramref name="maxLength"/> already less the special tokens.</summary>
    private static void Truncate(MutableEncoding first, MutableEncoding? second, int maxLength, EncodeOptions options)
    {
        var stride = options.Stride;
        var side = options.TruncationSide;
        if (maxLength == 0)
        {
            first.Truncate(0, stride, side, MaxEncodedTokens);
            second?.Truncate(0, stride, side, MaxEncodedTokens);
            return;
        }

        var total = first.Count + (second?.Count ?? 0);
        if (total <= maxLength)
        {
            return;
        }

        var toRemove = total - maxLength;
        switch (options.Truncation)
        {
            case TruncationStrategy.LongestFirst:
                if (second is null)
                {
                    first.Truncate(total - toRemove, stride, side, MaxEncodedTokens);
                    return;
                }

                var n1 = first.Count;
                var n2 = second.Count;
                var swap = n1 > n2;
                if (swap)
                {
                    (n1, n2) = (n2, n1);
                }

                n2 = n1 > maxLength ? n1 : Math.Max(n1, maxLength - n1);
                if (n1 + n2 > maxLength)
                {
                    n1 = maxLength / 2;
                    n2 = n1 + (maxLength % 2);
                }

                if (swap)
                {
                    (n1, n2) = (n2, n1);
                }

                first.Truncate(n1, stride, side, MaxEncodedTokens);
                second.Truncate(n2, stride, side, MaxEncodedTokens);
                return;
            default:
                var target = options.Truncation == TruncationStrategy.OnlyFirst ? first
                    : second ?? throw EngineException.BadInput("Truncation only_second needs a pair of texts; only one was given.");
                if (target.Count <= toRemove)
                {
                    throw EngineException.BadInput(
                        $"The {(options.Truncation == TruncationStrategy.OnlyFirst ? "first" : "second")} sequence has {target.Count} tokens, too few to remove the {toRemove} needed to fit max_length; truncate the other sequence or use longest_first.");
                }

                target.Truncate(target.Count - toRemove, stride, side, MaxEncodedTokens);
                return;
        }
    }

    private static PostProcessor? ParseRichPostProcessor(JsonElement json)
    {
        var type = TypeOf(json, "post_processor");
        switch (type)
        {
            case "ByteLevel":
                return new ByteLevelPostProcessor(Bool(json, "trim_offsets", true), Bool(json, "add_prefix_space", true));
            case "Sequence":
                return new SequencePostProcessor([.. json.GetProperty("processors").EnumerateArray().Select(p => ParseRichPostProcessor(p)!)]);
            case "BertProcessing":
                return new BertPostProcessor(Pair(json, "cls"), Pair(json, "sep"));
            case "RobertaProcessing":
                return new RobertaPostProcessor(Pair(json, "cls"), Pair(json, "sep"), Bool(json, "trim_offsets", true), Bool(json, "add_prefix_space", true));
            case "TemplateProcessing":
            {
                var specials = new Dictionary<string, (int[] Ids, string[] Tokens)>(StringComparer.Ordinal);
                if (Property(json, "special_tokens") is { ValueKind: JsonValueKind.Object } specialsJson)
                {
                    foreach (var entry in specialsJson.EnumerateObject())
                    {
                        int[] ids = [.. entry.Value.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32())];
                        string[] tokens = [.. entry.Value.GetProperty("tokens").EnumerateArray().Select(t => t.GetString() ?? string.Empty)];
                        if (ids.Length != tokens.Length)
                        {
                            throw EngineException.NotSupported($"tokenizer.json: the template special token '{entry.Name}' has {ids.Length} ids but {tokens.Length} tokens.");
                        }

                        specials[entry.Name] = (ids, tokens);
                    }
                }

                var single = Template(json.GetProperty("single"), specials);
                var pair = Property(json, "pair") is { ValueKind: JsonValueKind.Array } pairJson ? Template(pairJson, specials) : null;
                return new TemplatePostProcessor(single, pair, specials);
            }

            default:
                throw EngineException.NotSupported($"tokenizer.json post_processor '{type}' is not supported (supported: TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence).");
        }
    }

    private static TemplatePiece[] Template(JsonElement pieces, Dictionary<string, (int[] Ids, string[] Tokens)> specials)
    {
        var result = new List<TemplatePiece>();
        foreach (var item in pieces.EnumerateArray())
        {
            if (Property(item, "Sequence") is { } sequence)
            {
                var id = sequence.GetProperty("id").GetString();
                result.Add(new TemplatePiece(id == "B" ? 1 : 0, null, Int(sequence, "type_id", 0)));
            }
            else if (Property(item, "SpecialToken") is { } special)
            {
                var id = special.GetProperty("id").GetString() ?? string.Empty;
                if (!specials.ContainsKey(id))
                {
                    throw EngineException.NotSupported($"tokenizer.json: the template uses the special token '{id}' that its special_tokens do not define.");
                }

                result.Add(new TemplatePiece(null, id, Int(special, "type_id", 0)));
            }
            else
            {
                throw EngineException.NotSupported($"tokenizer.json: a template piece is {Shorten(item.GetRawText())}; expected Sequence or SpecialToken.");
            }
        }

        return [.. result];
    }

    private static (string Token, int Id) Pair(JsonElement json, string name)
    {
        var value = json.GetProperty(name);
        return (value[0].GetString() ?? string.Empty, value[1].GetInt32());
    }

    /// <summary>The template transformers' Llama/Gemma fast tokenizers build from <c>add_bos_token</c>/<c>add_eos_token</c>.</summary>
    private static TemplatePostProcessor BosEosTemplate(List<int> prefix, List<int> suffix, Func<int, string> tokenOf)
    {
        var specials = new Dictionary<string, (int[] Ids, string[] Tokens)>(StringComparer.Ordinal);
        List<TemplatePiece> Pieces(List<int> ids, int typeId)
        {
            var pieces = new List<TemplatePiece>();
            foreach (var id in ids)
            {
                var token = tokenOf(id);
                specials[token] = ([id], [token]);
                pieces.Add(new TemplatePiece(null, token, typeId));
            }

            return pieces;
        }

        List<TemplatePiece> single = [.. Pieces(prefix, 0), new TemplatePiece(0, null, 0), .. Pieces(suffix, 0)];
        List<TemplatePiece> pair = [.. single, .. Pieces(prefix, 1), new TemplatePiece(1, null, 1), .. Pieces(suffix, 1)];
        return new TemplatePostProcessor([.. single], [.. pair], specials);
    }
}
