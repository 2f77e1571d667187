using System.Text;
using System.Text.Json.Nodes;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Tokenization;

/// <summary>
/// <c>tokenizer.json</c> files in the styles of real model families, built at test time: GPT-2 itself, Llama 3 and
/// Qwen2 (the GPT-2 vocabulary with their split regexes and special tokens), and small SentencePiece-style BPE
/// vocabularies (Llama 2 legacy, Mistral-style Metaspace, Gemma-style) trained here on a small corpus.
/// </summary>
internal static class TestTokenizerFiles
{
    public const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>A pattern with Oniguruma possessive quantifiers, to exercise their translation.</summary>
    public const string PossessivePattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)| ?\p{L}++| ?\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s*+[\r\n]++|\s+(?!\S)|\s+";

    private const char Meta = '\u2581';

    private static readonly Lazy<string> Gpt2Json = new(() => Gpt2Vocabulary.Load().ToTokenizerJson());

    public static string Gpt2() => Gpt2Json.Value;

    /// <summary>A fresh folder under the test run's temp folder (<see cref="TestModels.NewTempFolder"/>).</summary>
    public static string NewTempFolder(string name) => TestModels.NewTempFolder(name);

    public static string Gpt2ArrayMerges() => Gpt2Vocabulary.Load().ToTokenizerJson(mergesAsArrays: true);

    /// <summary>Llama 3 style: Split(regex) + ByteLevel without regex, ignore_merges, BOS by TemplateProcessing.</summary>
    public static string Llama3Style()
    {
        var root = JsonNode.Parse(Gpt2())!.AsObject();
        var added = root["added_tokens"]!.AsArray();
        added.Add(AddedToken(50257, "<|begin_of_text|>", special: true));
        added.Add(AddedToken(50258, "<|end_of_text|>", special: true));
        added.Add(AddedToken(50259, "<|eot_id|>", special: true));
        added.Add(AddedToken(50260, "<|start_header_id|>", special: true));
        added.Add(AddedToken(50261, "<|end_header_id|>", special: true));
        root["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                SplitRegex(Llama3Pattern),
                new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false }),
        };
        root["post_processor"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["processors"] = new JsonArray(
                new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = false, ["use_regex"] = true },
                Template("<|begin_of_text|>", 50257, null, 0)),
        };
        root["model"]!["ignore_merges"] = true;
        return root.ToJsonString();
    }

    /// <summary>Qwen2 style: NFC, Split(regex) + ByteLevel, chat markers as special tokens, a non-special added token.</summary>
    public static string Qwen2Style() => WithSplit(Qwen2Pattern, root =>
    {
        root["normalizer"] = new JsonObject { ["type"] = "NFC" };
        var added = root["added_tokens"]!.AsArray();
        added.Add(AddedToken(50257, "<|im_start|>", special: true));
        added.Add(AddedToken(50258, "<|im_end|>", special: true));
        added.Add(AddedToken(50259, "<tool_call>", special: false));
    });

    /// <summary>GPT-2 vocabulary with a possessive-quantifier regex and added tokens using lstrip, rstrip and single_word.</summary>
    public static string PossessiveWithStrippedTokens() => WithSplit(PossessivePattern, root =>
    {
        var added = root["added_tokens"]!.AsArray();
        added.Add(AddedToken(50257, "<mask>", special: true, lstrip: true));
        added.Add(AddedToken(50258, "[END]", special: true, rstrip: true));
        added.Add(AddedToken(50259, "cat", special: false, singleWord: true, normalized: false));
        added.Add(AddedToken(50260, "<sep>", special: true, lstrip: true, rstrip: true));
    });

    /// <summary>The same file with the post-processor removed: what <c>addSpecialTokens: false</c> must give.</summary>
    public static string WithoutPostProcessor(string json)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        root["post_processor"] = null;
        return root.ToJsonString();
    }

    /// <summary>Llama 2 (legacy) style: Prepend + Replace normalizer, no pre-tokenizer, byte fallback, Strip decoder.</summary>
    public static string Llama2Style() => SentencePiece(
        normalizer: new JsonObject
        {
            ["type"] = "Sequence",
            ["normalizers"] = new JsonArray(
                new JsonObject { ["type"] = "Prepend", ["prepend"] = Meta.ToString() },
                Replace(" ", Meta.ToString())),
        },
        preTokenizer: null,
        decoder: new JsonObject
        {
            ["type"] = "Sequence",
            ["decoders"] = new JsonArray(
                Replace(Meta.ToString(), " "),
                new JsonObject { ["type"] = "ByteFallback" },
                new JsonObject { ["type"] = "Fuse" },
                new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 }),
        },
        mergesAsArrays: false,
        bos: true);

    /// <summary>Mistral style: Metaspace pre-tokenizer (prepend_scheme first) and Metaspace decoder, merges as arrays.</summary>
    public static string MistralStyle(bool split = false, string scheme = "first") => SentencePiece(
        normalizer: null,
        preTokenizer: new JsonObject { ["type"] = "Metaspace", ["replacement"] = Meta.ToString(), ["prepend_scheme"] = scheme, ["split"] = split },
        decoder: new JsonObject
        {
            ["type"] = "Sequence",
            ["decoders"] = new JsonArray(
                new JsonObject { ["type"] = "Metaspace", ["replacement"] = Meta.ToString(), ["prepend_scheme"] = scheme, ["split"] = split },
                new JsonObject { ["type"] = "ByteFallback" },
                new JsonObject { ["type"] = "Fuse" }),
        },
        mergesAsArrays: true,
        bos: true,
        extraAdded: [("[INST]", true), ("[/INST]", true), ("<tool>", false)]);

    /// <summary>Gemma style: only Replace(" " → "▁"), no prefix, no Strip.</summary>
    public static string GemmaStyle() => SentencePiece(
        normalizer: Replace(" ", Meta.ToString()),
        preTokenizer: null,
        decoder: new JsonObject
        {
            ["type"] = "Sequence",
            ["decoders"] = new JsonArray(Replace(Meta.ToString(), " "), new JsonObject { ["type"] = "ByteFallback" }, new JsonObject { ["type"] = "Fuse" }),
        },
        mergesAsArrays: true,
        bos: true,
        extraAdded: [("<start_of_turn>", true), ("<end_of_turn>", true)]);

    /// <summary>GPT-2's vocabulary behind a Split pre-tokenizer with the regex given (then ByteLevel without regex).</summary>
    public static string Gpt2WithSplit(string pattern) => WithSplit(pattern, _ => { });

    private static string WithSplit(string pattern, Action<JsonObject> change)
    {
        var root = JsonNode.Parse(Gpt2())!.AsObject();
        root["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                SplitRegex(pattern),
                new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false }),
        };
        change(root);
        return root.ToJsonString();
    }

    private static JsonObject SplitRegex(string pattern) => new()
    {
        ["type"] = "Split",
        ["pattern"] = new JsonObject { ["Regex"] = pattern },
        ["behavior"] = "Isolated",
        ["invert"] = false,
    };

    private static JsonObject Replace(string from, string to) => new()
    {
        ["type"] = "Replace",
        ["pattern"] = new JsonObject { ["String"] = from },
        ["content"] = to,
    };

    private static JsonObject AddedToken(int id, string content, bool special, bool lstrip = false, bool rstrip = false, bool singleWord = false, bool? normalized = null) => new()
    {
        ["id"] = id,
        ["content"] = content,
        ["single_word"] = singleWord,
        ["lstrip"] = lstrip,
        ["rstrip"] = rstrip,
        ["normalized"] = normalized ?? !special,
        ["special"] = special,
    };

    private static JsonObject Template(string bos, int bosId, string? eos, int eosId)
    {
        var single = new JsonArray(
            new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = bos, ["type_id"] = 0 } },
            new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } });
        var specials = new JsonObject { [bos] = new JsonObject { ["id"] = bos, ["ids"] = new JsonArray(bosId), ["tokens"] = new JsonArray(bos) } };
        if (eos is not null)
        {
            single.Add(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = eos, ["type_id"] = 0 } });
            specials[eos] = new JsonObject { ["id"] = eos, ["ids"] = new JsonArray(eosId), ["tokens"] = new JsonArray(eos) };
        }

        return new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = single,
            ["pair"] = new JsonArray(),
            ["special_tokens"] = specials,
        };
    }

    private static readonly Lazy<(List<string> Vocab, List<(string, string)> Merges)> SentencePieceVocab = new(TrainSentencePiece);

    /// <summary>
    /// A small SentencePiece-style BPE vocabulary: &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the 256 byte tokens, the corpus's
    /// characters (▁ for spaces), then 300 merges learned from a small English and code corpus.
    /// </summary>
    private static (List<string> Vocab, List<(string, string)> Merges) TrainSentencePiece()
    {
        const string corpus = """
            The quick brown fox jumps over the lazy dog. The dog was not amused, and the fox ran into the forest.
            In the beginning there was the word, and the word was tokenized into pieces that a model could read.
            Tokenizers split text into tokens; the tokens are ids; the ids are what the model sees and predicts.
            def main(): return print("hello world") if the value is not None else 0
            I don't think they'll come. We're here, you've seen it, I'm sure she'd agree. It's 2024 and 1234567.
            Numbers like 3.14159 and 42 appear, as do tabs, new lines and other whitespace in the training text.
            """;
        var words = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var word in corpus.Replace("\r", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var w = Meta + word;
            words[w] = words.GetValueOrDefault(w) + 1;
        }

        var vocab = new List<string> { "<unk>", "<s>", "</s>" };
        for (var b = 0; b < 256; b++)
        {
            vocab.Add($"<0x{b:X2}>");
        }

        var chars = new SortedSet<char>(string.Concat(words.Keys)) { Meta };
        chars.Remove('\t');
        foreach (var c in chars)
        {
            vocab.Add(c.ToString());
        }

        var splits = words.ToDictionary(w => w.Key, w => w.Key.Select(c => c.ToString()).ToList(), StringComparer.Ordinal);
        var merges = new List<(string, string)>();
        var known = new HashSet<string>(vocab, StringComparer.Ordinal);
        while (merges.Count < 300)
        {
            var counts = new Dictionary<(string, string), int>();
            foreach (var (word, parts) in splits)
            {
                for (var i = 0; i + 1 < parts.Count; i++)
                {
                    counts[(parts[i], parts[i + 1])] = counts.GetValueOrDefault((parts[i], parts[i + 1])) + words[word];
                }
            }

            if (counts.Count == 0)
            {
                break;
            }

            var best = counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key.Item1, StringComparer.Ordinal).ThenBy(p => p.Key.Item2, StringComparer.Ordinal).First().Key;
            merges.Add(best);
            var merged = best.Item1 + best.Item2;
            if (known.Add(merged))
            {
                vocab.Add(merged);
            }

            foreach (var parts in splits.Values)
            {
                for (var i = 0; i + 1 < parts.Count; i++)
                {
                    if (parts[i] == best.Item1 && parts[i + 1] == best.Item2)
                    {
                        parts[i] = merged;
                        parts.RemoveAt(i + 1);
                    }
                }
            }
        }

        return (vocab, merges);
    }

    private static string SentencePiece(JsonNode? normalizer, JsonNode? preTokenizer, JsonNode decoder, bool mergesAsArrays, bool bos, (string Content, bool Special)[]? extraAdded = null)
    {
        var (vocab, merges) = SentencePieceVocab.Value;
        var vocabJson = new JsonObject();
        for (var i = 0; i < vocab.Count; i++)
        {
            vocabJson[vocab[i]] = i;
        }

        var mergesJson = new JsonArray();
        foreach (var (a, b) in merges)
        {
            mergesJson.Add(mergesAsArrays ? new JsonArray(a, b) : (JsonNode)(a + " " + b));
        }

        var added = new JsonArray(
            AddedToken(0, "<unk>", special: true),
            AddedToken(1, "<s>", special: true),
            AddedToken(2, "</s>", special: true));
        var next = vocab.Count;
        foreach (var (content, special) in extraAdded ?? [])
        {
            added.Add(AddedToken(next++, content, special));
        }

        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = normalizer,
            ["pre_tokenizer"] = preTokenizer,
            ["post_processor"] = bos ? Template("<s>", 1, null, 0) : null,
            ["decoder"] = decoder,
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = "<unk>",
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = true,
                ["byte_fallback"] = true,
                ["ignore_merges"] = false,
                ["vocab"] = vocabJson,
                ["merges"] = mergesJson,
            },
        };
        return root.ToJsonString();
    }

    /// <summary>Texts that stress the pre-tokenizers and special-token handling.</summary>
    public static IReadOnlyList<string> Texts { get; } = BuildTexts();

    private static List<string> BuildTexts()
    {
        var texts = new List<string>
        {
            "", " ", "  ", "\n", "\t", "a", "Hello world", "Hello world!", " Hello", "  Hello  world  ",
            "The quick brown fox jumps over the lazy dog.",
            "don't", "I'M", "DON'T", "you'll we've they'd she's it'S I'm", "'s 't 're", "rock 'n' roll", "O'Neil's",
            "tabs\tand\t\ttabs", "line\nbreaks\n\nand\r\nCRLF\r\n\r\nend", "trailing spaces   ", "   leading", "\n\n\n   \n\t x",
            "12345 1234567890 3.14159 -42 1,000,000 0x1F 2024-01-01", "١٢٣ ٤٥٦", "a1b2c3 123abc abc123",
            "naïve café résumé Zoë façade", "Ünïcödé ÀÉÎÕÜ", "e\u0301 composed vs é", "ﬁ ligature Ⅻ ½",
            "東京は日本の首都です。", "中文测试：你好，世界！", "한국어 텍스트", "日本語とEnglishのmix",
            "Привет, мир! Как дела?", "Γειά σου Κόσμε", "مرحبا بالعالم", "שלום עולם", "हिन्दी पाठ", "ไทย ภาษา",
            "😀 👍🏽 👨‍👩‍👧‍👦 🇺🇸 ❤️", "emoji😀inside😀words", "𝐀𝐁𝐂 𝕏 𠀀𠀁 𝟏𝟐𝟑 𐍈",
            "def f(x):\n    return x ** 2  # square\n", "if (a && b || !c) { return; }", "<div class=\"x\">text</div>",
            "SELECT * FROM t WHERE id = 1;", "path/to/file.txt C:\\Windows\\System32", "https://example.com/a?b=c&d=e",
            "!!! ??? ... --- *** ### @@@", "$100 €50 £20 ¥1000", "a\u00A0b\u2003c\u3000d", "zero\u200Bwidth",
            "<|endoftext|>", "Hi<|endoftext|>there", " <|endoftext|> ", "<|endoftext|><|endoftext|>", "<|endoftext",
            "<|begin_of_text|>Hello<|eot_id|>", "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
            "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>", "<tool_call>{\"a\":1}</tool_call>",
            "<s>Hello</s>", "[INST] Hello [/INST]", "<unk>", "<start_of_turn>user\nhi<end_of_turn>", "<tool>x</tool>",
            "a <mask> b", "a<mask>b", "x [END]   y", "cat concat cats cat. (cat) the cat sat", "a <sep> b", "  <mask>",
            "▁already▁has▁meta", "mixed ▁ meta", "\u2581", "a\u0000b\u0001c\u007F", "\uFEFFbom",
        };

        // Seeded random strings over an alphabet of awkward characters.
        var alphabet = new[]
        {
            "a", "b", "Z", " ", "  ", "\t", "\n", "\r\n", "'", "'s", "'T", "1", "23", "456", ".", ",", "!", "?", "-", "_",
            "é", "ß", "Ö", "東", "京", "😀", "👍🏽", "𝐀", "𠀀", "\u00A0", "\u3000", "▁", "<|endoftext|>", "<s>", "</s>", "<mask>",
            "[END]", "cat", "<|im_start|>", "<tool>", "the", "The", "ing", " of", "\u0301", "١", "(", ")", "{", "}", "#",
        };
        var random = new Random(1234);
        for (var i = 0; i < 300; i++)
        {
            var sb = new StringBuilder();
            var n = random.Next(1, 25);
            for (var k = 0; k < n; k++)
            {
                sb.Append(alphabet[random.Next(alphabet.Length)]);
            }

            texts.Add(sb.ToString());
        }

        return texts;
    }
}
