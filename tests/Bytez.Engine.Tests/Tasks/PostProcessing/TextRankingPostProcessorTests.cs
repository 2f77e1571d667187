using Bytez.Engine.Tasks.PostProcessing;

namespace Bytez.Engine.Tests.Tasks.PostProcessing;

/// <summary>
/// <see cref="TextRankingPostProcessor"/> and <see cref="CrossEncoderActivations"/> against sentence-transformers
/// 5.1's <c>CrossEncoder.rank</c>, on chosen logits.
/// </summary>
public sealed class TextRankingPostProcessorTests
{
    private static readonly string[] Documents = ["zero", "one", "two", "three"];

    [Fact]
    public void Rank_SigmoidScores_SortedStably()
    {
        // Logits 0, 2, -1, 2: documents 1 and 3 tie and keep their order.
        var ranked = TextRankingPostProcessor.Rank([0f, 2f, -1f, 2f], CrossEncoderActivation.Sigmoid, Documents, TextRankingParameters.Create());

        var s2 = 1f / (1f + MathF.Exp(-2f));
        Assert.Equal(
            [
                new RankedDocument(1, s2, null),
                new RankedDocument(3, s2, null),
                new RankedDocument(0, 0.5f, null),
                new RankedDocument(2, 1f / (1f + MathF.Exp(1f)), null),
            ],
            ranked);
    }

    [Fact]
    public void Rank_TopKAndReturnDocuments()
    {
        var ranked = TextRankingPostProcessor.Rank([0f, 2f, -1f, 3f], CrossEncoderActivation.Identity, Documents, TextRankingParameters.Create(2, true));

        Assert.Equal([new RankedDocument(3, 3f, "three"), new RankedDocument(1, 2f, "one")], ranked);
    }

    [Theory]
    [InlineData(null, 1, CrossEncoderActivation.Sigmoid)]
    [InlineData(null, 3, CrossEncoderActivation.Identity)]
    [InlineData("torch.nn.modules.linear.Identity", 1, CrossEncoderActivation.Identity)]
    [InlineData("torch.nn.Sigmoid", 3, CrossEncoderActivation.Sigmoid)]
    [InlineData("torch.nn.modules.activation.Tanh", 1, CrossEncoderActivation.Tanh)]
    [InlineData("my_package.MyActivation", 1, CrossEncoderActivation.Sigmoid)]
    public void Activation_FromTheConfig_OrTheLabelCount(string? configured, int labels, CrossEncoderActivation expected) =>
        Assert.Equal(expected, CrossEncoderActivations.Resolve(configured, labels));

    [Fact]
    public void Activation_UnknownTorchFunction_IsRefused()
    {
        var e = Assert.Throws<EngineException>(() => CrossEncoderActivations.Resolve("torch.nn.modules.activation.ReLU", 1));

        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
    }

    [Fact]
    public void TwoLabelModel_CannotRank()
    {
        var e = Assert.Throws<EngineException>(() => TextRankingPostProcessor.RequireOneLabel(2, "org/nli"));

        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
    }

    [Fact]
    public void TopK_Zero_IsA400()
    {
        var e = Assert.Throws<EngineException>(() => TextRankingParameters.Create(0));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("top_k", e.Message, StringComparison.Ordinal);
    }
}
