using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.TinyModels;

/// <summary>The tiny NLI models are what their design says.</summary>
public sealed class ZeroShotModelTests
{
    [Fact]
    public void Logits_AreTheSumsOverPremiseAndHypothesis()
    {
        var model = ZeroShotModelWriter.Write(TinyEncoderRun.NewFolder("nli-bert"));
        string[] Pair(string label) => ["[CLS]", "the", "game", "was", "great", "[SEP]", "this", "example", "is", label, ".", "[SEP]"];

        var (logits, shape) = TinyEncoderRun.Run(model.Folder, model.Vocabulary, Pair("sports"), Pair("politics"), Pair("cooking"))["logits"];

        Assert.Equal([3L, 3L], shape);
        // [contradiction, neutral, entailment]: game adds entailment 1 to all three.
        Assert.Equal([0f, 0f, 3f, 1f, 0f, 0f, 0.5f, 0f, 1f], logits);
        Assert.Equal(model.Logits(Pair("politics")), logits[3..6]);
        Assert.Equal(2, model.LabelId("entailment"));
    }

    [Fact]
    public void EntailmentFirstLabels_MoveTheDesignedColumns()
    {
        var model = ZeroShotModelWriter.Write(TinyEncoderRun.NewFolder("nli-upper"), new ZeroShotModelOptions
        {
            Labels = ["ENTAILMENT", "NEUTRAL", "CONTRADICTION"],
            TokenTypeIds = false,
        });

        var (logits, _) = TinyEncoderRun.Run(model.Folder, model.Vocabulary, ["[CLS]", "politics", "[SEP]"])["logits"];

        Assert.Equal([-1f, 0f, 1f], logits);
    }
}
