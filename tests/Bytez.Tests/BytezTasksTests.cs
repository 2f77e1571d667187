using Bytez.Protocol;

namespace Bytez.Tests;

/// <summary>Task names and Hugging Face's aliases, as <c>transformers.pipeline()</c> (4.5x) reads them.</summary>
public sealed class BytezTasksTests
{
    [Theory]
    [InlineData("sentiment-analysis", "text-classification")]
    [InlineData("ner", "token-classification")]
    [InlineData("translation_en_to_de", "translation")]
    [InlineData("translation", "translation")]
    [InlineData("summarization", "summarization")]
    [InlineData("text2text-generation", "text2text-generation")]
    [InlineData("translation_en_de", "translation_en_de")]
    [InlineData("NER", "NER")]
    public void Canonical_AliasesBecomeListedNames(string task, string expected) => Assert.Equal(expected, BytezTasks.Canonical(task));

    [Theory]
    [InlineData("translation_en_to_fr", "en", "fr")]
    [InlineData("translation_eng_Latn_to_fra_Latn", null, null)]
    [InlineData("translation_en_to_", null, null)]
    [InlineData("translation__to_de", null, null)]
    [InlineData("translation_en_from_de", null, null)]
    [InlineData("translation_en_to_de_x", null, null)]
    [InlineData("translation", null, null)]
    [InlineData("summarization", null, null)]
    [InlineData(null, null, null)]
    public void TryParseTranslation_ReadsOnlyTheFourPartForm(string? task, string? source, string? target)
    {
        var parsed = BytezTasks.TryParseTranslation(task, out var sourceLanguage, out var targetLanguage);

        Assert.Equal(source is not null, parsed);
        Assert.Equal(source, sourceLanguage);
        Assert.Equal(target, targetLanguage);
    }

    [Fact]
    public void TranslationOf_NamesThePairAndParsesBack()
    {
        var task = BytezTasks.TranslationOf("en", "ro");

        Assert.Equal("translation_en_to_ro", task);
        Assert.True(BytezTasks.TryParseTranslation(task, out var source, out var target));
        Assert.Equal(("en", "ro"), (source, target));
    }

    [Theory]
    [InlineData("eng_Latn", "fr")]
    [InlineData("en", "")]
    public void TranslationOf_CodeThatBreaksTheForm_Throws(string source, string target) =>
        Assert.ThrowsAny<ArgumentException>(() => BytezTasks.TranslationOf(source, target));

    [Fact]
    public void TextStreaming_HoldsTheSeq2SeqTasks() =>
        Assert.Superset(new HashSet<string> { BytezTasks.Summarization, BytezTasks.Translation, BytezTasks.Text2TextGeneration }, new HashSet<string>(BytezTasks.TextStreaming));
}
