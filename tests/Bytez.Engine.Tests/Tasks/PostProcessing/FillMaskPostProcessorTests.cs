using Bytez.Engine.Tasks.PostProcessing;

namespace Bytez.Engine.Tests.Tasks.PostProcessing;

/// <summary>
/// <see cref="FillMaskPostProcessor"/> and <see cref="FillMaskParameters"/> against transformers 4.57's fill-mask
/// pipeline, on a ten-token vocabulary whose logits at the mask are 0 except capital 6, city 4, river 2.
/// </summary>
public sealed class FillMaskPostProcessorTests
{
    private static readonly string[] Vocabulary = ["[PAD]", "[CLS]", "[SEP]", "[MASK]", "paris", "is", "the", "capital", "city", "river"];
    private const int Pad = 0, Mask = 3, Capital = 7, City = 8, River = 9;

    /// <summary>A decoder that joins token strings with spaces, skipping [PAD]/[CLS]/[SEP]/[MASK] when asked.</summary>
    private static string Decode(IReadOnlyList<int> ids, bool skipSpecial) =>
        string.Join(' ', ids.Where(id => !skipSpecial || id > Mask).Select(id => Vocabulary[id]));

    /// <summary>[CLS] paris is the [MASK] [SEP], with the mask row as designed.</summary>
    private static readonly int[] Input = [1, 4, 5, 6, Mask, 2];

    private static float[] Logits(int[] input)
    {
        var logits = new float[input.Length * Vocabulary.Length];
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] == Mask)
            {
                logits[(i * Vocabulary.Length) + Capital] = 6f;
                logits[(i * Vocabulary.Length) + City] = 4f;
                logits[(i * Vocabulary.Length) + River] = 2f;
            }
        }

        return logits;
    }

    /// <summary>torch's softmax of the mask row: exp(x − 6) times the reciprocal of Σ (7 zeros, 2, 4, 6).</summary>
    private static float P(float logit)
    {
        var z = MathF.Exp(-6f);
        var sum = (7 * (double)z) + MathF.Exp(-4f) + MathF.Exp(-2f) + 1.0;
        return (float)(MathF.Exp(logit - 6f) / sum);
    }

    private static FillMaskParameters Parameters(int? topK = null, IReadOnlyList<string>? targets = null) =>
        FillMaskParameters.Create(
            Vocabulary.Length,
            w => Array.IndexOf(Vocabulary, w) is var i and >= 0 ? i : null,
            w => w.StartsWith("cap", StringComparison.Ordinal) ? Capital : null,
            topK,
            targets);

    private static IReadOnlyList<IReadOnlyList<FillMaskCandidate>> Run(int[] input, FillMaskParameters parameters) =>
        FillMaskPostProcessor.Run(input, Logits(input), Vocabulary.Length, Mask, "[MASK]", Pad, parameters, Decode);

    [Fact]
    public void TopTwo_SortedWithScoresTokensAndSequences()
    {
        var row = Assert.Single(Run(Input, Parameters(topK: 2)));

        Assert.Equal([(Capital, "capital", "paris is the capital"), (City, "city", "paris is the city")], row.Select(c => (c.Token, c.TokenStr, c.Sequence)));
        Assert.Equal(P(6f), row[0].Score, 1e-7);
        Assert.Equal(P(4f), row[1].Score, 1e-7);
    }

    [Fact]
    public void DefaultTopFive_EqualProbabilities_ByAscendingId()
    {
        var row = Assert.Single(Run(Input, Parameters()));

        Assert.Equal([Capital, City, River, Pad, 1], row.Select(c => c.Token));
    }

    [Fact]
    public void Targets_RestrictWithoutRenormalising_AndCapTopK()
    {
        var row = Assert.Single(Run(Input, Parameters(topK: 5, targets: ["river", "city"])));

        Assert.Equal([City, River], row.Select(c => c.Token));
        Assert.Equal(P(4f), row[0].Score, 1e-7);
        Assert.Equal(P(2f), row[1].Score, 1e-7);
    }

    [Fact]
    public void Target_NotInTheVocabulary_UsesItsFirstToken_AndDuplicatesCollapse()
    {
        var parameters = Parameters(targets: ["capitals", "capital"]);

        Assert.Equal([Capital], parameters.TargetIds);
    }

    [Fact]
    public void Targets_NoneKnown_AreA400()
    {
        var e = Assert.Throws<EngineException>(() => Parameters(targets: ["zzz"]));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("targets", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public void TopK_OutOfRange_IsA400(int topK)
    {
        var e = Assert.Throws<EngineException>(() => Parameters(topK: topK));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("top_k", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoMask_IsA400NamingTheMaskToken()
    {
        var e = Assert.Throws<EngineException>(() => FillMaskPostProcessor.MaskPositions([1, 4, 2], Mask, "[MASK]"));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("[MASK]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoMasks_AListPerMask_SequencesKeepSpecialTokens()
    {
        int[] input = [1, Mask, 5, 6, Mask, 2];

        var rows = Run(input, Parameters(topK: 1));

        Assert.Equal(2, rows.Count);
        Assert.Equal("[CLS] capital is the [MASK] [SEP]", Assert.Single(rows[0]).Sequence);
        Assert.Equal("[CLS] [MASK] is the capital [SEP]", Assert.Single(rows[1]).Sequence);
    }

    [Fact]
    public void PadTokens_AreRemovedFromTheSequence()
    {
        int[] input = [1, 4, Mask, 2, Pad, Pad];

        var row = Assert.Single(Run(input, Parameters(topK: 1)));

        Assert.Equal("paris capital", row[0].Sequence);
    }
}
