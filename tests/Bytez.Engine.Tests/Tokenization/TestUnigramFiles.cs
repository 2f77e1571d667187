using System.Text;
using System.Text.Json.Nodes;

namespace Bytez.Engine.Tests.Tokenization;

/// <summary>
/// Unigram (SentencePiece unigram) <c>tokenizer.json</c> files built at test time in the styles of T5, XLM-R and
/// SentencePiece byte-fallback models: a vocabulary of the corpus's characters and random substrings of its words with
/// seeded random scores (so the Viterbi best path often differs from greedy longest match), an optional set of
/// <c>&lt;0xXX&gt;</c> byte pieces with <c>&lt;0xA0&gt;</c> left out (so some characters fall back to bytes and others
/// stay unknown), and Metaspace pre-tokenizers with each prepend scheme.
/// </summary>
internal static class TestUnigramFiles
{
    private const string Meta = "\u2581";

    private const string Corpus = """
        The quick brown fox jumps over the lazy dog. The dog was not amused, and the fox ran into the forest.
        In the beginning there was the word, and the word was tokenized into pieces that a model could read.
        Tokenizers split text into tokens; the tokens are ids; the ids are what the model sees and predicts.
        def main(): return print("hello world") if the value is not None else 0 {x} [y] #z @w $v %u &t *s
        I don't think they'll come. We're here, you've seen it, I'm sure she'd agree. It's 2024 and 1234567.
        naïve café résumé Zoë façade ß Ö über Straße concatenation cats catalogue category
        """;

    /// <summary>The tokenizer styles, by name.</summary>
    public static IReadOnlyList<string> Styles { get; } =
        ["t5", "t5-precompiled", "xlmr-nfkc", "byte-fallback-first", "byte-fallback-split-first", "never-no-added-tokens", "no-pre-tokenizer"];

    /// <summary>The <c>tokenizer.json</c> of a style.</summary>
    public static string Json(string style) => style switch
    {
        // T5: WhitespaceSplit + Metaspace(always), "$A </s>", specials <pad> </s> <unk>.
        "t5" => Build(
            byteFallback: false,
            normalizer: null,
            preTokenizer: Sequence(new JsonObject { ["type"] = "WhitespaceSplit" }, Metaspace("always", split: true)),
            decoder: Metaspace("always", split: true),
            postProcessor: Template(null, ("</s>", 1)),
            addedTokens: true),

        // T5 as published: a Precompiled charsmap (TestCharsmap) before the same pipeline.
        "t5-precompiled" => Build(
            byteFallback: false,
            normalizer: new JsonObject { ["type"] = "Precompiled", ["precompiled_charsmap"] = TestCharsmap.Base64() },
            preTokenizer: Sequence(new JsonObject { ["type"] = "WhitespaceSplit" }, Metaspace("always", split: true)),
            decoder: Metaspace("always", split: true),
            postProcessor: Template(null, ("</s>", 1)),
            addedTokens: true),

        // XLM-R: NFKC (the charsmap's stand-in here), Metaspace(always) with the legacy add_prefix_space, "<s> $A </s>".
        "xlmr-nfkc" => Build(
            byteFallback: false,
            normalizer: new JsonObject { ["type"] = "NFKC" },
            preTokenizer: LegacyMetaspace(),
            decoder: LegacyMetaspace(),
            postProcessor: Template(("<s>", 3), ("</s>", 1)),
            addedTokens: true),

        // Byte fallback, one word per text (split false), prepend first, ByteFallback + Metaspace decoders.
        "byte-fallback-first" => Build(
            byteFallback: true,
            normalizer: null,
            preTokenizer: Metaspace("first", split: false),
            decoder: Sequence(new JsonObject { ["type"] = "ByteFallback" }, Metaspace("first", split: false), decoder: true),
            postProcessor: null,
            addedTokens: true),
        "byte-fallback-split-first" => Build(
            byteFallback: true,
            normalizer: null,
            preTokenizer: Metaspace("first", split: true),
            decoder: Sequence(new JsonObject { ["type"] = "ByteFallback" }, Metaspace("first", split: true), decoder: true),
            postProcessor: Template(("<s>", 3), null),
            addedTokens: true),

        // No added tokens: "<unk>" written in the text is matched by the model's own trie.
        "never-no-added-tokens" => Build(
            byteFallback: false,
            normalizer: null,
            preTokenizer: Metaspace("never", split: true),
            decoder: Metaspace("never", split: true),
            postProcessor: null,
            addedTokens: false),

        // No pre-tokenizer and no decoder: spaces reach the model (and are unknown), tokens are joined with spaces.
        "no-pre-tokenizer" => Build(
            byteFallback: true,
            normalizer: null,
            preTokenizer: null,
            decoder: null,
            postProcessor: null,
            addedTokens: true),
        _ => throw new ArgumentOutOfRangeException(nameof(style)),
    };

    /// <summary>Texts aimed at Unigram: Viterbi-versus-greedy words, unknown and byte-fallback characters, pieces written out.</summary>
    public static IReadOnlyList<string> Traps { get; } =
    [
        "concatenation", "catcatcat", "the theme thereof", "tokenizedtokens", "forestforest", "ñ", "ÿ", "é", "e\u0301",
        "Ⅻ ﬁ ½ ＡＢＣ", "\u00A0", "a\u00A0b", "x😀y", "😀😀😀", "x😀", "x\u0301", "xe\u0301x", "ﬁx", "👨‍👩‍👧", "👨", "a\u200Bb", "ＡＢ", "Ⅻ½ß", "zq😀", "zq😀zq", "a zq😀", "e東京", "東京京", "𠀀", "𝐀𝐁", "東京", "東", "<unk>", "a<unk>b", "<0x41>", "<0xA0>",
        "▁", "▁▁", "▁the", " ▁ ", "  ", "\u3000", "ids ids  ids   ids", "The The THE the", "ß ẞ", "a\u0000b",
        "café\u0301", "<s></s><pad>", "pieces pieces.", "99999999", "$v%u&t*s",
    ];

    private static readonly Lazy<List<(string Piece, double Score)>> Vocabulary = new(BuildVocabulary);

    private static List<(string Piece, double Score)> BuildVocabulary()
    {
        var random = new Random(20261202);
        var pieces = new List<(string, double)> { ("<pad>", 0), ("</s>", 0), ("<unk>", 0), ("<s>", 0) };
        var known = new HashSet<string>(StringComparer.Ordinal) { "<pad>", "</s>", "<unk>", "<s>" };
        void Add(string piece, double score)
        {
            if (known.Add(piece))
            {
                pieces.Add((piece, score));
            }
        }

        Add(Meta, -2.5);
        foreach (var c in new SortedSet<char>(Corpus.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal)))
        {
            Add(c.ToString(), -7 - (3 * random.NextDouble()));
        }

        var words = Corpus.Replace("\r", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var word in words)
        {
            var w = Meta + word;
            for (var length = 2; length <= Math.Min(8, w.Length); length++)
            {
                for (var start = 0; start + length <= w.Length; start++)
                {
                    if (random.NextDouble() < 0.35)
                    {
                        Add(w.Substring(start, length), -2 - (12 * random.NextDouble()));
                    }
                }
            }
        }

        // A duplicated piece (tokenizers keeps the last id and score) and a long, poorly scored piece.
        pieces.Add(("the", -3.0));
        pieces.Add(("the", -1.5));
        Add("concatenation", -100);

        // Unknown characters score min_score - 10 = -110. "zq😀" is "z" + "q😀" (-8.x - 100) only because the unknown
        // path "zq" + unknown (-2 - 110) is worse; any other penalty below 6 flips it. "東京" is one piece (-100) rather
        // than two fused unknowns.
        Add("zq", -2);
        Add("q😀", -100);
        Add("x😀", -60);
        Add("東京", -100);
        return pieces;
    }

    private static string Build(bool byteFallback, JsonNode? normalizer, JsonNode? preTokenizer, JsonNode? decoder, JsonNode? postProcessor, bool addedTokens)
    {
        var pieces = new List<(string Piece, double Score)>(Vocabulary.Value);
        if (byteFallback)
        {
            for (var b = 0; b < 256; b++)
            {
                if (b != 0xA0)
                {
                    pieces.Add(($"<0x{b:X2}>", 0));
                }
            }
        }

        var vocab = new JsonArray();
        foreach (var (piece, score) in pieces)
        {
            vocab.Add(new JsonArray(piece, score));
        }

        var added = new JsonArray();
        if (addedTokens)
        {
            string[] specials = ["<pad>", "</s>", "<unk>", "<s>"];
            for (var i = 0; i < specials.Length; i++)
            {
                added.Add(new JsonObject
                {
                    ["id"] = i, ["content"] = specials[i], ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                    ["normalized"] = false, ["special"] = true,
                });
            }
        }

        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = normalizer,
            ["pre_tokenizer"] = preTokenizer,
            ["post_processor"] = postProcessor,
            ["decoder"] = decoder,
            ["model"] = new JsonObject { ["type"] = "Unigram", ["unk_id"] = 2, ["vocab"] = vocab, ["byte_fallback"] = byteFallback },
        }.ToJsonString();
    }

    private static JsonObject Metaspace(string scheme, bool split) =>
        new() { ["type"] = "Metaspace", ["replacement"] = Meta, ["prepend_scheme"] = scheme, ["split"] = split };

    private static JsonObject LegacyMetaspace() =>
        new() { ["type"] = "Metaspace", ["replacement"] = Meta, ["add_prefix_space"] = true };

    private static JsonObject Sequence(JsonObject first, JsonObject second, bool decoder = false) => decoder
        ? new() { ["type"] = "Sequence", ["decoders"] = new JsonArray(first, second) }
        : new() { ["type"] = "Sequence", ["pretokenizers"] = new JsonArray(first, second) };

    private static JsonObject Template((string Token, int Id)? bos, (string Token, int Id)? eos)
    {
        var single = new JsonArray();
        var specials = new JsonObject();
        void Special((string Token, int Id) t)
        {
            single.Add(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = t.Token, ["type_id"] = 0 } });
            specials[t.Token] = new JsonObject { ["id"] = t.Token, ["ids"] = new JsonArray(t.Id), ["tokens"] = new JsonArray(t.Token) };
        }

        if (bos is { } b)
        {
            Special(b);
        }

        single.Add(new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } });
        if (eos is { } e)
        {
            Special(e);
        }

        return new JsonObject { ["type"] = "TemplateProcessing", ["single"] = single, ["pair"] = new JsonArray(), ["special_tokens"] = specials };
    }

    /// <summary>Seeded random texts over an alphabet of the vocabulary's characters, unknown ones and whitespace.</summary>
    public static IReadOnlyList<string> RandomTexts { get; } = BuildRandomTexts();

    private static List<string> BuildRandomTexts()
    {
        string[] alphabet =
        [
            "a", "e", "t", "h", "o", "n", "s", "c", "r", "i", "the", "con", "cat", "token", "ids", " ", " ", "  ", "\t", "\n",
            "é", "ï", "ß", "Ö", "ñ", "東", "😀", "𠀀", "\u00A0", "▁", "<unk>", "</s>", ".", ",", "'", "1", "2", "{", "e\u0301", "ﬁ",
        ];
        var random = new Random(4242);
        var texts = new List<string>();
        for (var i = 0; i < 250; i++)
        {
            var sb = new StringBuilder();
            var n = random.Next(1, 20);
            for (var k = 0; k < n; k++)
            {
                sb.Append(alphabet[random.Next(alphabet.Length)]);
            }

            texts.Add(sb.ToString());
        }

        return texts;
    }
}
