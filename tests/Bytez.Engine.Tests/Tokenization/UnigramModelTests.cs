using Bytez.Engine.Tokenization.HuggingFace;

namespace Bytez.Engine.Tests.Tokenization;

/// <summary>
/// The Unigram model against Hugging Face's Rust tokenizers (through <c>Tokenizers.DotNet</c>, reading the same
/// <c>tokenizer.json</c>): ids (hence tokens), decoded text and cut-short decodings on the shared texts, Unigram traps
/// and seeded random texts for each style of <see cref="TestUnigramFiles"/>; offsets, greedy-versus-Viterbi and
/// round trips checked directly.
/// </summary>
public sealed class UnigramModelTests
{
    public static TheoryData<string> Styles { get; } = [.. TestUnigramFiles.Styles];

    private static IEnumerable<string> AllTexts => TestTokenizerFiles.Texts.Concat(TestUnigramFiles.Traps).Concat(TestUnigramFiles.RandomTexts);

    [Theory]
    [MemberData(nameof(Styles))]
    public void Encode_ManyTexts_EqualsHuggingFaceTokenizers(string style)
    {
        HfTokenizerOracleTests.SkipUnlessOracleRuns();
        var folder = TestTokenizerFiles.NewTempFolder($"unigram-oracle-{style}");
        try
        {
            var json = TestUnigramFiles.Json(style);
            var path = Path.Combine(folder, "tokenizer.json");
            File.WriteAllText(path, json);
            var ours = HfTokenizer.FromJson(json);
            using var oracle = new Tokenizers.DotNet.Tokenizer(path);

            var failures = new List<string>();
            var count = 0;
            foreach (var text in AllTexts)
            {
                count++;
                var expected = Array.ConvertAll(oracle.Encode(text), id => (int)id);
                var actual = ours.Encode(text, addSpecialTokens: true);
                if (!actual.AsSpan().SequenceEqual(expected))
                {
                    failures.Add($"encode {Show(text)}: ours [{Tokens(ours, actual)}], HF [{Tokens(ours, expected)}]");
                    continue;
                }

                var decoded = ours.Decode(actual, skipSpecialTokens: true);
                var expectedText = oracle.Decode(Array.ConvertAll(expected, id => (uint)id));
                if (decoded != expectedText)
                {
                    failures.Add($"decode {Show(text)}: ours {Show(decoded)}, HF {Show(expectedText)}");
                }

                if (expected.Length > 1)
                {
                    var cut = expected[..^1];
                    var ourPrefix = ours.Decode(cut, skipSpecialTokens: true);
                    var hfPrefix = oracle.Decode(Array.ConvertAll(cut, id => (uint)id));
                    if (ourPrefix != hfPrefix)
                    {
                        failures.Add($"decode prefix {Show(text)}: ours {Show(ourPrefix)}, HF {Show(hfPrefix)}");
                    }
                }
            }

            Assert.True(count > 600, "the corpus is a few hundred texts");
            Assert.True(failures.Count == 0, $"{style}: {failures.Count} of {count} texts differ:\n{string.Join('\n', failures.Take(10))}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Encode_Corpus_ViterbiDiffersFromGreedyLongestMatch()
    {
        // Proves the test vocabulary tells a best-path segmentation from a greedy one (else the oracle test could pass
        // with the wrong algorithm).
        var tokenizer = HfTokenizer.FromJson(TestUnigramFiles.Json("never-no-added-tokens"));
        var differing = 0;
        foreach (var word in AllTexts.SelectMany(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            var viterbi = tokenizer.Encode(word, addSpecialTokens: false);
            var greedy = Greedy(tokenizer, word);
            if (greedy is not null && !greedy.AsSpan().SequenceEqual(viterbi))
            {
                differing++;
            }
        }

        Assert.True(differing >= 20, $"only {differing} words segment differently");
    }

    [Fact]
    public void Encode_HandPickedVocabulary_TakesBestPathAndFusesUnknowns()
    {
        // "abc": greedy takes "ab" + "c" (-1 + -10 = -11); the best path is "a" + "bc" (-2 + -2 = -4).
        var tokenizer = HfTokenizer.FromJson(Vocabulary("""["<unk>", 0], ["a", -2], ["b", -5], ["c", -10], ["ab", -1], ["bc", -2]""", byteFallback: false));
        Assert.Equal([1, 5], tokenizer.Encode("abc", addSpecialTokens: false));

        // Unknown characters (an astral one, then a BMP one) are fused into one <unk>.
        Assert.Equal([1, 0, 2], tokenizer.Encode("a😀東b", addSpecialTokens: false));
    }

    [Fact]
    public void Encode_ByteFallback_GivesBytePiecesForUnknownRuns()
    {
        var bytes = string.Join(", ", Enumerable.Range(0, 256).Select(b => $"[\"<0x{b:X2}>\", 0]"));
        var tokenizer = HfTokenizer.FromJson(Vocabulary("""["<unk>", 0], ["a", -1], """ + bytes, byteFallback: true));
        Assert.Equal([1, 2 + 0xC3, 2 + 0xA9, 1], tokenizer.Encode("aéa", addSpecialTokens: false));
        Assert.Equal("aéa", tokenizer.Decode([1, 2 + 0xC3, 2 + 0xA9, 1], skipSpecialTokens: false));
    }

    private static string Vocabulary(string pieces, bool byteFallback) =>
        $$$"""{"model": {"type": "Unigram", "unk_id": 0, "byte_fallback": {{{(byteFallback ? "true" : "false")}}}, "vocab": [{{{pieces}}}]}, "decoder": {"type": "ByteFallback"}}""";

    [Fact]
    public void Decode_KnownTexts_RoundTrips()
    {
        // Texts that start with a space, hold ▁ or a written-out byte piece, or meet <unk> or a special token cannot.
        var tokenizer = HfTokenizer.FromJson(TestUnigramFiles.Json("byte-fallback-first"));
        var checkedTexts = 0;
        foreach (var text in AllTexts)
        {
            var ids = tokenizer.Encode(text, addSpecialTokens: false);
            if (text.Length == 0 || text.StartsWith(' ') || text.Contains('\u2581', StringComparison.Ordinal) || text.Contains("<0x", StringComparison.Ordinal) || ids.Any(id => id == 2 || tokenizer.IsSpecial(id)))
            {
                continue;
            }

            Assert.Equal(text, tokenizer.Decode(ids, skipSpecialTokens: false));
            checkedTexts++;
        }

        Assert.True(checkedTexts > 200, $"only {checkedTexts} texts round-tripped");
    }

    [Fact]
    public void FromJson_UnkIdOutOfRange_ThrowsNotSupported()
    {
        var e = Assert.Throws<EngineException>(() => HfTokenizer.FromJson("""{"model": {"type": "Unigram", "unk_id": 5, "vocab": [["a", -1.0]]}}"""));
        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
        Assert.Contains("unk_id", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_UncoveredCharacterWithoutUnkId_ThrowsNotSupported()
    {
        var tokenizer = HfTokenizer.FromJson("""{"model": {"type": "Unigram", "vocab": [["a", -1.0]]}}""");
        Assert.Equal([0, 0], tokenizer.Encode("aa", addSpecialTokens: false));
        var e = Assert.Throws<EngineException>(() => tokenizer.Encode("ab", addSpecialTokens: false));
        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
    }

    private static int[]? Greedy(HfTokenizer tokenizer, string word)
    {
        var ids = new List<int>();
        for (var i = 0; i < word.Length;)
        {
            var found = false;
            for (var end = word.Length; end > i; end--)
            {
                if (tokenizer.TokenToId(word[i..end]) is int id)
                {
                    ids.Add(id);
                    i = end;
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                return null;
            }
        }

        return [.. ids];
    }

    private static string Tokens(HfTokenizer tokenizer, int[] ids) => string.Join(' ', ids.Select(id => $"{id}:{tokenizer.TokenToString(id)}"));

    private static string Show(string text) => "\"" + text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "\"";
}
