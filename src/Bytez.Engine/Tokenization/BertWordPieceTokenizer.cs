using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Bytez.Engine.Tokenization;

/// <summary>
/// A BERT WordPiece tokenizer that reproduces Hugging Face's ids, built on <c>Microsoft.ML.Tokenizers</c>'
/// <see cref="BertTokenizer"/>. Accent stripping (what <c>bert-base-uncased</c> does when lowercasing) maps to
/// <see cref="BertOptions.RemoveNonSpacingMarks"/>, which needs ICU: with invariant globalization accented words
/// would silently become <c>[UNK]</c>, so loading such a tokenizer then fails instead. Thread-safe.
/// </summary>
public sealed class BertWordPieceTokenizer
{
    private readonly BertTokenizer _inner;

    private BertWordPieceTokenizer(BertTokenizer inner, BertTokenizerSettings settings)
    {
        _inner = inner;
        Settings = settings;
    }

    /// <summary>The settings the tokenizer was built with.</summary>
    public BertTokenizerSettings Settings { get; }

    /// <summary>The id of the classification token.</summary>
    public int ClsTokenId => _inner.ClassificationTokenId;

    /// <summary>The id of the separator token.</summary>
    public int SepTokenId => _inner.SeparatorTokenId;

    /// <summary>The id of the padding token.</summary>
    public int PadTokenId => _inner.PaddingTokenId;

    /// <summary>The id of the unknown token.</summary>
    public int UnknownTokenId => _inner.UnknownTokenId;

    /// <summary>Whether Unicode normalization works in this process (ICU loaded, not invariant globalization).</summary>
    public static bool UnicodeNormalizationAvailable { get; } = ProbeNormalization();

    /// <summary>
    /// Loads the tokenizer of a model folder: <c>tokenizer.json</c> when it is there (what Hugging Face's fast
    /// tokenizers use), otherwise <c>vocab.txt</c> with <c>tokenizer_config.json</c>.
    /// </summary>
    /// <exception cref="EngineException">The folder has no usable tokenizer, or it is not WordPiece (kind <see cref="EngineErrorKind.NotSupported"/>).</exception>
    public static BertWordPieceTokenizer FromDirectory(string modelFolder)
    {
        var json = Path.Combine(modelFolder, "tokenizer.json");
        if (File.Exists(json))
        {
            return FromTokenizerJson(json);
        }

        var vocab = Path.Combine(modelFolder, "vocab.txt");
        if (!File.Exists(vocab))
        {
            throw EngineException.NotSupported($"The model folder {modelFolder} has neither tokenizer.json nor vocab.txt.");
        }

        var config = Path.Combine(modelFolder, "tokenizer_config.json");
        var settings = File.Exists(config) ? ReadTokenizerConfig(config) : new BertTokenizerSettings();
        return FromVocabFile(vocab, settings);
    }

    /// <summary>Builds the tokenizer from a <c>vocab.txt</c> (one token a line, the line number is the id).</summary>
    public static BertWordPieceTokenizer FromVocabFile(string vocabPath, BertTokenizerSettings settings)
    {
        using var stream = File.OpenRead(vocabPath);
        return FromVocabStream(stream, settings);
    }

    /// <summary>Builds the tokenizer from a vocabulary stream (one token a line).</summary>
    public static BertWordPieceTokenizer FromVocabStream(Stream vocab, BertTokenizerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.EffectiveStripAccents && !UnicodeNormalizationAvailable)
        {
            throw new InvalidOperationException(
                "This tokenizer strips accents, which needs ICU (Unicode normalization), but the process runs with " +
                "invariant globalization: accented words would become [UNK]. Set InvariantGlobalization to false " +
                "(and DOTNET_SYSTEM_GLOBALIZATION_INVARIANT unset) and install libicu.");
        }

        var options = new BertOptions
        {
            LowerCaseBeforeTokenization = settings.LowerCase,
            RemoveNonSpacingMarks = settings.EffectiveStripAccents,
            IndividuallyTokenizeCjk = settings.TokenizeChineseChars,
            ApplyBasicTokenization = true,
            SplitOnSpecialTokens = true,
            UnknownToken = settings.UnknownToken,
            ClassificationToken = settings.ClsToken,
            SeparatorToken = settings.SepToken,
            PaddingToken = settings.PadToken,
            MaskingToken = settings.MaskToken,
        };
        return new BertWordPieceTokenizer(BertTokenizer.Create(vocab, options), settings);
    }

    /// <summary>Builds the tokenizer from a Hugging Face <c>tokenizer.json</c> whose model is WordPiece.</summary>
    /// <exception cref="EngineException">The file's model is not WordPiece (kind <see cref="EngineErrorKind.NotSupported"/>).</exception>
    public static BertWordPieceTokenizer FromTokenizerJson(string tokenizerJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(tokenizerJsonPath));
        var root = doc.RootElement;
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object
            || !model.TryGetProperty("type", out var type) || type.GetString() != "WordPiece")
        {
            var kind = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.Object && m.TryGetProperty("type", out var t)
                ? t.GetString() : "unknown";
            throw EngineException.NotSupported($"Only WordPiece tokenizers are supported; {tokenizerJsonPath} holds a {kind} model.");
        }

        if (model.TryGetProperty("continuing_subword_prefix", out var prefix) && prefix.GetString() is { } p && p != "##")
        {
            throw EngineException.NotSupported($"WordPiece continuing-subword prefix '{p}' is not supported (only '##').");
        }

        // The vocabulary, written out one token a line in id order.
        var vocab = model.GetProperty("vocab");
        var tokens = new SortedDictionary<int, string>();
        foreach (var entry in vocab.EnumerateObject())
        {
            tokens[entry.Value.GetInt32()] = entry.Name;
        }

        var text = new StringBuilder();
        var next = 0;
        foreach (var (id, token) in tokens)
        {
            for (; next < id; next++)
            {
                text.Append("[bytez-unused-").Append(next.ToString(CultureInfo.InvariantCulture)).Append("]\n");
            }

            text.Append(token).Append('\n');
            next = id + 1;
        }

        var lowercase = true;
        bool? stripAccents = null;
        var chinese = true;
        if (root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind == JsonValueKind.Object)
        {
            ReadNormalizer(normalizer, ref lowercase, ref stripAccents, ref chinese, top: true);
        }
        else
        {
            lowercase = false;
            stripAccents = false;
        }

        var settings = new BertTokenizerSettings
        {
            LowerCase = lowercase,
            StripAccents = stripAccents,
            TokenizeChineseChars = chinese,
            UnknownToken = model.TryGetProperty("unk_token", out var unk) && unk.GetString() is { } u ? u : "[UNK]",
            ClsToken = PostProcessorToken(root, "cls") ?? "[CLS]",
            SepToken = PostProcessorToken(root, "sep") ?? "[SEP]",
            ModelMaxLength = root.TryGetProperty("truncation", out var trunc) && trunc.ValueKind == JsonValueKind.Object
                && trunc.TryGetProperty("max_length", out var ml) && ml.TryGetInt32(out var max) ? max : null,
        };
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text.ToString()));
        return FromVocabStream(stream, settings);
    }

    /// <summary>Reads the BERT settings of a Hugging Face <c>tokenizer_config.json</c>.</summary>
    public static BertTokenizerSettings ReadTokenizerConfig(string tokenizerConfigPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(tokenizerConfigPath));
        var root = doc.RootElement;
        var defaults = new BertTokenizerSettings();
        return new BertTokenizerSettings
        {
            LowerCase = Bool(root, "do_lower_case") ?? defaults.LowerCase,
            StripAccents = Bool(root, "strip_accents"),
            TokenizeChineseChars = Bool(root, "tokenize_chinese_chars") ?? defaults.TokenizeChineseChars,
            UnknownToken = Token(root, "unk_token") ?? defaults.UnknownToken,
            ClsToken = Token(root, "cls_token") ?? defaults.ClsToken,
            SepToken = Token(root, "sep_token") ?? defaults.SepToken,
            PadToken = Token(root, "pad_token") ?? defaults.PadToken,
            MaskToken = Token(root, "mask_token") ?? defaults.MaskToken,
            ModelMaxLength = root.TryGetProperty("model_max_length", out var max) && max.ValueKind == JsonValueKind.Number
                && max.TryGetInt64(out var m) && m is > 0 and < 1_000_000 ? (int)m : null,
        };
    }

    /// <summary>
    /// Tokenizes one text into ids framed by [CLS] and [SEP], cut to at most <paramref name="maxLength"/> ids (special
    /// tokens included) by dropping tokens from the end, as Hugging Face's truncation does.
    /// </summary>
    public TokenizedText Encode(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        var ids = _inner.EncodeToIds(text, addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true);
        var kept = Math.Min(ids.Count, maxLength - 2);
        var result = new int[kept + 2];
        result[0] = ClsTokenId;
        for (var i = 0; i < kept; i++)
        {
            result[i + 1] = ids[i];
        }

        result[kept + 1] = SepTokenId;
        return new TokenizedText(result, ids.Count + 2);
    }

    /// <summary>The number of ids of the text with [CLS] and [SEP], untruncated.</summary>
    public int CountTokens(string text)
        => _inner.EncodeToIds(text, addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true).Count + 2;

    /// <summary>The id of a token of the vocabulary, or <see langword="null"/>.</summary>
    public int? TokenToId(string token)
    {
        var ids = _inner.EncodeToIds(token, addSpecialTokens: false, considerPreTokenization: false, considerNormalization: false);
        return ids.Count == 1 && ids[0] != UnknownTokenId ? ids[0] : null;
    }

    private static bool ProbeNormalization()
    {
        try
        {
            return "\u00e9".Normalize(NormalizationForm.FormD).Length == 2;
        }
        catch (PlatformNotSupportedException)
        {
            return false;
        }
    }

    private static void ReadNormalizer(JsonElement normalizer, ref bool lowercase, ref bool? stripAccents, ref bool chinese, bool top)
    {
        var type = normalizer.TryGetProperty("type", out var t) ? t.GetString() : null;
        switch (type)
        {
            case "BertNormalizer":
                lowercase = Bool(normalizer, "lowercase") ?? true;
                stripAccents = Bool(normalizer, "strip_accents");
                chinese = Bool(normalizer, "handle_chinese_chars") ?? true;
                break;
            case "Sequence":
                if (top)
                {
                    lowercase = false;
                    stripAccents = false;
                }

                foreach (var inner in normalizer.GetProperty("normalizers").EnumerateArray())
                {
                    ReadNormalizer(inner, ref lowercase, ref stripAccents, ref chinese, top: false);
                }

                break;
            case "Lowercase":
                lowercase = true;
                break;
            case "StripAccents":
                stripAccents = true;
                break;
            case "NFD" or "NFC" or "NFKC" or "NFKD" or "Strip" or "Replace":
                break;
            default:
                throw EngineException.NotSupported($"The tokenizer normalizer '{type}' is not supported for WordPiece models.");
        }
    }

    private static string? PostProcessorToken(JsonElement root, string name)
    {
        if (root.TryGetProperty("post_processor", out var post) && post.ValueKind == JsonValueKind.Object
            && post.TryGetProperty(name, out var pair) && pair.ValueKind == JsonValueKind.Array && pair.GetArrayLength() > 0)
        {
            return pair[0].GetString();
        }

        return null;
    }

    private static bool? Bool(JsonElement obj, string name)
        => obj.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static string? Token(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v))
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object when v.TryGetProperty("content", out var c) => c.GetString(),
            _ => null,
        };
    }
}

/// <summary>The ids of one text, framed by [CLS] and [SEP], and how many ids it had before truncation.</summary>
/// <param name="Ids">The ids, truncated to the requested maximum.</param>
/// <param name="UntruncatedLength">The number of ids (special tokens included) before truncation.</param>
public readonly record struct TokenizedText(int[] Ids, int UntruncatedLength)
{
    /// <summary>Whether ids were dropped to fit the maximum.</summary>
    public bool WasTruncated => UntruncatedLength > Ids.Length;
}
