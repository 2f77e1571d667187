using Bytez.Engine.Tasks.PostProcessing;

namespace Bytez.Engine.Tests.Tasks.PostProcessing;

/// <summary>
/// <see cref="ZeroShotPostProcessor"/> and <see cref="ZeroShotParameters"/> against transformers 4.57's zero-shot
/// pipeline, on logits chosen by hand ([contradiction, neutral, entailment] per label, as bart-large-mnli).
/// </summary>
public sealed class ZeroShotPostProcessorTests
{
    private static readonly KeyValuePair<string, int>[] Mnli =
    [
        new("contradiction", 0), new("neutral", 1), new("entailment", 2),
    ];

    /// <summary>sports, politics, cooking with entailment logits 2, -1, 0 (contradiction and neutral 0).</summary>
    private static readonly float[] Logits = [0, 0, 2f, 0, 0, -1f, 0, 0, 0];

    private static readonly string[] Labels = ["sports", "politics", "cooking"];

    [Fact]
    public void SingleLabelMode_SoftmaxOfEntailmentAcrossLabels_Sorted()
    {
        var result = ZeroShotPostProcessor.Run("a match", Labels, Logits, 3, ZeroShotPostProcessor.EntailmentId(Mnli), multiLabel: false);

        // np.exp(x) / np.exp(x).sum(): three values summed in order.
        float e2 = MathF.Exp(2f), em1 = MathF.Exp(-1f), e0 = MathF.Exp(0f);
        var sum = e2 + em1 + e0;
        Assert.Equal("a match", result.Sequence);
        Assert.Equal(["sports", "cooking", "politics"], result.Labels);
        Assert.Equal([e2 / sum, e0 / sum, em1 / sum], result.Scores);
    }

    [Fact]
    public void MultiLabel_EachLabelIsSoftmaxOfContradictionAndEntailment()
    {
        var result = ZeroShotPostProcessor.Run("a match", Labels, Logits, 3, 2, multiLabel: true);

        // exp(e) / (exp(c) + exp(e)) with c = 0: sports e=2, cooking e=0, politics e=-1.
        Assert.Equal(["sports", "cooking", "politics"], result.Labels);
        Assert.Equal(
            [MathF.Exp(2f) / (1f + MathF.Exp(2f)), 1f / (1f + 1f), MathF.Exp(-1f) / (1f + MathF.Exp(-1f))],
            result.Scores);
    }

    [Fact]
    public void OneLabel_UsesTheMultiLabelRule()
    {
        var result = ZeroShotPostProcessor.Run("a match", ["politics"], [0, 0, -1f], 3, 2, multiLabel: false);

        Assert.Equal([MathF.Exp(-1f) / (1f + MathF.Exp(-1f))], result.Scores);
    }

    [Fact]
    public void EntailmentAtZero_ContradictionIsTheLastColumn()
    {
        // label2id {ENTAILMENT: 0, NOT_ENTAILMENT: 1}: entailment_id 0, so contradiction_id = -1 (the last column).
        KeyValuePair<string, int>[] label2Id = [new("ENTAILMENT", 0), new("NOT_ENTAILMENT", 1)];
        var entailment = ZeroShotPostProcessor.EntailmentId(label2Id);

        var result = ZeroShotPostProcessor.Run("x", ["a"], [1f, 3f], 2, entailment, multiLabel: true);

        Assert.Equal(0, entailment);
        Assert.Equal([MathF.Exp(1f) / (MathF.Exp(3f) + MathF.Exp(1f))], result.Scores);
    }

    [Fact]
    public void NoEntailLabel_UsesTheLastLogit()
    {
        var entailment = ZeroShotPostProcessor.EntailmentId([new("LABEL_0", 0), new("LABEL_1", 1)]);

        var result = ZeroShotPostProcessor.Run("x", ["a", "b"], [0f, 1f, 0f, 3f], 2, entailment, multiLabel: false);

        Assert.Equal(-1, entailment);
        Assert.Equal(["b", "a"], result.Labels);
        Assert.Equal([MathF.Exp(3f) / (MathF.Exp(1f) + MathF.Exp(3f)), MathF.Exp(1f) / (MathF.Exp(1f) + MathF.Exp(3f))], result.Scores);
    }

    [Fact]
    public void EntailmentId_IsTheFirstNameStartingWithEntail_InConfigOrder()
    {
        Assert.Equal(3, ZeroShotPostProcessor.EntailmentId([new("contradiction", 0), new("Entailed", 3), new("entailment", 2)]));
    }

    [Fact]
    public void Ties_ComeOutWithTheLaterLabelFirst()
    {
        // reversed(argsort(scores)): a stable ascending sort, reversed.
        var result = ZeroShotPostProcessor.Run("x", ["a", "b", "c"], new float[9], 3, 2, multiLabel: false);

        Assert.Equal(["c", "b", "a"], result.Labels);
    }

    [Fact]
    public void HugeLogits_OverflowToNaN_AsInPython()
    {
        var result = ZeroShotPostProcessor.Run("x", ["a", "b"], [0, 0, 100f, 0, 0, 0f], 3, 2, multiLabel: false);

        Assert.Contains(result.Scores, double.IsNaN);
    }

    [Fact]
    public void SplitLabels_OnCommas_Stripped_EmptiesDropped() =>
        Assert.Equal(["sports", "politics"], ZeroShotParameters.SplitLabels(" sports , politics,, "));

    [Fact]
    public void NoLabels_AreA400()
    {
        var e = Assert.Throws<EngineException>(() => ZeroShotParameters.Create([]));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("candidate_labels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_TemplateThisExampleIs_NotMultiLabel()
    {
        var p = ZeroShotParameters.Create(["a"]);

        Assert.Equal(("This example is {}.", false), (p.HypothesisTemplate, p.MultiLabel));
        Assert.Equal("This example is sports.", HypothesisTemplate.Format(p.HypothesisTemplate, "sports"));
    }

    [Fact]
    public void LegacyMultiClass_SetsMultiLabel() => Assert.True(ZeroShotParameters.Create(["a"], multiClass: true).MultiLabel);

    [Theory]
    [InlineData("The topic is {}.", "The topic is sports.")]
    [InlineData("{0} or {0}?", "sports or sports?")]
    [InlineData("{{{}}}", "{sports}")]
    public void Template_FormatsAsPythonStrFormat(string template, string expected) =>
        Assert.Equal(expected, HypothesisTemplate.Format(template, "sports"));

    [Theory]
    [InlineData("no field here")]
    [InlineData("The topic is {label}.")]
    [InlineData("{} and {}")]
    [InlineData("a } b {}")]
    public void Template_WithoutASingleLabelField_IsA400(string template)
    {
        var e = Assert.Throws<EngineException>(() => ZeroShotParameters.Create(["sports"], template));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("hypothesis_template", e.Message, StringComparison.Ordinal);
    }
}
