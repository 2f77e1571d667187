using System.Text.Json.Nodes;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.TinyModels;

/// <summary>The tiny cross-encoders are what their design says.</summary>
public sealed class RerankerModelTests
{
    [Fact]
    public void Logit_IsTheSumOverQueryAndDocument()
    {
        var model = RerankerModelWriter.Write(TinyEncoderRun.NewFolder("rerank-bert"));
        string[] query = ["[CLS]", "capital", "of", "france", "[SEP]"];

        var (logits, shape) = TinyEncoderRun.Run(model.Folder, model.Vocabulary,
            [.. query, "paris", "is", "the", "capital", "[SEP]"],
            [.. query, "berlin", "lies", "on", "a", "river", "[SEP]"])["logits"];

        Assert.Equal([2L, 1L], shape);
        Assert.Equal([5f, -1f], logits);
        Assert.Equal(model.Logit([.. query, "paris", "is", "the", "capital", "[SEP]"]), logits[0]);
        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], TinyEncoderRun.InputNames(model.Folder));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(model.Folder, "config.json")))!;
        Assert.Equal("LABEL_0", (string?)config["id2label"]!["0"]);
    }

    [Fact]
    public void SecondSegmentLogit_IsAddedPerTokenOfType1()
    {
        var model = RerankerModelWriter.Write(TinyEncoderRun.NewFolder("rerank-segment"), new RerankerModelOptions { SecondSegmentLogit = 0.5f });
        string[] query = ["capital", "of", "france"];
        string[] document = ["paris", "is", "the", "capital"];

        var (logits, _) = TinyEncoderRun.Run(model.Folder, model.Vocabulary, model.Vocabulary.Pair(query, document))["logits"];

        // 2 (query) + 3 (document) from the tokens, 0.5 for each of the 4 document tokens and the last [SEP].
        Assert.Equal([7.5f], logits);
        Assert.Equal(7.5f, model.PairLogit(query, document));
    }
}
