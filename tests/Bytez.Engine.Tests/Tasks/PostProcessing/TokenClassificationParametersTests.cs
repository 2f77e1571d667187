using Bytez.Engine.Tasks.PostProcessing;

namespace Bytez.Engine.Tests.Tasks.PostProcessing;

/// <summary><see cref="TokenClassificationParameters"/>: the pipeline's parameter rules (transformers 4.57).</summary>
public sealed class TokenClassificationParametersTests
{
    [Fact]
    public void Defaults_NoneIgnoringO()
    {
        var p = TokenClassificationParameters.Create(null, null, null, 512);

        Assert.Equal((AggregationStrategy.None, "O", null), (p.Strategy, Assert.Single(p.IgnoreLabels), p.Stride));
    }

    [Fact]
    public void StrategyNames_AnyCase() =>
        Assert.Equal(AggregationStrategy.Max, TokenClassificationParameters.Create("MAX", null, null, 512).Strategy);

    [Fact]
    public void UnknownStrategy_IsA400ListingTheNames()
    {
        var e = Assert.Throws<EngineException>(() => TokenClassificationParameters.Create("longest", null, null, 512));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("none, simple, first, average, max", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, true, AggregationStrategy.First)]
    [InlineData(true, false, AggregationStrategy.Simple)]
    [InlineData(false, true, AggregationStrategy.None)]
    public void LegacyGroupedEntities_DecideTheStrategy_OverridingAggregationStrategy(bool grouped, bool ignoreSubwords, AggregationStrategy expected) =>
        Assert.Equal(expected, TokenClassificationParameters.Create("average", null, null, 512, grouped, ignoreSubwords).Strategy);

    [Fact]
    public void Stride_WithExplicitNone_IsA400()
    {
        var e = Assert.Throws<EngineException>(() => TokenClassificationParameters.Create("none", null, 16, 512));

        Assert.Contains("aggregation_strategy", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stride_WithoutAStrategy_IsAccepted_AsInPython() =>
        Assert.Equal(16, TokenClassificationParameters.Create(null, null, 16, 512).Stride);

    [Theory]
    [InlineData(512)]
    [InlineData(-1)]
    public void Stride_OutOfRange_IsA400(int stride)
    {
        var e = Assert.Throws<EngineException>(() => TokenClassificationParameters.Create("simple", null, stride, 512));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("`stride`", e.Message, StringComparison.Ordinal);
    }
}
