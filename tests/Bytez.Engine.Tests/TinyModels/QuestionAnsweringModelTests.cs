using Bytez.Engine.Tests.Tokenization;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.TinyModels;

/// <summary>The tiny QA models are what their design says.</summary>
public sealed class QuestionAnsweringModelTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void StartAndEndLogits_AreLookupsOfTheTokens(bool tokenTypes)
    {
        var model = QuestionAnsweringModelWriter.Write(TinyEncoderRun.NewFolder($"qa-{tokenTypes}"), new QuestionAnsweringModelOptions { TokenTypeIds = tokenTypes, ClsLogit = 1.5f });
        string[] row = ["[CLS]", "what", "is", "the", "capital", "of", "france", "?", "[SEP]", "the", "capital", "is", "paris", ",", "france", ".", "[SEP]"];

        var outputs = TinyEncoderRun.Run(model.Folder, model.Vocabulary, row);

        Assert.Equal(tokenTypes ? 3 : 2, TinyEncoderRun.InputNames(model.Folder).Count);
        var (start, shape) = outputs["start_logits"];
        var (end, _) = outputs["end_logits"];
        Assert.Equal([1L, row.Length], shape);
        Assert.Equal(row.Select(model.Start), start);
        Assert.Equal(row.Select(model.End), end);
        Assert.Equal(8f, start[12]);
        Assert.Equal(8f, end[14]);
        Assert.Equal(8f, end[6]);
        Assert.Equal(1.5f, start[0]);
        Assert.Equal(0f, start[9]);
    }

    public static TheoryData<EncoderTokenizerStyle, string, string[]> Encodings => new()
    {
        { EncoderTokenizerStyle.WordPiece, "London lies on a river.", ["[CLS]", "lon", "##don", "lies", "on", "a", "river", ".", "[SEP]"] },
        { EncoderTokenizerStyle.ByteLevelBpe, "the capital is london", ["<s>", "the", "Ġcapital", "Ġis", "Ġlon", "don", "</s>"] },
        { EncoderTokenizerStyle.Unigram, "the capital is london", ["<s>", "▁the", "▁capital", "▁is", "▁lon", "don", "</s>"] },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Tokenizer_SplitsTheDesignedWords_PerHuggingFaceTokenizers(EncoderTokenizerStyle style, string text, string[] expected)
    {
        HfTokenizerOracleTests.SkipUnlessOracleRuns();
        var model = QuestionAnsweringModelWriter.Write(TinyEncoderRun.NewFolder($"qa-{style}"), new QuestionAnsweringModelOptions { Tokenizer = style });

        Assert.Equal(expected, TinyEncoderRun.OracleTokens(model.Folder, model.Vocabulary, text));
        Assert.Equal(4f, model.Start(model.Vocabulary.Word("lon")));
        Assert.Equal(4f, model.End(model.Vocabulary.Subword("don")));
    }
}
