using Bytez.Engine.Tests.Tokenization;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.TinyModels;

/// <summary>The tiny token classifiers are what their design says.</summary>
public sealed class TokenClassificationModelTests
{
    [Fact]
    public void Bert_LogitsAreEachTokensRow()
    {
        var model = TokenClassificationModelWriter.Write(TinyEncoderRun.NewFolder("ner-bert"));
        string[] row = ["[CLS]", "john", "##ny", "lives", "in", "paris", "[SEP]"];

        var (logits, shape) = TinyEncoderRun.Run(model.Folder, model.Vocabulary, row, ["[CLS]", "mary", "[SEP]"])["logits"];

        Assert.Equal([2L, 7L, 9L], shape);
        Assert.Equal(row.SelectMany(model.Logits), logits[..63]);
        Assert.Equal(5f, logits[(1 * 9) + model.Labels.ToList().IndexOf("B-PER")]);
        Assert.Equal(5f, logits[(2 * 9) + model.Labels.ToList().IndexOf("I-PER")]);
        Assert.Equal(5f, logits[(3 * 9) + model.Labels.ToList().IndexOf("O")]);
        Assert.Equal(5f, logits[(5 * 9) + model.Labels.ToList().IndexOf("B-LOC")]);
    }

    [Fact]
    public void Jordan_FirstMaxAndAverageAggregationsDisagree()
    {
        var model = TokenClassificationModelWriter.Write(TinyEncoderRun.NewFolder("ner-agg"));
        var first = Float32.Softmax(model.Logits("jor"));
        var second = Float32.Softmax(model.Logits("##dan"));
        var labels = model.Labels;

        Assert.Equal("B-PER", labels[Float32.ArgMax(first)]);
        var max = first.Max() >= second.Max() ? first : second;
        Assert.Equal("B-ORG", labels[Float32.ArgMax(max)]);
        Assert.Equal("B-LOC", labels[Float32.ArgMax(first.Zip(second, (a, b) => (a + b) / 2f).ToArray())]);
    }

    public static TheoryData<EncoderTokenizerStyle, string, string[]> Encodings => new()
    {
        { EncoderTokenizerStyle.WordPiece, "Johnny lives in Paris", ["[CLS]", "john", "##ny", "lives", "in", "paris", "[SEP]"] },
        { EncoderTokenizerStyle.WordPiece, "Mary visited Jordan, zebra", ["[CLS]", "mary", "visited", "jor", "##dan", ",", "[UNK]", "[SEP]"] },
        { EncoderTokenizerStyle.ByteLevelBpe, "johnny lives in paris", ["<s>", "john", "ny", "Ġlives", "Ġin", "Ġparis", "</s>"] },
        { EncoderTokenizerStyle.ByteLevelBpe, "mary visited jordan and paris", ["<s>", "mary", "Ġvisited", "Ġjor", "dan", "Ġand", "Ġparis", "</s>"] },
        { EncoderTokenizerStyle.Unigram, "johnny lives in paris", ["<s>", "▁john", "ny", "▁lives", "▁in", "▁paris", "</s>"] },
        { EncoderTokenizerStyle.Unigram, "mary visited jordan and paris", ["<s>", "▁mary", "▁visited", "▁jor", "dan", "▁and", "▁paris", "</s>"] },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Tokenizer_SplitsTheDesignedWords_PerHuggingFaceTokenizers(EncoderTokenizerStyle style, string text, string[] expected)
    {
        HfTokenizerOracleTests.SkipUnlessOracleRuns();
        var model = TokenClassificationModelWriter.Write(TinyEncoderRun.NewFolder($"ner-{style}"), new TokenClassificationModelOptions { Tokenizer = style });

        Assert.Equal(expected, TinyEncoderRun.OracleTokens(model.Folder, model.Vocabulary, text));
        Assert.Equal(style == EncoderTokenizerStyle.WordPiece ? 3 : 2, TinyEncoderRun.InputNames(model.Folder).Count);
    }
}
