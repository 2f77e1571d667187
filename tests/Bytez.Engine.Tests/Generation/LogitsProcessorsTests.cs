using Bytez.Engine.Generation;

namespace Bytez.Engine.Tests.Generation;

/// <summary>
/// OpenAI's presence and frequency penalties in <see cref="LogitsProcessors"/>: <c>logit[t] -= presence * [count[t] &gt; 0]
/// + frequency * count[t]</c> over the generated tokens, checked against hand computations.
/// </summary>
public sealed class LogitsProcessorsTests
{
    private static readonly int[] NoEos = [];

    [Fact]
    public void Apply_PresenceAndFrequency_SubtractPerGeneratedCount()
    {
        // Prompt [0, 1] (2 tokens), generated [2, 2, 3]: count[2] = 2, count[3] = 1, tokens 0 and 1 only in the prompt.
        var settings = new GenerationSettings { PresencePenalty = 0.5, FrequencyPenalty = 0.25 };
        var processors = new LogitsProcessors(settings, NoEos, promptLength: 2, maxLength: 100);
        float[] scores = [1f, 1f, 1f, 1f, 1f];

        processors.Apply(scores, [0, 1, 2, 2, 3]);

        // token 2: 1 - (0.5 + 0.25 * 2) = 0; token 3: 1 - (0.5 + 0.25 * 1) = 0.25; the prompt's tokens and 4 unchanged.
        Assert.Equal([1f, 1f, 0f, 0.25f, 1f], scores);
    }

    [Fact]
    public void Apply_NegativePenalties_FavourGeneratedTokens()
    {
        var settings = new GenerationSettings { PresencePenalty = -1, FrequencyPenalty = -2 };
        var processors = new LogitsProcessors(settings, NoEos, promptLength: 1, maxLength: 100);
        float[] scores = [0f, 0f, 0f];

        processors.Apply(scores, [0, 1, 1, 1]);

        // token 1: 0 - (-1 + -2 * 3) = 7; token 0 is the prompt's.
        Assert.Equal([0f, 7f, 0f], scores);
    }

    [Fact]
    public void Apply_NothingGeneratedYet_LeavesScores()
    {
        var settings = new GenerationSettings { PresencePenalty = 2, FrequencyPenalty = 2 };
        var processors = new LogitsProcessors(settings, NoEos, promptLength: 3, maxLength: 100);
        float[] scores = [0.5f, -0.5f, 2f];

        processors.Apply(scores, [0, 1, 2]);

        Assert.Equal([0.5f, -0.5f, 2f], scores);
    }

    [Fact]
    public void Next_FrequencyPenalty_ChangesTheGreedyChoice()
    {
        // Greedy: token 0 leads by 1.0; generated twice with frequency 0.6 it loses 1.2 and token 1 wins.
        var sampler = new TokenSampler(new GenerationSettings { FrequencyPenalty = 0.6 }, NoEos);

        Assert.Equal(0, sampler.Next([3f, 2f, 0f], [5, 0], 1));
        Assert.Equal(1, sampler.Next([3f, 2f, 0f], [5, 0, 0], 1));
    }

    [Theory]
    [InlineData("presence_penalty")]
    [InlineData("frequency_penalty")]
    public void Parse_PenaltyOutOfRange_RefusedSayingTheRange(string name)
    {
        using var document = System.Text.Json.JsonDocument.Parse($"{{\"{name}\": 2.5}}");

        var e = Assert.Throws<EngineException>(() => GenerationSettings.Parse(document.RootElement, new GenerationDefaults(), 10));

        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.Contains("from -2 to 2", e.Message, StringComparison.Ordinal);
    }
}
