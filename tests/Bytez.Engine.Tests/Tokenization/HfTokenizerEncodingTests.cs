using Bytez.Engine.Tokenization;
using Bytez.Engine.Tokenization.HuggingFace;

namespace Bytez.Engine.Tests.Tokenization;

/// <summary>
/// The rich encode's contract on small tokenizers whose results are known by construction: overflowing windows of a
/// question-answering pair, offsets after emoji, word ranges, masks, the errors for options that cannot be met, the
/// bounds, and the token-string helpers of each model family.
/// </summary>
public sealed class HfTokenizerEncodingTests
{
    private static readonly Lazy<HfTokenizer> Bert = new(() =>
        HfTokenizer.FromJson(TestTaskTokenizerFiles.Json("bert-uncased"), """{"pad_token": "[PAD]", "mask_token": "[MASK]", "cls_token": "[CLS]", "sep_token": "[SEP]", "clean_up_tokenization_spaces": true, "model_max_length": 512}"""));

    private static readonly Lazy<HfTokenizer> Roberta = new(() => HfTokenizer.FromJson(TestTaskTokenizerFiles.Json("roberta"), """{"mask_token": "<mask>", "pad_token": "<pad>"}"""));

    private static readonly Lazy<HfTokenizer> Xlmr = new(() => HfTokenizer.FromJson(TestTaskTokenizerFiles.Json("xlmr")));

    [Fact]
    public void Encode_QuestionContextOnlySecondWithStride_WindowsRestartStrideTokensBeforeThePreviousEnd()
    {
        // Every letter is one token in this vocabulary, so the context "a b c d e f g h i j k l" is 12 tokens and the
        // question "what" one: [CLS] what [SEP] + 6 context tokens + [SEP] = 10. Windows of 6 tokens step by 6 - 2.
        var context = "a b c d e f g h i j k l";
        var encoding = Bert.Value.Encode("what", context, new EncodeOptions { MaxLength = 10, Truncation = TruncationStrategy.OnlySecond, Stride = 2 });

        var windows = new[] { encoding }.Concat(encoding.Overflowing).ToList();
        Assert.Equal(
            ["a b c d e f", "e f g h i j", "i j k l"],
            windows.Select(w => string.Join(' ', w.Tokens.Where((_, i) => w.SequenceIds[i] == 1))).ToList());
        foreach (var window in windows)
        {
            Assert.Equal(["[CLS]", "what", "[SEP]"], window.Tokens.Take(3));
            Assert.Equal("[SEP]", window.Tokens[^1]);
            Assert.Equal([null, 0, null], window.SequenceIds.Take(3));
            Assert.All(Enumerable.Range(3, window.Count - 3), i => Assert.Equal(1, window.TypeIds[i]));
            Assert.Equal(1, window.SpecialTokensMask[0]);
            for (var i = 0; i < window.Count; i++)
            {
                if (window.SequenceIds[i] == 1)
                {
                    // Offsets point into the context: the token is the letter at that place.
                    var (start, end) = window.Offsets[i];
                    Assert.Equal(window.Tokens[i], context[start..end]);
                    Assert.Equal(context[start..end], context[window.WordToChars(window.WordIds[i]!.Value, 1)!.Value.Start..window.WordToChars(window.WordIds[i]!.Value, 1)!.Value.End]);
                }
            }
        }
    }

    [Fact]
    public void Encode_LongContextInQuestionAnsweringWindows_WindowCountAndStartsFollowTheStride()
    {
        // 3 000 one-letter context tokens, room for 384 - 3 - 1 = 380 per window, step 380 - 128 = 252: windows start
        // at 0, 252, ..., 2772 (the first whose end reaches the last token), 12 in all.
        var letters = "abcdefghijklmnopqrstuvwxyz";
        var context = string.Join(' ', Enumerable.Range(0, 3000).Select(i => letters[i % 26]));

        var encoding = Bert.Value.Encode("what", context, new EncodeOptions { MaxLength = 384, Truncation = TruncationStrategy.OnlySecond, Stride = 128 });

        var windows = new[] { encoding }.Concat(encoding.Overflowing).ToList();
        Assert.Equal(12, windows.Count);
        for (var k = 0; k < windows.Count; k++)
        {
            var firstContext = Enumerable.Range(0, windows[k].Count).First(i => windows[k].SequenceIds[i] == 1);
            Assert.Equal(252 * k, windows[k].WordIds[firstContext]);
            Assert.Equal((2 * 252 * k, (2 * 252 * k) + 1), windows[k].Offsets[firstContext]);
            Assert.True(windows[k].Count <= 384);
        }

        Assert.Equal(2999, windows[^1].WordIds[^2]);
    }

    [Fact]
    public void Encode_EmojiBeforeAWord_CodePointOffsetsCountTheEmojiOnceAndUtf16OffsetsTwice()
    {
        var text = "😀 paris";

        var encoding = Bert.Value.Encode(text, null);

        var paris = encoding.Tokens.ToList().IndexOf("paris");
        Assert.Equal((2, 7), encoding.Offsets[paris]);
        Assert.Equal((3, 8), encoding.Utf16Offsets[paris]);
        Assert.Equal("paris", text[encoding.Utf16Offsets[paris].Start..encoding.Utf16Offsets[paris].End]);
        Assert.Equal(2, encoding.CharToToken(2));
    }

    [Fact]
    public void Encode_AccentsStrippedAndLowercased_OffsetsCoverTheOriginalAccentedWord()
    {
        // "Café" → "cafe" (one vocabulary entry) after NFD, mark removal and lowercasing; its offsets are the four
        // original characters. A separate combining mark is removed by the filter and, as in tokenizers, not covered.
        var precomposed = Bert.Value.Encode("Café noir", null);
        var combining = Bert.Value.Encode("Cafe\u0301 noir", null);

        Assert.Equal("cafe", precomposed.Tokens[1]);
        Assert.Equal((0, 4), precomposed.Offsets[1]);
        Assert.Equal("cafe", combining.Tokens[1]);
        Assert.Equal((0, 4), combining.Offsets[1]);
        Assert.Equal((6, 10), combining.WordToChars(1));
    }

    [Fact]
    public void Encode_ChineseCharacters_EachIsAWordWithItsOwnOffsets()
    {
        var encoding = Bert.Value.Encode("中文字", null, new EncodeOptions { AddSpecialTokens = false });

        Assert.Equal(["中", "文", "字"], encoding.Tokens);
        Assert.Equal([0, 1, 2], encoding.WordIds.Select(w => w!.Value));
        Assert.Equal([(0, 1), (1, 2), (2, 3)], encoding.Offsets);
    }

    [Fact]
    public void Encode_RobertaMaskWithLstrip_SwallowsTheSpaceAndOffsetsAreTrimmed()
    {
        var encoding = Roberta.Value.Encode("Paris is the <mask>.", null);

        var mask = encoding.Ids.ToList().IndexOf(Roberta.Value.MaskTokenId!.Value);
        Assert.True(mask > 0);
        Assert.Equal(" <mask>", encoding.Tokens[mask]);
        Assert.Equal((13, 19), encoding.Offsets[mask]);
        Assert.Equal("Ġis", encoding.Tokens[2]);
        Assert.Equal((6, 8), encoding.Offsets[2]);
        Assert.Equal(0, encoding.SpecialTokensMask[mask]);
        Assert.Equal([1, 0], new[] { encoding.SpecialTokensMask[0], encoding.SpecialTokensMask[1] });
    }

    [Fact]
    public void Encode_PadToLength_PadsWithThePadTokenAndMasksIt()
    {
        var encoding = Bert.Value.Encode("hello", null, new EncodeOptions { PadToLength = 6 });

        Assert.Equal(["[CLS]", "hello", "[SEP]", "[PAD]", "[PAD]", "[PAD]"], encoding.Tokens);
        Assert.Equal(Bert.Value.PadTokenId, encoding.Ids[^1]);
        Assert.Equal([1, 1, 1, 0, 0, 0], encoding.AttentionMask);
        Assert.Equal([1, 0, 1, 1, 1, 1], encoding.SpecialTokensMask);
    }

    [Fact]
    public void Encode_OnlySecondWithoutAPair_FailsAsBadInput()
    {
        var e = Assert.Throws<EngineException>(() => Bert.Value.Encode("hello world", null, new EncodeOptions { MaxLength = 3, Truncation = TruncationStrategy.OnlySecond }));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("only_second", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10, 8)] // stride equal to the 8 tokens left after [CLS] and [SEP]
    [InlineData(10, 20)]
    [InlineData(1, 0)] // shorter than the special tokens
    public void Encode_StrideNotBelowTheRoomLeft_FailsAsBadInput(int maxLength, int stride)
    {
        var e = Assert.Throws<EngineException>(() => Bert.Value.Encode("hello", null, new EncodeOptions { MaxLength = maxLength, Stride = stride }));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
    }

    [Fact]
    public void Encode_OnlyFirstWhenTheFirstIsTooShort_FailsAsBadInputNamingTheSequence()
    {
        var e = Assert.Throws<EngineException>(() => Bert.Value.Encode("a", "a b c d e f g h i j", new EncodeOptions { MaxLength = 8, Truncation = TruncationStrategy.OnlyFirst }));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("first sequence", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_PaddingWithoutAPadToken_FailsAsBadInput()
    {
        var e = Assert.Throws<EngineException>(() => Xlmr.Value.Encode("a", null, new EncodeOptions { PadToLength = 8 }));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("pad token", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_WindowsBeyondTheTokenBound_FailsAsTooLargeWithoutBuildingThem()
    {
        // 200 000 one-letter tokens in windows of 100 stepping by 2 would be 10 million tokens, far over the bound.
        var text = string.Join(' ', Enumerable.Repeat("a", 200_000));

        var e = Assert.Throws<EngineException>(() => Bert.Value.Encode(text, null, new EncodeOptions { MaxLength = 102, Stride = 98 }));

        Assert.Equal(EngineErrorKind.TooLarge, e.Kind);
    }

    [Fact]
    public void WordPiece_WordLongerThanMaxInputChars_IsOneUnknownTokenCoveringTheWord()
    {
        var word = new string('a', 101);

        var encoding = Bert.Value.Encode(word + " hello", null, new EncodeOptions { AddSpecialTokens = false });

        Assert.Equal(["[UNK]", "hello"], encoding.Tokens);
        Assert.Equal((0, 101), encoding.Offsets[0]);
    }

    [Fact]
    public void ConvertTokensToString_EachModelFamily_JoinsTheWayItsDecoderDoes()
    {
        var gpt2 = HfTokenizer.FromJson(TestTaskTokenizerFiles.Json("gpt2-bytelevel"));

        Assert.Equal("unbelievable playing", Bert.Value.ConvertTokensToString(["un", "##believ", "##able", "play", "##ing"]));
        Assert.Equal(" hello world", gpt2.ConvertTokensToString(["Ġhello", "Ġworld"]));
        Assert.Equal("é", gpt2.ConvertTokensToString(["Ã©"]));
        Assert.Equal("hello world", Xlmr.Value.ConvertTokensToString(["\u2581hello", "\u2581world"]));
    }

    [Fact]
    public void ConvertIdsToTokens_KnownAndUnknownIds_GiveVocabularyStringsOrNull()
    {
        var ids = Bert.Value.Encode("hello", addSpecialTokens: true);

        Assert.Equal(new[] { "[CLS]", "hello", "[SEP]", null }, Bert.Value.ConvertIdsToTokens([.. ids, 1_000_000]));
    }

    [Fact]
    public void Decode_CleanUpTokenizationSpaces_FollowsTheConfigUnlessOverridden()
    {
        var gpt2Config = """{"clean_up_tokenization_spaces": true}""";
        var withFlag = HfTokenizer.FromJson(TestTaskTokenizerFiles.Json("gpt2-bytelevel"), gpt2Config);
        var withoutFlag = HfTokenizer.FromJson(TestTaskTokenizerFiles.Json("gpt2-bytelevel"));
        var ids = withFlag.Encode("Paris is the capital . It is n't , is it ? I 'm sure they 're here !", addSpecialTokens: false);

        Assert.True(withFlag.CleanUpTokenizationSpaces);
        Assert.False(withoutFlag.CleanUpTokenizationSpaces);
        Assert.Equal("Paris is the capital. It isn't, is it? I'm sure they're here!", withFlag.Decode(ids, skipSpecialTokens: true, cleanUpTokenizationSpaces: null));
        Assert.Equal("Paris is the capital . It is n't , is it ? I 'm sure they 're here !", withoutFlag.Decode(ids, skipSpecialTokens: true, cleanUpTokenizationSpaces: null));
        Assert.Equal("Paris is the capital. It isn't, is it? I'm sure they're here!", withoutFlag.Decode(ids, skipSpecialTokens: true, cleanUpTokenizationSpaces: true));
    }

    [Fact]
    public void SpecialTokenProperties_ComeFromTheConfigAndTheModel()
    {
        var bert = Bert.Value;

        Assert.Equal("[MASK]", bert.MaskToken);
        Assert.Equal(bert.TokenToId("[MASK]"), bert.MaskTokenId);
        Assert.Equal(bert.TokenToId("[CLS]"), bert.ClsTokenId);
        Assert.Equal(bert.TokenToId("[SEP]"), bert.SepTokenId);
        Assert.Equal(bert.TokenToId("[UNK]"), bert.UnknownTokenId);
        Assert.Equal("##", bert.ContinuingSubwordPrefix);
        Assert.Null(Roberta.Value.ContinuingSubwordPrefix);
        Assert.Equal(512, bert.ModelMaxLength);
        Assert.Equal(2, bert.NumSpecialTokensToAdd(pair: false));
        Assert.Equal(3, bert.NumSpecialTokensToAdd(pair: true));
        Assert.Equal(4, Roberta.Value.NumSpecialTokensToAdd(pair: true));
    }

    [Fact]
    public void RealBertVocabulary_PlainText_SameIdsAsTheBertWordPieceTokenizer()
    {
        // The embedded MiniLM's own tokenizer (Microsoft.ML.Tokenizers) and HfTokenizer on the tokenizer.json of the
        // same vocabulary agree on plain text. (On symbols such as < > = | $, emoji, Hangul, tabs and newlines they do
        // not: there HfTokenizer is the one that equals Hugging Face's, see HfTokenizerEncodingOracleTests "bert-real".)
        var hf = HfTokenizer.FromJson(TestTaskTokenizerFiles.Json("bert-real"));
        var ml = BertWordPieceTokenizer.FromDirectory(TestModels.MiniLM.Path);
        var failures = new List<string>();
        var plain = TestTokenizerFiles.Texts.Where(t => t.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '.' or ',' or '!' or '?' or '\'' or '-')).ToList();
        Assert.True(plain.Count > 20);
        foreach (var text in plain)
        {
            var expected = ml.Encode(text, maxLength: 100_000).Ids;
            var actual = hf.Encode(text, addSpecialTokens: true);
            if (!expected.SequenceEqual(actual))
            {
                failures.Add($"{text}: ML [{string.Join(',', expected)}], HF [{string.Join(',', actual)}]");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }
}
