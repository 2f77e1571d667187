using System.Text.Json.Nodes;

namespace Bytez.Engine.Tests.Tokenization;

/// <summary>
/// <c>tokenizer.json</c> files in the styles of the text tasks' encoders, built at test time: BERT-like WordPiece
/// (small hand-made vocabularies, uncased with accent stripping and cased, and the real uncased BERT vocabulary of the
/// embedded MiniLM model), RoBERTa-like byte-level BPE (GPT-2's vocabulary with RoBERTa's special tokens, a
/// <c>&lt;mask&gt;</c> with <c>lstrip</c> and RobertaProcessing), and XLM-R- and T5-like Unigram with pair templates.
/// </summary>
internal static class TestTaskTokenizerFiles
{
    /// <summary>The styles, by name.</summary>
    public static IReadOnlyList<string> Styles { get; } =
        ["bert-uncased", "bert-cased", "bert-real", "roberta", "roberta-prefix-space", "gpt2-bytelevel", "xlmr", "t5-precompiled", "llama3", "llama2", "mistral", "byte-fallback-split-first"];

    /// <summary>The <c>tokenizer.json</c> of a style.</summary>
    public static string Json(string style) => style switch
    {
        "bert-uncased" => Bert(SmallBertVocabulary(), lowercase: true, stripAccents: null),
        "bert-cased" => Bert(SmallBertVocabulary(), lowercase: false, stripAccents: false),
        "bert-real" => Bert(RealBertVocabulary(), lowercase: true, stripAccents: null),
        "roberta" => Roberta(addPrefixSpace: false),
        "roberta-prefix-space" => Roberta(addPrefixSpace: true),
        "gpt2-bytelevel" => TestTokenizerFiles.Gpt2(),
        "xlmr" => WithTemplate(TestUnigramFiles.Json("xlmr-nfkc"), ("<s>", 3), ("</s>", 1), xlmrPair: true, mask: true),
        "t5-precompiled" => WithTemplate(TestUnigramFiles.Json("t5-precompiled"), null, ("</s>", 1), xlmrPair: false, mask: false),
        "llama3" => TestTokenizerFiles.Llama3Style(),
        "llama2" => TestTokenizerFiles.Llama2Style(),
        "mistral" => TestTokenizerFiles.MistralStyle(),
        "byte-fallback-split-first" => TestUnigramFiles.Json("byte-fallback-split-first"),
        _ => throw new ArgumentOutOfRangeException(nameof(style)),
    };

    /// <summary>A BERT <c>tokenizer.json</c> as transformers writes it: BertNormalizer, BertPreTokenizer, WordPiece, [CLS]/[SEP] template, WordPiece decoder.</summary>
    public static string Bert(List<string> vocabulary, bool lowercase, bool? stripAccents)
    {
        var vocab = new JsonObject();
        for (var i = 0; i < vocabulary.Count; i++)
        {
            vocab[vocabulary[i]] = i;
        }

        int Id(string token) => vocabulary.IndexOf(token);
        var added = new JsonArray();
        foreach (var special in new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" })
        {
            added.Add(new JsonObject
            {
                ["id"] = Id(special), ["content"] = special, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
            });
        }

        JsonObject Piece(string kind, string id, int typeId) => new() { [kind] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject
            {
                ["type"] = "BertNormalizer", ["clean_text"] = true, ["handle_chinese_chars"] = true,
                ["strip_accents"] = stripAccents is bool s ? s : null, ["lowercase"] = lowercase,
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Piece("SpecialToken", "[CLS]", 0), Piece("Sequence", "A", 0), Piece("SpecialToken", "[SEP]", 0)),
                ["pair"] = new JsonArray(
                    Piece("SpecialToken", "[CLS]", 0), Piece("Sequence", "A", 0), Piece("SpecialToken", "[SEP]", 0),
                    Piece("Sequence", "B", 1), Piece("SpecialToken", "[SEP]", 1)),
                ["special_tokens"] = new JsonObject
                {
                    ["[CLS]"] = new JsonObject { ["id"] = "[CLS]", ["ids"] = new JsonArray(Id("[CLS]")), ["tokens"] = new JsonArray("[CLS]") },
                    ["[SEP]"] = new JsonObject { ["id"] = "[SEP]", ["ids"] = new JsonArray(Id("[SEP]")), ["tokens"] = new JsonArray("[SEP]") },
                },
            },
            ["decoder"] = new JsonObject { ["type"] = "WordPiece", ["prefix"] = "##", ["cleanup"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["continuing_subword_prefix"] = "##", ["max_input_chars_per_word"] = 100,
                ["vocab"] = vocab,
            },
        }.ToJsonString();
    }

    /// <summary>
    /// A small WordPiece vocabulary: the specials, every ASCII letter, digit and punctuation character alone and as a
    /// continuation, a few accented letters and CJK ideographs, and whole words and suffixes so that greedy longest
    /// match has choices to make.
    /// </summary>
    public static List<string> SmallBertVocabulary()
    {
        var vocabulary = new List<string> { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
        var characters = new List<string>();
        for (var c = '!'; c <= '~'; c++)
        {
            characters.Add(c.ToString());
        }

        characters.AddRange(["é", "ü", "ß", "ç", "É", "中", "文", "字", "日", "本", "¿", "—", "“", "”"]);
        foreach (var c in characters)
        {
            vocabulary.Add(c);
        }

        foreach (var c in characters)
        {
            vocabulary.Add("##" + c);
        }

        string[] words =
        [
            "hello", "world", "the", "play", "##ing", "##ed", "##s", "cafe", "café", "Café", "resume", "new", "york", "un", "##believ",
            "##able", "paris", "is", "capital", "of", "france", "what", "who", "where", "question", "answer", "context", "Hello",
            "Paris", "naive", "##ve", "na", "##ï", "don", "'", "##'", "t", "it", "##s", "token", "##izer", "##ization", "emoji",
        ];
        foreach (var w in words)
        {
            if (!vocabulary.Contains(w))
            {
                vocabulary.Add(w);
            }
        }

        return vocabulary;
    }

    /// <summary>The real uncased BERT vocabulary (30 522 entries) of the embedded <c>all-MiniLM-L6-v2</c> model.</summary>
    public static List<string> RealBertVocabulary()
    {
        var path = Path.Combine(TestModels.MiniLM.Path, "vocab.txt");
        return [.. File.ReadAllText(path).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0)];
    }

    /// <summary>
    /// RoBERTa style: GPT-2's byte-level BPE with RoBERTa's special tokens appended (<c>&lt;s&gt;</c>,
    /// <c>&lt;pad&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;unk&gt;</c>, and <c>&lt;mask&gt;</c> with <c>lstrip</c>), the
    /// RobertaProcessing post-processor with <c>trim_offsets</c>.
    /// </summary>
    public static string Roberta(bool addPrefixSpace)
    {
        var root = JsonNode.Parse(TestTokenizerFiles.Gpt2())!.AsObject();
        var first = root["model"]!["vocab"]!.AsObject().Count;
        string[] specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"];
        var added = root["added_tokens"]!.AsArray();
        for (var i = 0; i < specials.Length; i++)
        {
            added.Add(new JsonObject
            {
                ["id"] = first + i, ["content"] = specials[i], ["single_word"] = false, ["lstrip"] = specials[i] == "<mask>", ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
            });
        }

        root["pre_tokenizer"]!["add_prefix_space"] = addPrefixSpace;
        root["post_processor"] = new JsonObject
        {
            ["type"] = "RobertaProcessing",
            ["sep"] = new JsonArray("</s>", first + 2),
            ["cls"] = new JsonArray("<s>", first),
            ["trim_offsets"] = true,
            ["add_prefix_space"] = addPrefixSpace,
        };
        return root.ToJsonString();
    }

    /// <summary>A Unigram file with a pair template (XLM-R's <c>&lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;</c> or T5's <c>A &lt;/s&gt; B &lt;/s&gt;</c>) and optionally an lstrip <c>&lt;mask&gt;</c>.</summary>
    private static string WithTemplate(string json, (string Token, int Id)? bos, (string Token, int Id) eos, bool xlmrPair, bool mask)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        JsonObject Special(string token, int typeId) => new() { ["SpecialToken"] = new JsonObject { ["id"] = token, ["type_id"] = typeId } };
        JsonObject Sequence(string id, int typeId) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };
        var single = new JsonArray();
        var pair = new JsonArray();
        var specials = new JsonObject();
        if (bos is { } b)
        {
            single.Add(Special(b.Token, 0));
            pair.Add(Special(b.Token, 0));
            specials[b.Token] = new JsonObject { ["id"] = b.Token, ["ids"] = new JsonArray(b.Id), ["tokens"] = new JsonArray(b.Token) };
        }

        specials[eos.Token] = new JsonObject { ["id"] = eos.Token, ["ids"] = new JsonArray(eos.Id), ["tokens"] = new JsonArray(eos.Token) };
        single.Add(Sequence("A", 0));
        single.Add(Special(eos.Token, 0));
        pair.Add(Sequence("A", 0));
        pair.Add(Special(eos.Token, 0));
        if (xlmrPair)
        {
            pair.Add(Special(eos.Token, 0));
            pair.Add(Sequence("B", 0));
            pair.Add(Special(eos.Token, 0));
        }
        else
        {
            pair.Add(Sequence("B", 1));
            pair.Add(Special(eos.Token, 1));
        }

        root["post_processor"] = new JsonObject { ["type"] = "TemplateProcessing", ["single"] = single, ["pair"] = pair, ["special_tokens"] = specials };
        if (mask)
        {
            var added = root["added_tokens"]!.AsArray();
            added.Add(new JsonObject
            {
                ["id"] = root["model"]!["vocab"]!.AsArray().Count, ["content"] = "<mask>", ["single_word"] = false, ["lstrip"] = true, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
            });
        }

        return root.ToJsonString();
    }
}
