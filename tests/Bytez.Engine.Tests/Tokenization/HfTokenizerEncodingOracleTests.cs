using System.Text.Json;
using Bytez.Engine.Tokenization.HuggingFace;

namespace Bytez.Engine.Tests.Tokenization;

/// <summary>
/// Compares the rich encode (<see cref="HfTokenizer.Encode(string, string?, EncodeOptions?)"/>) with Hugging Face's
/// Rust tokenizers 0.22.2 (<see cref="TokenizerOracle"/>) on the same <c>tokenizer.json</c>, field by field: ids, type
/// ids, token strings, code-point offsets, word ids, sequence ids, special-token and attention masks, word_to_chars,
/// the overflowing windows, and the decodings — for single texts (hundreds of awkward ones: accents, combining marks,
/// CJK, emoji with modifiers and ZWJ, astral letters, special tokens in the text) and for pairs with every truncation
/// strategy, strides, both truncation sides, padding and without special tokens.
/// </summary>
public sealed class HfTokenizerEncodingOracleTests
{
    public static TheoryData<string> Styles { get; } = [.. TestTaskTokenizerFiles.Styles];

    /// <summary>Texts of the kind the text tasks see, where offsets are easy to get wrong.</summary>
    private static readonly string[] TaskTexts =
    [
        "My name is Wolfgang and I live in Berlin.",
        "😀 Hello Café, I'm from Paris!",
        "👩‍👩‍👧 and 👍🏽 before Angela Merkel visited 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 town.",
        "naïve café résumé Zoë façade — “quoted” ¿qué?",
        "Cafe\u0301 with a combining accent, and e\u0301\u0323 two marks.",
        "中文字 日本 mixed with English words 中文.",
        "Paris is the <mask> of France.",
        "Paris is the [MASK] of France.",
        "the<mask>",
        "  leading and trailing spaces  ",
        "tabs\tand\nnew\r\nlines",
        "don't stop, they're here; we've seen it. It's 2024!",
        "ﬁne ﬂow ① ㍿ Ｆｕｌｌｗｉｄｔｈ",
        "unbelievable tokenization playing played plays",
        "a",
        "",
        " ",
        "\u200b zero\u200dwidth \ufeff",
        "new emoji 🥲 🫠 unassigned \u0378 private \ue000 soft\u00adhyphen",
    ];

    private static readonly (string Question, string Context)[] Pairs =
    [
        ("What is the capital of France?", "Paris is the capital of France. It is a city of art, food and 😀 emoji, with many museums and cafés on both banks of the Seine."),
        ("Who lives in Berlin?", "My name is Wolfgang and I live in Berlin. 中文字 日本 and naïve café résumé visitors come too."),
        ("A premise that is rather long and keeps going for a while.", "This example is about politics."),
        ("short", "x"),
        ("👍🏽 emoji question?", "Cafe\u0301 context with \u0301 marks and 𝔘𝔫𝔦 astral letters, then more words to make it long enough."),
    ];

    [Theory]
    [MemberData(nameof(Styles))]
    public void Encode_SingleTexts_EqualsHuggingFaceTokenizers(string style)
    {
        var json = TestTaskTokenizerFiles.Json(style);
        var ours = HfTokenizer.FromJson(json);
        var texts = TaskTexts.Concat(TestTokenizerFiles.Texts).Distinct().ToList();
        var cases = texts.Select(t => new OracleCase(t, null, EncodeOptions.Default))
            .Concat(texts.Take(40).Select(t => new OracleCase(t, null, new EncodeOptions { AddSpecialTokens = false })))
            .ToList();

        var failures = Compare(ours, json, cases);

        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} encodings differ ({style}):\n{string.Join('\n', failures.Take(15))}");
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public void Encode_PairsWithTruncationStridesAndPadding_EqualsHuggingFaceTokenizers(string style)
    {
        var json = TestTaskTokenizerFiles.Json(style);
        var padToken = PadToken(style);
        var config = padToken is null ? null : JsonSerializer.Serialize(new Dictionary<string, string> { ["pad_token"] = padToken });
        var ours = HfTokenizer.FromJson(json, config);
        var options = new List<EncodeOptions>
        {
            EncodeOptions.Default,
            new() { AddSpecialTokens = false },
            new() { MaxLength = 12, Truncation = TruncationStrategy.LongestFirst },
            new() { MaxLength = 13, Truncation = TruncationStrategy.LongestFirst, Stride = 3 },
            new() { MaxLength = 9, Truncation = TruncationStrategy.LongestFirst, Stride = 1, AddSpecialTokens = false },
            new() { MaxLength = 14, Truncation = TruncationStrategy.OnlyFirst, Stride = 2 },
            new() { MaxLength = 20, Truncation = TruncationStrategy.OnlySecond },
            new() { MaxLength = 20, Truncation = TruncationStrategy.OnlySecond, Stride = 4 },
            new() { MaxLength = 24, Truncation = TruncationStrategy.OnlySecond, Stride = 7, TruncationSide = TruncationSide.Left },
            new() { MaxLength = 16, Truncation = TruncationStrategy.OnlySecond, Stride = 20 },
            new() { MaxLength = 3, Truncation = TruncationStrategy.OnlySecond },
        };
        if (padToken is not null)
        {
            options.Add(new() { MaxLength = 20, Truncation = TruncationStrategy.OnlySecond, Stride = 5, PadToLength = 20 });
            options.Add(new() { PadToLength = 64, PaddingSide = PaddingSide.Left });
        }

        var cases = new List<OracleCase>();
        foreach (var (question, context) in Pairs)
        {
            foreach (var option in options)
            {
                cases.Add(new OracleCase(question, context, option));
            }
        }

        // Single texts with truncation too (longest_first and only_first cut the text; only_second has no pair).
        foreach (var text in TaskTexts.Take(6))
        {
            cases.Add(new OracleCase(text, null, new EncodeOptions { MaxLength = 7, Stride = 2 }));
            cases.Add(new OracleCase(text, null, new EncodeOptions { MaxLength = 6, Truncation = TruncationStrategy.OnlyFirst, TruncationSide = TruncationSide.Left, Stride = 1 }));
            cases.Add(new OracleCase(text, null, new EncodeOptions { MaxLength = 8, Truncation = TruncationStrategy.OnlySecond }));
        }

        // Parameters for which tokenizers panics (which kills the oracle's process) are left to the unit tests.
        cases.RemoveAll(c => Panics(ours, c));
        var failures = Compare(ours, json, cases, ours.PadTokenId, padToken);

        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} encodings differ ({style}):\n{string.Join('\n', failures.Take(15))}");
    }

    /// <summary>
    /// Whether tokenizers would panic on the case (rather than return an error): a stride not below the effective
    /// maximum length, or a sequence truncated to a length not above the stride. Sequence lengths are ours, which the
    /// single-text oracle test checks.
    /// </summary>
    private static bool Panics(HfTokenizer tokenizer, OracleCase c)
    {
        if (c.Options.MaxLength is not int max)
        {
            return false;
        }

        var added = c.Options.AddSpecialTokens ? tokenizer.NumSpecialTokensToAdd(c.Pair is not null) : 0;
        var effective = max - added;
        var stride = c.Options.Stride;
        if (effective < 0 || stride >= effective)
        {
            return true;
        }

        var n1 = tokenizer.Encode(c.Text, addSpecialTokens: false).Length;
        var n2 = c.Pair is null ? 0 : tokenizer.Encode(c.Pair, addSpecialTokens: false).Length;
        if (n1 + n2 <= effective)
        {
            return false;
        }

        bool Cut(int length, int target) => length > target && target > 0 && stride >= target;
        var toRemove = n1 + n2 - effective;
        switch (c.Options.Truncation)
        {
            case TruncationStrategy.LongestFirst when c.Pair is null:
                return Cut(n1, n1 - toRemove);
            case TruncationStrategy.LongestFirst:
            {
                var (a, b) = n1 > n2 ? (n2, n1) : (n1, n2);
                b = a > effective ? a : Math.Max(a, effective - a);
                if (a + b > effective)
                {
                    a = effective / 2;
                    b = a + (effective % 2);
                }

                var (t1, t2) = n1 > n2 ? (b, a) : (a, b);
                return Cut(n1, t1) || Cut(n2, t2);
            }

            case TruncationStrategy.OnlyFirst:
                return n1 > toRemove && Cut(n1, n1 - toRemove);
            default:
                return c.Pair is not null && n2 > toRemove && Cut(n2, n2 - toRemove);
        }
    }

    private static string? PadToken(string style) => style switch
    {
        "bert-uncased" or "bert-cased" or "bert-real" => "[PAD]",
        "roberta" or "roberta-prefix-space" or "xlmr" or "t5-precompiled" => "<pad>",
        _ => null,
    };

    private static List<string> Compare(HfTokenizer ours, string json, List<OracleCase> cases, int? padId = null, string? padToken = null)
    {
        var expected = TokenizerOracle.Encode(json, cases, padId, padToken);
        var failures = new List<string>();
        for (var i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            TokenEncoding? actual = null;
            string? error = null;
            try
            {
                actual = ours.Encode(c.Text, c.Pair, c.Options);
            }
            catch (EngineException e)
            {
                error = e.Message;
            }

            var hasError = expected[i].TryGetProperty("error", out var expectedError);
            if (hasError || error is not null)
            {
                if (!(hasError && error is not null))
                {
                    failures.Add($"{c}: ours {(error ?? "no error")}, HF {(hasError ? expectedError.GetString() : "no error")}");
                }

                continue;
            }

            var problem = Difference(actual!, expected[i], c, depth: 0);
            if (problem is null && actual!.Overflowing.Count == 0)
            {
                var decoded = ours.Decode([.. actual.Ids], skipSpecialTokens: false);
                var decodedSkip = ours.Decode([.. actual.Ids], skipSpecialTokens: true);
                if (decoded != expected[i].GetProperty("decoded").GetString() || decodedSkip != expected[i].GetProperty("decodedSkip").GetString())
                {
                    problem = $"decode: ours {JsonSerializer.Serialize(decoded)} / {JsonSerializer.Serialize(decodedSkip)}, HF {expected[i].GetProperty("decoded")} / {expected[i].GetProperty("decodedSkip")}";
                }
            }

            problem ??= SliceProblem(actual!, c);
            if (problem is null && c.Options.MaxLength is null && c.Options.PadToLength is null && c.Pair is null)
            {
                // The fast path gives the same ids.
                var fast = ours.Encode(c.Text, c.Options.AddSpecialTokens);
                if (!fast.SequenceEqual(actual!.Ids))
                {
                    problem = $"fast path ids [{string.Join(',', fast)}] differ from the rich encode's [{string.Join(',', actual.Ids)}]";
                }
            }

            if (problem is not null)
            {
                failures.Add($"{c}: {problem}");
            }
        }

        return failures;
    }

    private static string? Difference(TokenEncoding actual, JsonElement expected, OracleCase c, int depth)
    {
        string? Field<T>(string name, IReadOnlyList<T> ours, Func<JsonElement, T> read)
        {
            var theirs = expected.GetProperty(name).EnumerateArray().Select(read).ToList();
            return ours.SequenceEqual(theirs) ? null : $"{name}{(depth > 0 ? " (overflow)" : string.Empty)}: ours {JsonSerializer.Serialize(ours)}, HF {JsonSerializer.Serialize(theirs)}";
        }

        static int? NullableInt(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt32();
        var problem = Field("ids", actual.Ids, e => e.GetInt32())
            ?? Field("tokens", actual.Tokens, e => e.GetString()!)
            ?? Field("typeIds", actual.TypeIds, e => e.GetInt32())
            ?? Field("offsets", actual.Offsets.Select(o => $"{o.Start}-{o.End}").ToList(), e => $"{e[0].GetInt32()}-{e[1].GetInt32()}")
            ?? Field("wordIds", actual.WordIds, NullableInt)
            ?? Field("sequenceIds", actual.SequenceIds, NullableInt)
            ?? Field("specialTokensMask", actual.SpecialTokensMask, e => e.GetInt32())
            ?? Field("attentionMask", actual.AttentionMask, e => e.GetInt32());
        if (problem is not null)
        {
            return problem;
        }

        foreach (var entry in expected.GetProperty("wordToChars").EnumerateObject())
        {
            var parts = entry.Name.Split(':');
            var ours = actual.WordToChars(int.Parse(parts[1]), int.Parse(parts[0]));
            var theirs = entry.Value.ValueKind == JsonValueKind.Null ? ((int, int)?)null : (entry.Value[0].GetInt32(), entry.Value[1].GetInt32());
            if (ours != theirs)
            {
                return $"word_to_chars({entry.Name}): ours {ours}, HF {theirs}";
            }
        }

        if (depth > 0)
        {
            return null;
        }

        var overflowing = expected.GetProperty("overflowing").EnumerateArray().ToList();
        if (overflowing.Count != actual.Overflowing.Count)
        {
            return $"overflowing: ours {actual.Overflowing.Count} windows ({string.Join(" | ", actual.Overflowing.Select(o => string.Join(' ', o.Tokens)))}), HF {overflowing.Count}";
        }

        for (var k = 0; k < overflowing.Count; k++)
        {
            if (Difference(actual.Overflowing[k], overflowing[k], c, depth + 1) is { } inner)
            {
                return $"window {k + 1}: {inner}";
            }
        }

        return null;
    }

    /// <summary>The UTF-16 offsets cut the same text out of the .NET string as the code-point offsets do.</summary>
    private static string? SliceProblem(TokenEncoding encoding, OracleCase c)
    {
        for (var i = 0; i < encoding.Count; i++)
        {
            var text = encoding.SequenceIds[i] == 1 ? c.Pair! : c.Text;
            var (s, e) = encoding.Utf16Offsets[i];
            var (cs, ce) = encoding.Offsets[i];
            var byCodePoints = string.Concat(text.EnumerateRunes().Skip(cs).Take(ce - cs).Select(r => r.ToString()));
            if (text[s..e] != byCodePoints)
            {
                return $"token {i}: UTF-16 offsets {s}-{e} give {JsonSerializer.Serialize(text[s..e])}, code points {cs}-{ce} give {JsonSerializer.Serialize(byCodePoints)}";
            }
        }

        return null;
    }
}
