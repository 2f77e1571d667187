using Bytez.Engine.Tests.Tokenization;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.TinyModels;

/// <summary>The tiny masked language models are what their design says.</summary>
public sealed class FillMaskModelTests
{
    [Theory]
    [InlineData(EncoderTokenizerStyle.WordPiece)]
    [InlineData(EncoderTokenizerStyle.ByteLevelBpe)]
    [InlineData(EncoderTokenizerStyle.Unigram)]
    public void Logits_AreTheMaskRowAtMasks_AndZeroElsewhere(EncoderTokenizerStyle style)
    {
        var model = FillMaskModelWriter.Write(TinyEncoderRun.NewFolder($"fill-{style}"), new FillMaskModelOptions { Tokenizer = style });
        var v = model.Vocabulary;
        string[] row = [v.Cls, v.Word("paris"), v.Word("is"), v.Word("the"), v.Mask, v.Word("of"), v.Word("france"), v.Sep];

        var (logits, shape) = TinyEncoderRun.Run(model.Folder, v, row)["logits"];

        Assert.Equal([1L, row.Length, v.Size], shape);
        for (var s = 0; s < row.Length; s++)
        {
            var at = logits.AsSpan(s * v.Size, v.Size).ToArray();
            Assert.Equal(s == 4 ? model.MaskRow : new float[v.Size], at);
        }

        Assert.Equal(6f, model.MaskRow[v[v.Word("capital")]]);
        Assert.Equal(4f, model.MaskRow[v[v.Word("city")]]);
        Assert.Equal(2f, model.MaskRow[v[v.Word("river")]]);
        Assert.Equal(12f, model.MaskRow.Sum());
    }

    public static TheoryData<EncoderTokenizerStyle, string, string[]> Encodings => new()
    {
        { EncoderTokenizerStyle.WordPiece, "Paris is the [MASK] of France.", ["[CLS]", "paris", "is", "the", "[MASK]", "of", "france", ".", "[SEP]"] },
        { EncoderTokenizerStyle.ByteLevelBpe, "paris is the <mask> of france.", ["<s>", "paris", "Ġis", "Ġthe", "<mask>", "Ġof", "Ġfrance", ".", "</s>"] },
        { EncoderTokenizerStyle.Unigram, "paris is the <mask> of france.", ["<s>", "▁paris", "▁is", "▁the", "<mask>", "▁of", "▁france", ".", "</s>"] },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Tokenizer_MatchesTheMaskToken_PerHuggingFaceTokenizers(EncoderTokenizerStyle style, string text, string[] expected)
    {
        HfTokenizerOracleTests.SkipUnlessOracleRuns();
        var model = FillMaskModelWriter.Write(TinyEncoderRun.NewFolder($"fill-tok-{style}"), new FillMaskModelOptions { Tokenizer = style });

        Assert.Equal(expected, TinyEncoderRun.OracleTokens(model.Folder, model.Vocabulary, text));
    }
}
