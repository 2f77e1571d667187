using System.Diagnostics;
using System.Text;
using Bytez.Engine.Tokenization.HuggingFace;
using Bytez.Testing.TinyModels;
using Microsoft.ML.Tokenizers;

namespace Bytez.Engine.Tests.Tokenization;

public sealed class HfTokenizerTests
{
    private static readonly Lazy<HfTokenizer> Gpt2 = new(() => HfTokenizer.FromJson(TestTokenizerFiles.Gpt2()));

    [Fact]
    public void Gpt2Vocabulary_Load_HasGpt2sTokensAndMerges()
    {
        var vocabulary = Gpt2Vocabulary.Load();

        Assert.Equal(50257, vocabulary.Tokens.Count);
        Assert.Equal(50000, vocabulary.Merges.Count);
        Assert.Equal("!", vocabulary.Tokens[0]);
        Assert.Equal("\u0120the", vocabulary.Tokens[262]);
        Assert.Equal(("\u0120", "t"), vocabulary.Merges[0]);
        Assert.Equal(Gpt2Vocabulary.EndOfText, vocabulary.Tokens[Gpt2Vocabulary.EndOfTextId]);
        Assert.Equal(" the"u8.ToArray(), vocabulary.TokenBytes(262));
    }

    [Fact]
    public void Encode_Gpt2_EqualsMicrosoftTiktokenGpt2()
    {
        var tiktoken = TiktokenTokenizer.CreateForModel("gpt2");
        foreach (var text in TestTokenizerFiles.Texts)
        {
            // Microsoft's tiktoken runs GPT-2's regex on UTF-16, so an astral letter (𠀀, 𝐀) is not \p{L} there and
            // "𠀀's" splits differently from Hugging Face (and from us; the oracle tests cover those texts).
            if (text.Contains("<|endoftext|>", StringComparison.Ordinal) || HasAstralLetterOrDigit(text))
            {
                continue;
            }

            Assert.Equal(tiktoken.EncodeToIds(text), Gpt2.Value.Encode(text, addSpecialTokens: true));
        }
    }

    [Fact]
    public void Encode_AstralLetterBeforeContraction_TreatsItAsALetterLikeHuggingFace()
    {
        // 𠀀 is a letter (Lo) outside the BMP: "'s" after it is a contraction, as in Hugging Face's Oniguruma regex.
        Assert.Equal([172, 254, 222, 222, 338], Gpt2.Value.Encode("\U00020000's", addSpecialTokens: false));
    }

    [Fact]
    public void Encode_SpecialTokenInText_IsOneId()
    {
        var ids = Gpt2.Value.Encode("Hi<|endoftext|>there", addSpecialTokens: false);

        Assert.Equal([17250, 50256, 8117], ids);
        Assert.True(Gpt2.Value.IsSpecial(50256));
        Assert.False(Gpt2.Value.IsSpecial(17250));
        Assert.Equal("<|endoftext|>", Gpt2.Value.TokenToString(50256));
        Assert.Equal("\u0120the", Gpt2.Value.TokenToString(262));
        Assert.Null(Gpt2.Value.TokenToString(999_999));
    }

    [Fact]
    public void Decode_SkipSpecialTokens_LeavesThemOutOnlyWhenAsked()
    {
        var ids = Gpt2.Value.Encode("Hi<|endoftext|>there", addSpecialTokens: false);

        Assert.Equal("Hithere", Gpt2.Value.Decode(ids, skipSpecialTokens: true));
        Assert.Equal("Hi<|endoftext|>there", Gpt2.Value.Decode(ids, skipSpecialTokens: false));
    }

    [Fact]
    public void Decode_PrefixEndingInsideUtf8Character_EndsWithReplacementCharacter()
    {
        var ids = Gpt2.Value.Encode("a😀", addSpecialTokens: false);
        Assert.True(ids.Length >= 3);

        var text = Gpt2.Value.Decode(ids.AsSpan(0, ids.Length - 1), skipSpecialTokens: true);

        Assert.StartsWith("a", text, StringComparison.Ordinal);
        Assert.EndsWith("\uFFFD", text, StringComparison.Ordinal);
        Assert.Equal("a😀", Gpt2.Value.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Decode_ByteFallbackPrefixInsideCharacter_GivesReplacementPerByte()
    {
        var tokenizer = HfTokenizer.FromJson(TestTokenizerFiles.Llama2Style());
        var ids = tokenizer.Encode("東", addSpecialTokens: false);
        Assert.Equal(["\u2581", "<0xE6>", "<0x9D>", "<0xB1>"], ids.Select(tokenizer.TokenToString));

        Assert.Equal("\uFFFD\uFFFD", tokenizer.Decode(ids.AsSpan(0, 3), skipSpecialTokens: true));
        Assert.Equal("東", tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void FromDirectory_WithTokenizerConfig_ReadsBosAndEos()
    {
        var folder = TestTokenizerFiles.NewTempFolder("hf-tokenizer-config");
        try
        {
            File.WriteAllText(Path.Combine(folder, "tokenizer.json"), TestTokenizerFiles.Llama3Style());
            File.WriteAllText(
                Path.Combine(folder, "tokenizer_config.json"),
                """{"bos_token": "<|begin_of_text|>", "eos_token": {"content": "<|eot_id|>", "special": true}}""");

            var tokenizer = HfTokenizer.FromDirectory(folder);

            Assert.Equal(50257, tokenizer.BosTokenId);
            Assert.Equal("<|begin_of_text|>", tokenizer.BosToken);
            Assert.Equal([50259], tokenizer.EosTokenIds);
            Assert.Equal("<|eot_id|>", tokenizer.EosToken);
            Assert.Equal([50257, 15496], tokenizer.Encode("Hello", addSpecialTokens: true));
            Assert.Equal([15496], tokenizer.Encode("Hello", addSpecialTokens: false));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void FromJson_AddBosTokenFalseInConfig_DropsTheTemplatesBos()
    {
        var tokenizer = HfTokenizer.FromJson(
            TestTokenizerFiles.Llama2Style(),
            """{"bos_token": "<s>", "eos_token": "</s>", "add_bos_token": false, "add_eos_token": true}""");

        var ids = tokenizer.Encode("the", addSpecialTokens: true);

        Assert.NotEqual(1, ids[0]);
        Assert.Equal(2, ids[^1]);
        Assert.Equal(1, tokenizer.BosTokenId);
        Assert.Equal([2], tokenizer.EosTokenIds);
    }

    [Fact]
    public void FromJson_WithoutConfig_TakesBosFromTemplateAndEosFromKnownTokens()
    {
        var llama2 = HfTokenizer.FromJson(TestTokenizerFiles.Llama2Style());

        Assert.Equal(1, llama2.BosTokenId);
        Assert.Equal("<s>", llama2.BosToken);
        Assert.Equal([2], llama2.EosTokenIds);
        Assert.Null(Gpt2.Value.BosTokenId);
        Assert.Equal([50256], Gpt2.Value.EosTokenIds);
    }

    [Theory]
    [InlineData("""{"model": {"type": "WordLevel", "unk_token": "a", "vocab": {"a": 0}}}""", "WordLevel")]
    [InlineData("""{"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"a": 0}}}""", "[UNK]")]
    [InlineData("""{"normalizer": {"type": "NMT"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}""", "NMT")]
    [InlineData("""{"pre_tokenizer": {"type": "Whitespace"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}""", "Whitespace")]
    [InlineData("""{"decoder": {"type": "CTC"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}""", "CTC")]
    [InlineData("""{"model": {"type": "BPE", "dropout": 0.1, "vocab": {"a": 0}, "merges": []}}""", "dropout")]
    public void FromJson_Unsupported_ThrowsNotSupportedNamingIt(string json, string named)
    {
        var e = Assert.Throws<EngineException>(() => HfTokenizer.FromJson(json));

        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    private static bool HasAstralLetterOrDigit(string text)
    {
        for (var i = 0; i + 1 < text.Length; i++)
        {
            if (char.IsSurrogatePair(text[i], text[i + 1]) && (char.IsLetterOrDigit(text, i) || char.IsNumber(text, i)))
            {
                return true;
            }
        }

        return false;
    }

    [Fact]
    public void Encode_ThousandWordText_IsFast()
    {
        // A rough measurement for docs/tokenizers.md, printed, not asserted.
        var words = new[] { "the", "model", "don't", "café", "東京", "😀", "3.14", "return", "\n", "  " };
        var random = new Random(3);
        var sb = new StringBuilder();
        for (var i = 0; i < 1000; i++)
        {
            sb.Append(words[random.Next(words.Length)]).Append(' ');
        }

        var text = sb.ToString();
        Gpt2.Value.Encode(text, addSpecialTokens: true);
        var stopwatch = Stopwatch.StartNew();
        var ids = Gpt2.Value.Encode(text, addSpecialTokens: true);
        stopwatch.Stop();

        Assert.NotEmpty(ids);
        TestContext.Current.SendDiagnosticMessage($"GPT-2 encode of 1000 words: {stopwatch.Elapsed.TotalMilliseconds:F2} ms, {ids.Length} tokens");
    }
}
