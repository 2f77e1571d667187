using System.Text.Json;
using Bytez.Engine.Tokenization;

namespace Bytez.Engine.Tests;

public sealed class BertWordPieceTokenizerTests
{
    private static readonly Lazy<BertWordPieceTokenizer> Uncased = new(() => BertWordPieceTokenizer.FromDirectory(TestModels.MiniLM.Path));
    private static readonly Lazy<string[]> Vocab = new(() => File.ReadAllLines(Path.Combine(TestModels.MiniLM.Path, "vocab.txt")));

    [Fact]
    public void UnicodeNormalizationAvailable_TestProcess_IsTrue()
        => Assert.True(BertWordPieceTokenizer.UnicodeNormalizationAvailable);

    [Fact]
    public void Encode_HelloWorld_GivesBertUncasedIds()
    {
        // bert-base-uncased: [CLS]=101 hello=7592 world=2088 !=999 [SEP]=102
        Assert.Equal([101, 7592, 2088, 999, 102], Uncased.Value.Encode("Hello World!", 256).Ids);
    }

    [Fact]
    public void Encode_Empty_GivesClsSep()
        => Assert.Equal([101, 102], Uncased.Value.Encode(string.Empty, 256).Ids);

    [Theory]
    [InlineData("café", "cafe")]
    [InlineData("résumé", "resume")]
    [InlineData("naïve", "naive")]
    [InlineData("façade", "facade")]
    [InlineData("Zürich", "zurich")]
    [InlineData("São", "sao")]
    [InlineData("Paulo", "paulo")]
    public void Encode_AccentedWordInVocab_GivesTheStrippedWordsId(string word, string stripped)
    {
        // The uncased vocabulary holds the accent-stripped lowercase word; its id is its line number.
        var id = Array.IndexOf(Vocab.Value, stripped);
        Assert.True(id > 0, $"'{stripped}' is not a whole word of the vocabulary");

        Assert.Equal([101, id, 102], Uncased.Value.Encode(word, 256).Ids);
    }

    [Theory]
    [InlineData("I'd like a café au lait and a jalapeño bagel.", "i'd like a cafe au lait and a jalapeno bagel.")]
    [InlineData("The façade of the résumé office looked naïve.", "the facade of the resume office looked naive.")]
    [InlineData("From São Paulo to Zürich.", "from sao paulo to zurich.")]
    public void Encode_AccentedSentence_EqualsStrippedSentenceWithoutUnknowns(string accented, string stripped)
    {
        var ids = Uncased.Value.Encode(accented, 256).Ids;

        Assert.Equal(Uncased.Value.Encode(stripped, 256).Ids, ids);
        Assert.DoesNotContain(Uncased.Value.UnknownTokenId, ids);
        Assert.Equal(100, Uncased.Value.UnknownTokenId);
    }

    [Fact]
    public void Encode_LongerThanMax_KeepsClsAndSepAndReportsLength()
    {
        var text = string.Join(' ', Enumerable.Repeat("hello", 20));

        var result = Uncased.Value.Encode(text, 8);

        Assert.Equal([101, 7592, 7592, 7592, 7592, 7592, 7592, 102], result.Ids);
        Assert.Equal(22, result.UntruncatedLength);
        Assert.True(result.WasTruncated);
        Assert.Equal(22, Uncased.Value.CountTokens(text));
    }

    [Fact]
    public void FromTokenizerJson_WordPieceWithBertNormalizer_MatchesVocabLoader()
    {
        var folder = TestModels.NewTempFolder("tokjson");
        try
        {
            var vocab = Vocab.Value;
            using (var stream = File.Create(Path.Combine(folder, "tokenizer.json")))
            using (var w = new Utf8JsonWriter(stream))
            {
                w.WriteStartObject();
                w.WriteStartObject("normalizer");
                w.WriteString("type", "BertNormalizer");
                w.WriteBoolean("clean_text", true);
                w.WriteBoolean("handle_chinese_chars", true);
                w.WriteNull("strip_accents");
                w.WriteBoolean("lowercase", true);
                w.WriteEndObject();
                w.WriteStartObject("post_processor");
                w.WriteString("type", "BertProcessing");
                w.WriteStartArray("cls");
                w.WriteStringValue("[CLS]");
                w.WriteNumberValue(101);
                w.WriteEndArray();
                w.WriteStartArray("sep");
                w.WriteStringValue("[SEP]");
                w.WriteNumberValue(102);
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteStartObject("model");
                w.WriteString("type", "WordPiece");
                w.WriteString("unk_token", "[UNK]");
                w.WriteString("continuing_subword_prefix", "##");
                w.WriteStartObject("vocab");
                for (var i = 0; i < vocab.Length; i++)
                {
                    w.WriteNumber(vocab[i], i);
                }

                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            }

            var fromJson = BertWordPieceTokenizer.FromDirectory(folder);

            const string text = "Jalapeño façade, naïve résumé: São Paulo & Zürich! 東京 tokenization";
            Assert.Equal(Uncased.Value.Encode(text, 64).Ids, fromJson.Encode(text, 64).Ids);
            Assert.True(fromJson.Settings.EffectiveStripAccents);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void FromTokenizerJson_BpeModel_ThrowsNotSupported()
    {
        var folder = TestModels.NewTempFolder("bpe");
        try
        {
            var path = Path.Combine(folder, "tokenizer.json");
            File.WriteAllText(path, """{"model": {"type": "BPE", "vocab": {}, "merges": []}}""");

            var e = Assert.Throws<EngineException>(() => BertWordPieceTokenizer.FromTokenizerJson(path));

            Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
            Assert.Contains("BPE", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ReadTokenizerConfig_ExtractedModel_LowercasesAndStripsAccents()
    {
        var settings = BertWordPieceTokenizer.ReadTokenizerConfig(Path.Combine(TestModels.MiniLM.Path, "tokenizer_config.json"));

        Assert.True(settings.LowerCase);
        Assert.Null(settings.StripAccents);
        Assert.True(settings.EffectiveStripAccents);
        Assert.Equal(512, settings.ModelMaxLength);
    }
}
