using Bytez.Engine.Generation;

namespace Bytez.Engine.Tests.Generation;

/// <summary>
/// <see cref="TokenSampler"/> against Hugging Face <c>generate</c>'s logits processors and warpers, on hand-made
/// logits whose answers are worked out by hand in the comments.
/// </summary>
public sealed class SamplingTests
{
    private static readonly int[] NoEos = [];

    /// <summary>Greedy settings with no warpers in the way.</summary>
    private static GenerationSettings Greedy => new() { DoSample = false };

    /// <summary>Sampling settings with every warper off (Hugging Face's top_k 50 default disabled too).</summary>
    private static GenerationSettings Sampling => new() { DoSample = true, TopK = 0, Seed = 1234 };

    [Fact]
    public void Next_Greedy_TakesTheArgMax()
    {
        var sampler = new TokenSampler(Greedy, NoEos);

        Assert.Equal(2, sampler.Next([0.5f, -1f, 3f, 2.9f], [7], 1));
    }

    [Fact]
    public void Next_GreedyTie_TakesTheFirst()
    {
        var sampler = new TokenSampler(Greedy, NoEos);

        Assert.Equal(1, sampler.Next([1f, 3f, 2f, 3f], [0], 1));
    }

    [Fact]
    public void Next_GreedyWithTemperatureTopKTopP_IgnoresTheWarpers()
    {
        // Without do_sample Hugging Face ignores the warpers: typical_p 0.2 alone would keep only token 1 (see below).
        var sampler = new TokenSampler(Greedy with { Temperature = 0.1, TopK = 1, TopP = 0.1, TypicalP = 0.2 }, NoEos);

        Assert.Equal(0, sampler.Next([3f, 2f, 1f, 0f], [0], 1));
    }

    [Fact]
    public void Next_RepetitionPenalty_DividesPositiveLogitsOfSeenTokens()
    {
        // Token 0 (3) was seen: 3 / 2 = 1.5 < 2 (token 2, unseen). Without the penalty token 0 wins.
        var penalized = new TokenSampler(Greedy with { RepetitionPenalty = 2 }, NoEos);
        var plain = new TokenSampler(Greedy, NoEos);
        float[] logits = [3f, -1f, 2f, -0.5f];

        Assert.Equal(2, penalized.Next(logits, [0, 1], 1));
        Assert.Equal(0, plain.Next(logits, [0, 1], 1));
    }

    [Fact]
    public void Next_RepetitionPenalty_MultipliesNegativeLogitsOfSeenTokens()
    {
        // Token 0 (-1) was seen: -1 * 2 = -2 < -1.5 (token 1). Dividing instead (-0.5) would keep token 0 on top.
        var sampler = new TokenSampler(Greedy with { RepetitionPenalty = 2 }, NoEos);

        Assert.Equal(1, sampler.Next([-1f, -1.5f, -3f], [0], 1));
    }

    [Fact]
    public void Next_RepetitionPenalty_CountsPromptTokens()
    {
        // Token 0 is only in the prompt (promptLength = 2 = all tokens): still penalized, 3 / 2 = 1.5 < 2.
        var sampler = new TokenSampler(Greedy with { RepetitionPenalty = 2 }, NoEos);

        Assert.Equal(1, sampler.Next([3f, 2f, 0f], [2, 0], 2));
    }

    [Fact]
    public void Next_RepetitionPenaltyBelowOne_FavoursSeenTokens()
    {
        // penalty 0.5: token 1 (2) seen → 2 / 0.5 = 4 > 3.
        var sampler = new TokenSampler(Greedy with { RepetitionPenalty = 0.5 }, NoEos);

        Assert.Equal(1, sampler.Next([3f, 2f, 0f], [1], 1));
    }

    [Fact]
    public void Next_RepetitionPenaltyTwice_PenalizesARepeatedTokenOnce()
    {
        // Token 0 seen three times is divided once: 8 / 2 = 4 > 3. Dividing three times (1) would pick token 1.
        var sampler = new TokenSampler(Greedy with { RepetitionPenalty = 2 }, NoEos);

        Assert.Equal(0, sampler.Next([8f, 3f], [0, 0, 0], 1));
    }

    [Fact]
    public void Next_NoRepeatNgramSize2_BansExactlyTheTokensCompletingASeenBigram()
    {
        // Sequence 0 1 2 0 3 0: the last token is 0, bigrams starting with 0 are (0,1) and (0,3) → ban {1, 3}.
        var banned = Banned(Greedy with { NoRepeatNgramSize = 2 }, NoEos, [0, 1, 2, 0, 3, 0], promptLength: 2, vocabulary: 6);

        Assert.Equal([1, 3], banned);
    }

    [Fact]
    public void Next_NoRepeatNgramSize3_BansOnlyWhenTheLastTwoTokensRepeat()
    {
        // Sequence 5 1 2 5 1: the last two (5, 1) started the trigram (5, 1, 2) → ban {2}; (1, 2) elsewhere does not matter.
        Assert.Equal([2], Banned(Greedy with { NoRepeatNgramSize = 3 }, NoEos, [5, 1, 2, 5, 1], 1, vocabulary: 6));

        // Sequence 5 1 2 1 5: the last two (1, 5) never appeared before → nothing banned.
        Assert.Empty(Banned(Greedy with { NoRepeatNgramSize = 3 }, NoEos, [5, 1, 2, 1, 5], 1, vocabulary: 6));
    }

    [Fact]
    public void Next_NoRepeatNgramSizeLongerThanTheSequence_BansNothing()
    {
        Assert.Empty(Banned(Greedy with { NoRepeatNgramSize = 4 }, NoEos, [1, 1], 1, vocabulary: 3));
    }

    [Fact]
    public void Next_NoRepeatNgramSize1_BansEverySeenToken()
    {
        Assert.Equal([0, 3], Banned(Greedy with { NoRepeatNgramSize = 1 }, NoEos, [3, 0, 3], 1, vocabulary: 5));
    }

    [Fact]
    public void Next_BadWordsSingleToken_AlwaysBanned()
    {
        var settings = Greedy with { BadWordsIds = [[3], [1]] };

        Assert.Equal([1, 3], Banned(settings, NoEos, [0], 1, vocabulary: 5));
        Assert.Equal([1, 3], Banned(settings, NoEos, [4, 4, 2], 1, vocabulary: 5));
    }

    [Fact]
    public void Next_BadWordsMultiToken_BansTheLastTokenOnlyAfterTheRestOfTheSequence()
    {
        var settings = Greedy with { BadWordsIds = [[1, 2, 3]] };

        Assert.Empty(Banned(settings, NoEos, [0, 1], 1, vocabulary: 5));
        Assert.Empty(Banned(settings, NoEos, [2, 1], 1, vocabulary: 5));
        Assert.Equal([3], Banned(settings, NoEos, [0, 1, 2], 1, vocabulary: 5));
        Assert.Equal([3], Banned(settings, NoEos, [1, 2], 2, vocabulary: 5));
    }

    [Fact]
    public void Next_MinNewTokens_SuppressesEosUntilReached()
    {
        // Prompt of 3 tokens, min_new_tokens 2: EOS (4) banned after 0 and 1 new tokens, allowed after 2.
        var settings = Greedy with { MinNewTokens = 2 };
        int[] eos = [4];

        Assert.Equal([4], Banned(settings, eos, [0, 1, 2], 3, vocabulary: 5));
        Assert.Equal([4], Banned(settings, eos, [0, 1, 2, 0], 3, vocabulary: 5));
        Assert.Empty(Banned(settings, eos, [0, 1, 2, 0, 1], 3, vocabulary: 5));
    }

    [Fact]
    public void Next_MinLength_CountsThePrompt()
    {
        // min_length 5 with a prompt of 3: EOS banned while the sequence holds 3 or 4 tokens, allowed at 5.
        var settings = Greedy with { MinLength = 5 };
        int[] eos = [3, 4];

        Assert.Equal([3, 4], Banned(settings, eos, [0, 1, 2], 3, vocabulary: 5));
        Assert.Equal([3, 4], Banned(settings, eos, [0, 1, 2, 0], 3, vocabulary: 5));
        Assert.Empty(Banned(settings, eos, [0, 1, 2, 0, 1], 3, vocabulary: 5));

        // A prompt already as long as min_length: nothing banned.
        Assert.Empty(Banned(settings, eos, [0, 1, 2, 0, 1], 5, vocabulary: 5));
    }

    [Fact]
    public void Next_SamplingNoWarpers_DrawsTheSoftmax()
    {
        float[] logits = [1f, 0f, 2f, -1f];
        AssertDistribution(Sampling, logits, Softmax(logits));
    }

    [Fact]
    public void Next_Temperature_DividesTheLogits()
    {
        // T = 0.5: logits [0, 1] become [0, 2]: p = [1 / (1 + e²), e² / (1 + e²)] = [0.1192, 0.8808].
        AssertDistribution(Sampling with { Temperature = 0.5 }, [0f, 1f], [1 / (1 + Math.Exp(2)), Math.Exp(2) / (1 + Math.Exp(2))]);

        // T = 2: [0, 2] become [0, 1].
        AssertDistribution(Sampling with { Temperature = 2 }, [0f, 2f], [1 / (1 + Math.E), Math.E / (1 + Math.E)]);
    }

    [Fact]
    public void Next_TopK_KeepsTheKMostLikely()
    {
        // top_k 2 on [1, 3, 2, 0]: tokens 1 and 2 with softmax([3, 2]).
        AssertDistribution(Sampling with { TopK = 2 }, [1f, 3f, 2f, 0f], [0, Math.E / (Math.E + 1), 1 / (Math.E + 1), 0]);
    }

    [Fact]
    public void Next_TopK_KeepsTokensTiedWithTheKth()
    {
        // top_k 2 on [5, 4, 4, 1]: the 2nd score is 4 and token 2 ties it → kept {0, 1, 2} (Hugging Face: scores < kth removed).
        var z = Math.Exp(5) + (2 * Math.Exp(4));
        AssertDistribution(Sampling with { TopK = 2 }, [5f, 4f, 4f, 1f], [Math.Exp(5) / z, Math.Exp(4) / z, Math.Exp(4) / z, 0]);
    }

    [Fact]
    public void Next_TopKLargerThanVocabulary_KeepsAll()
    {
        float[] logits = [0f, 1f, 2f];
        AssertDistribution(Sampling with { TopK = 10 }, logits, Softmax(logits));
    }

    [Fact]
    public void Next_TopP_KeepsTheSmallestSetReachingP()
    {
        // softmax([3, 2, 1, 0]) = [0.6439, 0.2369, 0.0871, 0.0321]. top_p 0.85: 0.6439 < 0.85 ≤ 0.8808 → keep {0, 1}.
        // (Ascending cumulative 0.0321, 0.1192 ≤ 0.15 are removed; 0.3561 > 0.15 is kept.)
        var p = Softmax([3f, 2f, 1f, 0f]);
        AssertDistribution(Sampling with { TopP = 0.85 }, [3f, 2f, 1f, 0f], Renormalize(p, 0, 1));

        // top_p 0.9 needs token 2 as well: 0.8808 < 0.9 ≤ 0.9679.
        AssertDistribution(Sampling with { TopP = 0.9 }, [3f, 2f, 1f, 0f], Renormalize(p, 0, 1, 2));

        // top_p 0.5 keeps the top token alone; a tiny top_p still keeps one token.
        AssertDistribution(Sampling with { TopP = 0.5 }, [3f, 2f, 1f, 0f], [1, 0, 0, 0]);
        AssertDistribution(Sampling with { TopP = 1e-6 }, [3f, 2f, 1f, 0f], [1, 0, 0, 0]);
    }

    [Fact]
    public void Next_TopPAtTheBoundary_RemovesTokensWhoseAscendingCumulativeIsAtMostOneMinusP()
    {
        // Four equal logits: exactly 0.25 each, cumulative (ascending) 0.25, 0.5, 0.75, 1 with no rounding.
        // top_p 0.5: 1 - p = 0.5, so 0.25 and 0.5 (≤ 0.5) are removed → exactly 2 kept (they reach 0.5 = p exactly).
        float[] equal = [0f, 0f, 0f, 0f];
        Assert.Equal(2, KeptCount(Sampling with { TopP = 0.5 }, equal));

        // top_p 0.75 → 1 - p = 0.25: one removed, 3 kept. Just above 0.5 → 3 kept; just below → 2.
        Assert.Equal(3, KeptCount(Sampling with { TopP = 0.75 }, equal));
        Assert.Equal(3, KeptCount(Sampling with { TopP = 0.5000001 }, equal));
        Assert.Equal(2, KeptCount(Sampling with { TopP = 0.4999999 }, equal));
        Assert.Equal(1, KeptCount(Sampling with { TopP = 0.25 }, equal));
        Assert.Equal(2, KeptCount(Sampling with { TopP = 0.2500001 }, equal));
    }

    [Fact]
    public void Next_TopKThenTopP_TopPSeesTheRenormalizedTopK()
    {
        // top_k 2 on [3, 2, 1, 0] leaves softmax([3, 2]) = [0.731, 0.269]; top_p 0.7 then keeps only token 0
        // (over the full softmax, 0.6439 < 0.7 would have kept token 1 too).
        AssertDistribution(Sampling with { TopK = 2, TopP = 0.7 }, [3f, 2f, 1f, 0f], [1, 0, 0, 0]);
    }

    [Fact]
    public void Next_MinP_KeepsTokensAtLeastMinPTimesTheTopProbability()
    {
        // p_i / p_max = e^(l_i - 2) on [2, 1, 0, -1] = 1, 0.3679, 0.1353, 0.0498.
        float[] logits = [2f, 1f, 0f, -1f];
        var p = Softmax(logits);
        AssertDistribution(Sampling with { MinP = 0.36 }, logits, Renormalize(p, 0, 1));
        AssertDistribution(Sampling with { MinP = 0.37 }, logits, [1, 0, 0, 0]);
        AssertDistribution(Sampling with { MinP = 0.1 }, logits, Renormalize(p, 0, 1, 2));
        AssertDistribution(Sampling with { MinP = 0.04 }, logits, p);
    }

    [Fact]
    public void Next_TypicalP_KeepsTheTokensClosestToTheEntropy()
    {
        // p = softmax([3, 2, 1, 0]) = [0.6439, 0.2369, 0.0871, 0.0321]; surprisal -ln p = [0.4402, 1.4402, 2.4402, 3.4402];
        // entropy H = Σ p·(-ln p) = 0.2835 + 0.3412 + 0.2126 + 0.1104 = 0.9477;
        // |surprisal - H| = [0.5075, 0.4925, 1.4925, 2.4925] → order by closeness: 1, 0, 2, 3 with masses 0.2369, 0.6439, ...
        // Hugging Face keeps through the first position whose cumulative mass reaches typical_p.
        float[] logits = [3f, 2f, 1f, 0f];
        var p = Softmax(logits);

        // typical_p 0.2: 0.2369 ≥ 0.2 at once → only token 1 (not the most likely one).
        AssertDistribution(Sampling with { TypicalP = 0.2 }, logits, [0, 1, 0, 0]);

        // typical_p 0.5: 0.2369 < 0.5 ≤ 0.8808 → tokens 1 and 0.
        AssertDistribution(Sampling with { TypicalP = 0.5 }, logits, Renormalize(p, 0, 1));

        // typical_p 0.95: 0.8808 < 0.95 ≤ 0.9679 → tokens 1, 0, 2.
        AssertDistribution(Sampling with { TypicalP = 0.95 }, logits, Renormalize(p, 0, 1, 2));
    }

    [Fact]
    public void Next_TypicalPOnEqualProbabilities_KeepsEveryTokenTiedWithTheCut()
    {
        // Uniform over 4: every token is exactly as far from the entropy (0), so Hugging Face's
        // `sorted_scores > sorted_scores[last_ind]` removes none of them, whatever the mass.
        float[] equal = [0f, 0f, 0f, 0f];
        Assert.Equal(4, KeptCount(Sampling with { TypicalP = 0.3 }, equal));
    }

    [Fact]
    public void Next_WarpersInHuggingFaceOrder_TemperatureBeforeTopP()
    {
        // T = 0.5 makes [1, 0.5, 0] into [2, 1, 0]: p = [0.6652, 0.2447, 0.0900]; top_p 0.65 keeps token 0 alone.
        // Applying top_p first (softmax([1, 0.5, 0]) = [0.5065, 0.3072, 0.1863]) would keep {0, 1} and draw token 1 too.
        AssertDistribution(Sampling with { Temperature = 0.5, TopP = 0.65 }, [1f, 0.5f, 0f], [1, 0, 0]);
    }

    [Fact]
    public void Next_SamplingWithBans_NeverDrawsABannedToken()
    {
        // Processors apply before sampling: bad word 0 and EOS 2 (min_new_tokens) excluded, the rest keeps its softmax.
        var settings = Sampling with { BadWordsIds = [[0]], MinNewTokens = 5 };
        float[] logits = [5f, 1f, 5f, 0f];
        var p = Softmax(logits);
        AssertDistribution(settings, logits, Renormalize(p, 1, 3), eos: [2]);
    }

    [Fact]
    public void Next_SameSeed_SameDraws()
    {
        float[] logits = [0f, 0.3f, 0.1f, 0.2f, 0.05f, 0.4f];
        var a = Draws(new TokenSampler(Sampling with { Seed = 77 }, NoEos), logits, 200);
        var b = Draws(new TokenSampler(Sampling with { Seed = 77 }, NoEos), logits, 200);

        Assert.Equal(a, b);
    }

    [Fact]
    public void Next_DifferentSeedsOrOffsets_DifferentDraws()
    {
        float[] logits = [0f, 0.3f, 0.1f, 0.2f, 0.05f, 0.4f];
        var a = Draws(new TokenSampler(Sampling with { Seed = 77 }, NoEos), logits, 200);
        var b = Draws(new TokenSampler(Sampling with { Seed = 78 }, NoEos), logits, 200);
        var c = Draws(new TokenSampler(Sampling with { Seed = 77 }, NoEos, seedOffset: 1), logits, 200);

        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Next_SamplingEveryTokenBanned_ThrowsBadInputNamingTheCause()
    {
        var sampler = new TokenSampler(Sampling with { BadWordsIds = [[0], [1], [2]] }, NoEos);

        var e = Assert.Throws<EngineException>(() => sampler.Next([1f, 2f, 3f], [0], 1));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("bad_words_ids", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_GreedyEveryTokenBanned_ThrowsBadInputInsteadOfABannedToken()
    {
        // Token 0 is banned (bad word), 1 by no_repeat_ngram_size 1 (seen), 2 is EOS before min_new_tokens.
        var sampler = new TokenSampler(Greedy with { BadWordsIds = [[0]], NoRepeatNgramSize = 1, MinNewTokens = 3 }, [2]);

        var e = Assert.Throws<EngineException>(() => sampler.Next([1f, 2f, 3f], [1], 1));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
    }

    /// <summary>The tokens the processors ban, found by making each token in turn the clear favourite.</summary>
    private static List<int> Banned(GenerationSettings settings, int[] eos, int[] tokens, int promptLength, int vocabulary)
    {
        var banned = new List<int>();
        for (var t = 0; t < vocabulary; t++)
        {
            var logits = new float[vocabulary];
            logits[t] = 10f;
            var sampler = new TokenSampler(settings, eos);
            if (sampler.Next(logits, tokens, promptLength) != t)
            {
                banned.Add(t);
            }
        }

        return banned;
    }

    private static int[] Draws(TokenSampler sampler, float[] logits, int count)
    {
        var draws = new int[count];
        for (var i = 0; i < count; i++)
        {
            draws[i] = sampler.Next(logits, [0], 1);
        }

        return draws;
    }

    private static int KeptCount(GenerationSettings settings, float[] logits)
    {
        var sampler = new TokenSampler(settings, NoEos);
        return Draws(sampler, logits, 2000).Distinct().Count();
    }

    /// <summary>
    /// Draws 20,000 tokens with a fixed seed and checks: tokens of probability 0 never appear, and the counts fit the
    /// expected probabilities (Pearson's chi-square below 40; for up to 4 degrees of freedom the 0.999 quantile is 18.5).
    /// </summary>
    private static void AssertDistribution(GenerationSettings settings, float[] logits, double[] expected, int[]? eos = null)
    {
        const int N = 20_000;
        Assert.Equal(logits.Length, expected.Length);
        Assert.Equal(1.0, expected.Sum(), 9);
        var sampler = new TokenSampler(settings, eos ?? NoEos);
        var counts = new int[logits.Length];
        for (var i = 0; i < N; i++)
        {
            counts[sampler.Next(logits, [0], 1)]++;
        }

        var chi = 0.0;
        for (var t = 0; t < logits.Length; t++)
        {
            if (expected[t] == 0)
            {
                Assert.True(counts[t] == 0, $"Token {t} should be excluded but was drawn {counts[t]} times; counts [{string.Join(", ", counts)}].");
                continue;
            }

            var e = expected[t] * N;
            chi += (counts[t] - e) * (counts[t] - e) / e;
        }

        Assert.True(chi < 40, $"Counts [{string.Join(", ", counts)}] do not fit [{string.Join(", ", expected.Select(p => p * N))}]: chi-square {chi:F1}.");
    }

    private static double[] Softmax(float[] logits)
    {
        var max = logits.Max();
        var e = logits.Select(l => Math.Exp(l - max)).ToArray();
        var sum = e.Sum();
        return e.Select(x => x / sum).ToArray();
    }

    private static double[] Renormalize(double[] p, params int[] keep)
    {
        var sum = keep.Sum(i => p[i]);
        return p.Select((x, i) => keep.Contains(i) ? x / sum : 0).ToArray();
    }
}
