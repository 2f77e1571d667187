using System.Text.Json.Nodes;
using Bytez.Engine.Tests.Tokenization;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.TinyModels;

/// <summary>The tiny text classifiers are what their design says: real ONNX Runtime and Hugging Face's tokenizers agree with it.</summary>
public sealed class TextClassificationModelTests
{
    [Fact]
    public void Bert_GoodMovie_LogitsAreTheDesignedRows_AndPaddingChangesNothing()
    {
        var model = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder("tc-bert"));

        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], TinyEncoderRun.InputNames(model.Folder));
        var outputs = TinyEncoderRun.Run(model.Folder, model.Vocabulary,
            ["[CLS]", "good", "movie", "[SEP]"],
            ["[CLS]", "bad", "[SEP]"],
            ["[CLS]", "good", "[SEP]", "bad", "film", "[SEP]"]);

        var (logits, shape) = outputs["logits"];
        Assert.Equal([3L, 2L], shape);
        // The design: good adds [-2, 3], bad [3, -2], every other token nothing.
        Assert.Equal([-2f, 3f, 3f, -2f, 1f, 1f], logits);
        Assert.Equal(model.Logits("[CLS]", "good", "movie", "[SEP]"), logits[..2]);
    }

    [Fact]
    public void DistilBert_HasNoTokenTypes_AndOneLabelModelsHaveOneLogit()
    {
        var model = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder("tc-distilbert-1"), new TextClassificationModelOptions
        {
            TokenTypeIds = false,
            Labels = ["LABEL_0"],
        });

        Assert.Equal(["input_ids", "attention_mask"], TinyEncoderRun.InputNames(model.Folder));
        var (logits, shape) = TinyEncoderRun.Run(model.Folder, model.Vocabulary, ["[CLS]", "good", "good", "bad", "[SEP]"])["logits"];
        Assert.Equal([1L, 1L], shape);
        Assert.Equal([4f], logits);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(model.Folder, "config.json")))!;
        Assert.Equal("distilbert", (string?)config["model_type"]);
        Assert.Equal("LABEL_0", (string?)config["id2label"]!["0"]);
    }

    [Fact]
    public void Config_HoldsLabelsAndProblemType()
    {
        var model = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder("tc-multi"), new TextClassificationModelOptions
        {
            Labels = ["toxic", "insult", "threat"],
            ProblemType = "multi_label_classification",
        });

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(model.Folder, "config.json")))!;
        Assert.Equal("multi_label_classification", (string?)config["problem_type"]);
        Assert.Equal(2, (int)config["label2id"]!["threat"]!);
        Assert.Equal("BertForSequenceClassification", (string?)config["architectures"]![0]);
        Assert.Equal([-2f, 3f, 0f], model.Logits("good"));
    }

    public static TheoryData<EncoderTokenizerStyle, string, string[]> Encodings => new()
    {
        { EncoderTokenizerStyle.WordPiece, "The GOOD movie!", ["[CLS]", "the", "good", "movie", "!", "[SEP]"] },
        { EncoderTokenizerStyle.WordPiece, "a zebra", ["[CLS]", "a", "[UNK]", "[SEP]"] },
        { EncoderTokenizerStyle.ByteLevelBpe, "good movie, very bad", ["<s>", "good", "Ġmovie", ",", "Ġvery", "Ġbad", "</s>"] },
        { EncoderTokenizerStyle.ByteLevelBpe, "the film is not good", ["<s>", "the", "Ġfilm", "Ġis", "Ġnot", "Ġgood", "</s>"] },
        { EncoderTokenizerStyle.Unigram, "good movie, very bad", ["<s>", "▁good", "▁movie", ",", "▁very", "▁bad", "</s>"] },
        { EncoderTokenizerStyle.Unigram, "the film is not good", ["<s>", "▁the", "▁film", "▁is", "▁not", "▁good", "</s>"] },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Tokenizer_EncodesDesignedWordsAsOneTokenEach_PerHuggingFaceTokenizers(EncoderTokenizerStyle style, string text, string[] expected)
    {
        HfTokenizerOracleTests.SkipUnlessOracleRuns();
        var model = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder($"tc-{style}"), new TextClassificationModelOptions { Tokenizer = style });

        Assert.Equal(expected, TinyEncoderRun.OracleTokens(model.Folder, model.Vocabulary, text));
    }

    [Theory]
    [InlineData(EncoderTokenizerStyle.ByteLevelBpe)]
    [InlineData(EncoderTokenizerStyle.Unigram)]
    public void OtherFamilies_WeighEverySpellingOfAWord(EncoderTokenizerStyle style)
    {
        var model = TextClassificationModelWriter.Write(TinyEncoderRun.NewFolder($"tc-w-{style}"), new TextClassificationModelOptions { Tokenizer = style });

        Assert.Equal(["input_ids", "attention_mask"], TinyEncoderRun.InputNames(model.Folder));
        var v = model.Vocabulary;
        string[] row = style == EncoderTokenizerStyle.ByteLevelBpe ? ["<s>", "good", "Ġmovie", "Ġbad", "Ġgood", "</s>"] : ["<s>", "▁good", "▁movie", "▁bad", "▁good", "</s>"];
        var (logits, _) = TinyEncoderRun.Run(model.Folder, v, row)["logits"];
        Assert.Equal([-1f, 4f], logits);
    }
}
