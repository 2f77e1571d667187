using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bytez.Testing.TinyModels;

/// <summary>The tokenizer family of a tiny encoder model, as the hub's conversions write them.</summary>
public enum EncoderTokenizerStyle
{
    /// <summary>BERT / DistilBERT: WordPiece with <c>##</c> continuations, BERT normalizer (lower-cased) and pre-tokenizer, <c>[CLS] A [SEP] B [SEP]</c>.</summary>
    WordPiece,

    /// <summary>RoBERTa: byte-level BPE (<c>Ġ</c> is a space), <c>&lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;</c>, <c>&lt;mask&gt;</c> strips the space before it.</summary>
    ByteLevelBpe,

    /// <summary>XLM-R: SentencePiece Unigram with the Metaspace pre-tokenizer (<c>▁</c> is a space), cased, <c>&lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;</c>.</summary>
    Unigram,
}

/// <summary>
/// The vocabulary of a tiny encoder tokenizer, in id order: the family's special tokens first (WordPiece
/// <c>[PAD] [UNK] [CLS] [SEP] [MASK]</c> = 0..4; BPE and Unigram <c>&lt;s&gt; &lt;pad&gt; &lt;/s&gt; &lt;unk&gt;</c> = 0..3
/// and <c>&lt;mask&gt;</c> last), then the designed tokens, then the fallback pieces (BPE: the 256 byte symbols and
/// the merge prefixes; Unigram: single characters).
/// </summary>
/// <param name="Style">The tokenizer family.</param>
/// <param name="Tokens">Every token, its id being its index.</param>
public sealed record EncoderVocabulary(EncoderTokenizerStyle Style, IReadOnlyList<string> Tokens)
{
    private readonly Dictionary<string, int> _ids = Tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);

    /// <summary>The id of a token (its vocabulary spelling: <c>##ny</c>, <c>Ġgood</c>, <c>▁good</c>).</summary>
    public int this[string token] => _ids.TryGetValue(token, out var id) ? id : throw new KeyNotFoundException($"'{token}' is not in the tiny vocabulary.");

    /// <summary>The number of tokens (the model's <c>vocab_size</c>).</summary>
    public int Size => Tokens.Count;

    /// <summary>Whether the vocabulary holds a token.</summary>
    public bool Contains(string token) => _ids.ContainsKey(token);

    /// <summary>The classification token that starts every encoding: <c>[CLS]</c> or <c>&lt;s&gt;</c>.</summary>
    public string Cls => Style == EncoderTokenizerStyle.WordPiece ? "[CLS]" : "<s>";

    /// <summary>The separator token: <c>[SEP]</c> or <c>&lt;/s&gt;</c>.</summary>
    public string Sep => Style == EncoderTokenizerStyle.WordPiece ? "[SEP]" : "</s>";

    /// <summary>The padding token: <c>[PAD]</c> or <c>&lt;pad&gt;</c>.</summary>
    public string Pad => Style == EncoderTokenizerStyle.WordPiece ? "[PAD]" : "<pad>";

    /// <summary>The unknown token: <c>[UNK]</c> or <c>&lt;unk&gt;</c>.</summary>
    public string Unk => Style == EncoderTokenizerStyle.WordPiece ? "[UNK]" : "<unk>";

    /// <summary>The mask token: <c>[MASK]</c> or <c>&lt;mask&gt;</c>.</summary>
    public string Mask => Style == EncoderTokenizerStyle.WordPiece ? "[MASK]" : "<mask>";

    /// <summary>The special tokens of the family (skipped by decoding with <c>skip_special_tokens</c>).</summary>
    public IReadOnlyList<string> SpecialTokens => Style == EncoderTokenizerStyle.WordPiece
        ? ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        : ["<s>", "<pad>", "</s>", "<unk>", "<mask>"];

    /// <summary>
    /// The spelling of a whole word after a space (the usual position): <c>good</c> for WordPiece, <c>Ġgood</c> for
    /// byte-level BPE, <c>▁good</c> for Unigram.
    /// </summary>
    public string Word(string word) => Style switch
    {
        EncoderTokenizerStyle.WordPiece => word,
        EncoderTokenizerStyle.ByteLevelBpe => "Ġ" + word,
        _ => "▁" + word,
    };

    /// <summary>
    /// Every spelling of a whole word the tokenizer can produce: after a space, and for byte-level BPE also at the
    /// start of the text (RoBERTa adds no prefix space, so the first word has no <c>Ġ</c>).
    /// </summary>
    public IEnumerable<string> Spellings(string word) => Style == EncoderTokenizerStyle.ByteLevelBpe ? [Word(word), word] : [Word(word)];

    /// <summary>
    /// The spelling of a piece that continues a word (no space before it): <c>##ny</c> for WordPiece, <c>ny</c> for
    /// byte-level BPE and Unigram.
    /// </summary>
    public string Subword(string piece) => Style == EncoderTokenizerStyle.WordPiece ? "##" + piece : piece;

    /// <summary>
    /// The vocabulary spellings of a design key: <c>##ny</c> is a continuation piece (<see cref="Subword"/>), a special
    /// token is itself, any other key is a whole word in every spelling (<see cref="Spellings"/>), or only after a
    /// space when <paramref name="afterSpaceOnly"/>.
    /// </summary>
    public IEnumerable<string> Spell(string key, bool afterSpaceOnly = false) =>
        key.StartsWith("##", StringComparison.Ordinal) && key.Length > 2 ? [Subword(key[2..])]
        : SpecialTokens.Contains(key) ? [key]
        : afterSpaceOnly ? [Word(key)]
        : Spellings(key);

    /// <summary>A single text's encoding as the post-processor writes it: <c>[CLS] tokens [SEP]</c> or <c>&lt;s&gt; tokens &lt;/s&gt;</c>.</summary>
    public string[] Single(params string[] tokens) => [Cls, .. tokens, Sep];

    /// <summary>
    /// A pair's encoding as the post-processor writes it: <c>[CLS] a [SEP] b [SEP]</c> (token types 1 from <c>b</c> on)
    /// or <c>&lt;s&gt; a &lt;/s&gt;&lt;/s&gt; b &lt;/s&gt;</c> (no token types).
    /// </summary>
    public string[] Pair(string[] first, string[] second) => Style == EncoderTokenizerStyle.WordPiece
        ? [Cls, .. first, Sep, .. second, Sep]
        : [Cls, .. first, Sep, Sep, .. second, Sep];

    /// <summary>The number of tokens of type 1 in <see cref="Pair"/>'s encoding: the second text and its separator (BERT), none otherwise.</summary>
    public int SecondSegmentLength(string[] second) => Style == EncoderTokenizerStyle.WordPiece ? second.Length + 1 : 0;

    /// <summary>The ids of tokens.</summary>
    public long[] Ids(params string[] tokens) => tokens.Select(t => (long)this[t]).ToArray();
}

/// <summary>What <see cref="EncoderTokenizerWriter.Write"/> writes.</summary>
public sealed record EncoderTokenizerOptions
{
    /// <summary>The tokenizer family.</summary>
    public EncoderTokenizerStyle Style { get; init; } = EncoderTokenizerStyle.WordPiece;

    /// <summary>
    /// The designed tokens in their vocabulary spelling, after the special tokens in this order. WordPiece: <c>good</c>,
    /// <c>##ny</c> (lower-case; punctuation <c>. , ? ! ' -</c> is added when absent). Byte-level BPE: <c>Ġgood</c>
    /// (after a space) and <c>good</c> (at the start or inside a word); each gets the merges that build it from bytes.
    /// Unigram: <c>▁good</c> or a piece <c>ny</c>; each scores -2, single characters -10, so designed pieces win.
    /// Use <see cref="EncoderVocabulary.Spellings"/> to list a word in every form.
    /// </summary>
    public IReadOnlyList<string> Tokens { get; init; } = [];

    /// <summary>The <c>tokenizer_class</c> of <c>tokenizer_config.json</c>; <see langword="null"/> picks the family's (<c>BertTokenizer</c>, <c>RobertaTokenizer</c>, <c>XLMRobertaTokenizer</c>).</summary>
    public string? TokenizerClass { get; init; }

    /// <summary>The <c>model_max_length</c> of <c>tokenizer_config.json</c>.</summary>
    public int ModelMaxLength { get; init; } = 512;

    /// <summary>The <c>clean_up_tokenization_spaces</c> flag of <c>tokenizer_config.json</c> (true in BERT- and RoBERTa-era checkpoints).</summary>
    public bool CleanUpTokenizationSpaces { get; init; } = true;
}

/// <summary>
/// Writes the tokenizer files of a tiny encoder model in the layout of the hub's Optimum/Xenova conversions:
/// <c>tokenizer.json</c> (the Hugging Face tokenizers format), <c>tokenizer_config.json</c> and
/// <c>special_tokens_map.json</c>, for the three families of <see cref="EncoderTokenizerStyle"/>.
/// </summary>
public static class EncoderTokenizerWriter
{
    private const string Punctuation = ".,?!'-";

    /// <summary>Writes the three files into <paramref name="folder"/> (created when missing) and returns the vocabulary.</summary>
    public static EncoderVocabulary Write(string folder, EncoderTokenizerOptions options)
    {
        Directory.CreateDirectory(folder);
        var (vocabulary, tokenizer) = options.Style switch
        {
            EncoderTokenizerStyle.WordPiece => WordPiece(options),
            EncoderTokenizerStyle.ByteLevelBpe => ByteLevelBpe(options),
            _ => Unigram(options),
        };
        WriteJson(Path.Combine(folder, "tokenizer.json"), tokenizer);
        WriteJson(Path.Combine(folder, "tokenizer_config.json"), TokenizerConfig(vocabulary, options));
        var map = new JsonObject();
        foreach (var (key, value) in SpecialRoles(vocabulary))
        {
            map[key] = value;
        }

        WriteJson(Path.Combine(folder, "special_tokens_map.json"), map);
        return vocabulary;
    }

    /// <summary>Writes indented UTF-8 JSON without a byte order mark.</summary>
    internal static void WriteJson(string path, JsonNode node)
        => File.WriteAllText(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), new UTF8Encoding(false));

    private static (string Role, string Token)[] SpecialRoles(EncoderVocabulary v) => v.Style == EncoderTokenizerStyle.WordPiece
        ? [("cls_token", v.Cls), ("mask_token", v.Mask), ("pad_token", v.Pad), ("sep_token", v.Sep), ("unk_token", v.Unk)]
        : [("bos_token", v.Cls), ("cls_token", v.Cls), ("eos_token", v.Sep), ("mask_token", v.Mask), ("pad_token", v.Pad), ("sep_token", v.Sep), ("unk_token", v.Unk)];

    private static (EncoderVocabulary, JsonObject) WordPiece(EncoderTokenizerOptions o)
    {
        var tokens = new List<string> { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
        AddDistinct(tokens, o.Tokens);
        AddDistinct(tokens, Punctuation.Select(c => c.ToString()));
        var v = new EncoderVocabulary(EncoderTokenizerStyle.WordPiece, tokens);
        var vocab = new JsonObject();
        for (var i = 0; i < tokens.Count; i++)
        {
            vocab[tokens[i]] = i;
        }

        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = AddedTokens(v, mask => false),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "BertNormalizer",
                ["clean_text"] = true,
                ["handle_chinese_chars"] = true,
                ["strip_accents"] = null,
                ["lowercase"] = true,
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = Template(v, "[CLS]", "[SEP]", pairSeparators: 1, secondTypeId: 1),
            ["decoder"] = new JsonObject { ["type"] = "WordPiece", ["prefix"] = "##", ["cleanup"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "WordPiece",
                ["unk_token"] = "[UNK]",
                ["continuing_subword_prefix"] = "##",
                ["max_input_chars_per_word"] = 100,
                ["vocab"] = vocab,
            },
        };
        return (v, json);
    }

    private static (EncoderVocabulary, JsonObject) ByteLevelBpe(EncoderTokenizerOptions o)
    {
        var bytes = OnnxDecoderModelWriter.BytesToUnicode();
        var tokens = new List<string> { "<s>", "<pad>", "</s>", "<unk>" };
        AddDistinct(tokens, o.Tokens);
        AddDistinct(tokens, bytes);

        // Each designed token is built left to right from its symbols: (t[..1], t[1]), (t[..2], t[2]), ... Merges of
        // tokens that start with Ġ rank first: Ġ only begins a pre-token, so these chains never meet each other
        // mid-word. A bare token's first pair may occur inside another bare token; such a token's chain must
        // then rank before it (else "is" would split "paris"), so bare tokens are ordered by that rule.
        var spaced = o.Tokens.Where(t => t.StartsWith('Ġ')).Distinct().ToList();
        var bare = OrderBare(o.Tokens.Where(t => !t.StartsWith('Ġ') && t.Length > 1).Distinct().ToList());
        var merges = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var token in spaced.Concat(bare))
        {
            var symbols = Symbols(token);
            var prefix = symbols[0];
            foreach (var symbol in symbols.Skip(1))
            {
                var merge = prefix + " " + symbol;
                prefix += symbol;
                if (seen.Add(merge))
                {
                    merges.Add(merge);
                    AddDistinct(tokens, [prefix]);
                }
            }
        }

        tokens.Add("<mask>");
        var v = new EncoderVocabulary(EncoderTokenizerStyle.ByteLevelBpe, tokens);
        var vocab = new JsonObject();
        for (var i = 0; i < tokens.Count; i++)
        {
            vocab[tokens[i]] = i;
        }

        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = AddedTokens(v, token => token == "<mask>"),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "RobertaProcessing",
                ["sep"] = new JsonArray("</s>", v["</s>"]),
                ["cls"] = new JsonArray("<s>", v["<s>"]),
                ["trim_offsets"] = true,
                ["add_prefix_space"] = false,
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray(merges.Select(m => (JsonNode)m).ToArray()),
            },
        };
        return (v, json);
    }

    private static (EncoderVocabulary, JsonObject) Unigram(EncoderTokenizerOptions o)
    {
        var tokens = new List<string> { "<s>", "<pad>", "</s>", "<unk>" };
        AddDistinct(tokens, o.Tokens);
        var designed = tokens.Count;
        AddDistinct(tokens, ["▁"]);
        AddDistinct(tokens, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".Select(c => c.ToString()));
        AddDistinct(tokens, Punctuation.Select(c => c.ToString()));
        tokens.Add("<mask>");
        var v = new EncoderVocabulary(EncoderTokenizerStyle.Unigram, tokens);
        var vocab = new JsonArray();
        for (var i = 0; i < tokens.Count; i++)
        {
            var score = i < 4 || i == tokens.Count - 1 ? 0.0 : i < designed ? -2.0 : -10.0;
            vocab.Add(new JsonArray(tokens[i], score));
        }

        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = AddedTokens(v, token => token == "<mask>"),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "always", ["split"] = true },
            ["post_processor"] = Template(v, "<s>", "</s>", pairSeparators: 2, secondTypeId: 0),
            ["decoder"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "always", ["split"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "Unigram",
                ["unk_id"] = v["<unk>"],
                ["vocab"] = vocab,
                ["byte_fallback"] = false,
            },
        };
        return (v, json);
    }

    /// <summary>A TemplateProcessing post-processor: <c>cls $A sep</c> and <c>cls $A sep (sep) $B sep</c>.</summary>
    private static JsonObject Template(EncoderVocabulary v, string cls, string sep, int pairSeparators, int secondTypeId)
    {
        static JsonObject Special(string id, int type) => new() { ["SpecialToken"] = new JsonObject { ["id"] = id, ["type_id"] = type } };
        static JsonObject Sequence(string id, int type) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = type } };

        var pair = new JsonArray(Special(cls, 0), Sequence("A", 0), Special(sep, 0));
        for (var i = 1; i < pairSeparators; i++)
        {
            pair.Add(Special(sep, 0));
        }

        pair.Add(Sequence("B", secondTypeId));
        pair.Add(Special(sep, secondTypeId));
        var specials = new JsonObject();
        foreach (var token in new[] { cls, sep })
        {
            specials[token] = new JsonObject { ["id"] = token, ["ids"] = new JsonArray(v[token]), ["tokens"] = new JsonArray(token) };
        }

        return new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = new JsonArray(Special(cls, 0), Sequence("A", 0), Special(sep, 0)),
            ["pair"] = pair,
            ["special_tokens"] = specials,
        };
    }

    private static JsonArray AddedTokens(EncoderVocabulary v, Func<string, bool> lstrip)
    {
        var added = new JsonArray();
        foreach (var token in v.SpecialTokens.OrderBy(t => v[t]))
        {
            added.Add(new JsonObject
            {
                ["id"] = v[token],
                ["content"] = token,
                ["single_word"] = false,
                ["lstrip"] = lstrip(token),
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            });
        }

        return added;
    }

    private static JsonObject TokenizerConfig(EncoderVocabulary v, EncoderTokenizerOptions o)
    {
        var decoder = new JsonObject();
        foreach (var token in v.SpecialTokens.OrderBy(t => v[t]))
        {
            decoder[v[token].ToString(CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["content"] = token,
                ["lstrip"] = v.Style != EncoderTokenizerStyle.WordPiece && token == "<mask>",
                ["normalized"] = false,
                ["rstrip"] = false,
                ["single_word"] = false,
                ["special"] = true,
            };
        }

        var config = new JsonObject
        {
            ["added_tokens_decoder"] = decoder,
            ["clean_up_tokenization_spaces"] = o.CleanUpTokenizationSpaces,
            ["model_max_length"] = o.ModelMaxLength,
            ["tokenizer_class"] = o.TokenizerClass ?? v.Style switch
            {
                EncoderTokenizerStyle.WordPiece => "BertTokenizer",
                EncoderTokenizerStyle.ByteLevelBpe => "RobertaTokenizer",
                _ => "XLMRobertaTokenizer",
            },
        };
        foreach (var (role, token) in SpecialRoles(v))
        {
            config[role] = token;
        }

        switch (v.Style)
        {
            case EncoderTokenizerStyle.WordPiece:
                config["do_lower_case"] = true;
                config["strip_accents"] = null;
                config["tokenize_chinese_chars"] = true;
                break;
            case EncoderTokenizerStyle.ByteLevelBpe:
                config["add_prefix_space"] = false;
                config["errors"] = "replace";
                config["trim_offsets"] = true;
                break;
        }

        return config;
    }

    /// <summary>The byte-level symbols of a token: one per character, <c>Ġ</c> included (tokens are given in byte-level spelling).</summary>
    private static string[] Symbols(string token)
    {
        var symbols = new List<string>();
        var e = StringInfo.GetTextElementEnumerator(token);
        while (e.MoveNext())
        {
            symbols.Add((string)e.Current);
        }

        return [.. symbols];
    }

    /// <summary>Orders bare tokens so that a token whose first pair occurs later inside another comes after it.</summary>
    private static List<string> OrderBare(List<string> tokens)
    {
        var ordered = new List<string>();
        var left = new List<string>(tokens);
        while (left.Count > 0)
        {
            // A token may go next when no remaining token holds its first pair past position 0.
            var next = left.FirstOrDefault(t => !left.Any(other => other != t && other.IndexOf(t[..2], 1, StringComparison.Ordinal) > 0))
                ?? throw new ArgumentException($"The byte-level tokens [{string.Join(", ", left)}] split each other; choose other spellings.");
            ordered.Add(next);
            left.Remove(next);
        }

        return ordered;
    }

    private static void AddDistinct(List<string> tokens, IEnumerable<string> more)
    {
        foreach (var token in more)
        {
            if (!tokens.Contains(token))
            {
                tokens.Add(token);
            }
        }
    }
}
