using Bytez.Engine.Tokenization;

namespace Bytez.Engine.Tests.Tokenization;

/// <summary>
/// <see cref="VitsTokenizer"/> against the rules of transformers 4.57's VitsTokenizer, worked by hand on small
/// vocabularies: normalize (lower-case what the vocabulary does not hold as written, drop the rest, strip), the blank
/// (id 0) around every character, special tokens kept whole, and the refusals (phonemize, uroman).
/// </summary>
public sealed class VitsTokenizerTests
{
    // "k" is id 0, as in facebook/mms-tts-eng; "Q" is a vocabulary entry in upper case.
    private const string Vocabulary = """{"k": 0, " ": 1, "a": 2, "b": 3, "h": 4, "i": 5, "o": 6, "Q": 7, "q": 8, "<unk>": 9}""";

    private static VitsTokenizer Tokenizer(string config = """{"phonemize": false}""", string vocabulary = Vocabulary) =>
        VitsTokenizer.Parse(vocabulary, "vocab.json", config, "tokenizer_config.json");

    [Fact]
    public void Normalize_LowerCasesDropsAndStrips_ThenBlanksAroundEachCharacter()
    {
        var tokenizer = Tokenizer();

        Assert.Equal("hi bob", tokenizer.Prepare("  Hi, BOB!  "));
        // k h k i k ' ' k b k o k b k
        Assert.Equal([0L, 4, 0, 5, 0, 1, 0, 3, 0, 6, 0, 3, 0], tokenizer.Encode("  Hi, BOB!  "));
    }

    [Fact]
    public void Normalize_KeepsAVocabularyEntryAsWritten()
    {
        // "Q" is in the vocabulary: kept; "H" is not: lower-cased.
        Assert.Equal("Qqh", Tokenizer().Prepare("QqH"));
    }

    [Fact]
    public void Normalize_CountsCodePoints_AndLowerCasesAsPython()
    {
        var tokenizer = Tokenizer();

        // An emoji (two UTF-16 units, one code point) is dropped whole; İ lower-cases to i and a combining dot (dropped).
        Assert.Equal("ha", tokenizer.Prepare("h\U0001F600a"));
        Assert.Equal("i", tokenizer.Prepare("\u0130"));
        Assert.Equal([0L, 5, 0], tokenizer.Encode("\u0130"));
    }

    [Fact]
    public void NoBlank_IdsOfTheCharactersOnly()
    {
        Assert.Equal([4L, 5], Tokenizer("""{"phonemize": false, "add_blank": false}""").Encode("hi"));
    }

    [Fact]
    public void NoNormalize_UnknownCharacterIsTheUnknownToken_SpecialTokenKeptWhole()
    {
        var tokenizer = Tokenizer("""{"phonemize": false, "normalize": false, "add_blank": false}""");

        Assert.Equal([4L, 9, 5], tokenizer.Encode("hHi")); // H is not in the vocabulary: <unk>
        Assert.Equal([4L, 9, 5], tokenizer.Encode("h<unk>i")); // the special token as one token, not five characters
    }

    [Fact]
    public void NoNormalize_WithoutAnUnknownToken_IsRefusedNamingTheCharacter()
    {
        var tokenizer = Tokenizer("""{"phonemize": false, "normalize": false}""", """{"k": 0, "a": 1}""");

        var error = Assert.Throws<EngineException>(() => tokenizer.Encode("aZ"));

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains("\"Z\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Phonemize_IsTheDefault_AndRefusedSayingWhy()
    {
        var error = Assert.Throws<EngineException>(() => Tokenizer(config: "{}").Encode("hi"));

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains("phonemize", error.Message, StringComparison.Ordinal);
        Assert.Contains("espeak", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Uroman_NonAsciiRefused_AsciiTokenized()
    {
        var tokenizer = Tokenizer("""{"phonemize": false, "is_uroman": true}""");

        Assert.Equal([0L, 4, 0, 5, 0], tokenizer.Encode("Hi"));
        var error = Assert.Throws<EngineException>(() => tokenizer.Encode("h\u00e9"));
        Assert.Contains("uroman", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Romanian_CommaBelowBecomesCedilla()
    {
        var tokenizer = Tokenizer("""{"phonemize": false, "language": "ron"}""", """{"_": 0, "\u0163": 1}""");

        Assert.Equal([0L, 1, 0], tokenizer.Encode("\u021b"));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{"a": "one"}""")]
    [InlineData("""{"a": -1}""")]
    [InlineData("{}")]
    [InlineData("not json")]
    public void MalformedVocabulary_IsBadInputNamingTheFile(string vocabulary)
    {
        var error = Assert.Throws<EngineException>(() => VitsTokenizer.Parse(vocabulary, "vocab.json"));

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains("vocab.json", error.Message, StringComparison.Ordinal);
    }
}
