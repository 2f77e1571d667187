using System.Text.Json;
using Bytez.Engine.Onnx;
using Bytez.Engine.Tasks;

namespace Bytez.Engine.Tests;

public sealed class OnnxEmbeddingInstanceTests(LoadedModels models)
{
    private static readonly EmbeddingOptions Defaults = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EmbedAsync_MiniLMQuickstart_MatchesPublishedSimilarities()
    {
        // sbert.net, "Usage" quickstart (all-MiniLM-L6-v2), printed to 4 decimals:
        // [[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411], [0.1046, 0.1411, 1.0000]]
        var v = await models.MiniLM.EmbedAsync(
            ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."], Defaults, Ct);

        AssertRoundsTo(0.6660, EmbeddingPipeline.CosineSimilarity(v[0], v[1]));
        AssertRoundsTo(0.1046, EmbeddingPipeline.CosineSimilarity(v[0], v[2]));
        AssertRoundsTo(0.1411, EmbeddingPipeline.CosineSimilarity(v[1], v[2]));
    }

    [Fact]
    public async Task EmbedAsync_ArcticXsModelCard_MatchesPublishedScores()
    {
        // Snowflake/snowflake-arctic-embed-xs model card, "Using Sentence Transformers": queries encoded with
        // prompt_name="query", documents without; scores are dot products of the normalized embeddings.
        var queries = await models.ArcticXs.EmbedAsync(
            ["what is snowflake?", "Where can I get the best tacos?"], new EmbeddingOptions { PromptName = "query" }, Ct);
        var documents = await models.ArcticXs.EmbedAsync(["The Data Cloud!", "Mexico City of Course!"], Defaults, Ct);

        Assert.Equal(0.57515126, Dot(queries[0], documents[0]), 1e-4);
        Assert.Equal(0.45798576, Dot(queries[0], documents[1]), 1e-4);
        Assert.Equal(0.5636022, Dot(queries[1], documents[1]), 1e-4);
        Assert.Equal(0.5044898, Dot(queries[1], documents[0]), 1e-4);
    }

    [Fact]
    public async Task EmbedAsync_ArcticXsLiteralPrompt_EqualsNamedPrompt()
    {
        var named = await models.ArcticXs.EmbedAsync(["what is snowflake?"], new EmbeddingOptions { PromptName = "query" }, Ct);
        var literal = await models.ArcticXs.EmbedAsync(
            ["what is snowflake?"], new EmbeddingOptions { Prompt = "Represent this sentence for searching relevant passages: " }, Ct);
        var none = await models.ArcticXs.EmbedAsync(["what is snowflake?"], Defaults, Ct);

        Assert.Equal(named[0], literal[0]);
        Assert.NotEqual(named[0], none[0]);
    }

    [Fact]
    public async Task EmbedAsync_UnknownPromptName_ThrowsBadInputListingPrompts()
    {
        var e = await Assert.ThrowsAsync<EngineException>(
            async () => await models.ArcticXs.EmbedAsync(["x"], new EmbeddingOptions { PromptName = "passage" }, Ct));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("query", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("I'd like a café au lait and a jalapeño bagel.", "I'd like a cafe au lait and a jalapeno bagel.")]
    [InlineData("The façade of the résumé office looked naïve.", "The facade of the resume office looked naive.")]
    [InlineData("We flew from São Paulo to Zürich.", "We flew from Sao Paulo to Zurich.")]
    public async Task EmbedAsync_AccentedSentence_EqualsAccentStrippedSentence(string accented, string stripped)
    {
        var v = await models.MiniLM.EmbedAsync([accented, stripped], Defaults, Ct);

        AssertClose(v[1], v[0], 1e-6f);
    }

    [Fact]
    public async Task EmbedAsync_Batch_EqualsOneByOneInInputOrder()
    {
        string[] texts =
        [
            "A man is eating food.",
            "A man is riding a white horse on an enclosed ground, while the crowd watches from the stands and cheers.",
            "Hi",
            "",
            "The new movie is awesome",
            "A monkey is playing drums.",
            "Two men pushed carts through the woods on a long and winding path, talking about the weather and the news.",
            "A cheetah is running behind its prey.",
            "The cat sits outside",
            "Someone in a gorilla costume is playing a set of drums.",
            "A woman watches TV",
            "The new movie is so great",
        ];

        var batched = await models.MiniLM.EmbedAsync(texts, Defaults, Ct);

        Assert.Equal(texts.Length, batched.Length);
        for (var i = 0; i < texts.Length; i++)
        {
            var single = await models.MiniLM.EmbedAsync([texts[i]], Defaults, Ct);
            AssertClose(single[0], batched[i], 1e-5f);
        }
    }

    [Fact]
    public async Task EmbedAsync_ConcurrentCalls_GiveSameResults()
    {
        var texts = Enumerable.Range(0, 40).Select(i => $"Sentence number {i} talks about {new string('x', i % 7)} things.").ToArray();
        var expected = await models.MiniLM.EmbedAsync(texts, Defaults, Ct);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => models.MiniLM.EmbedAsync(texts, Defaults, Ct).AsTask()));

        foreach (var run in runs)
        {
            for (var i = 0; i < texts.Length; i++)
            {
                AssertClose(expected[i], run[i], 1e-5f);
            }
        }
    }

    [Fact]
    public async Task EmbedAsync_LongerThanMaxSequence_IsTruncatedAtMax()
    {
        var words = string.Join(' ', Enumerable.Range(0, 400).Select(i => i % 2 == 0 ? "apple" : "river"));
        Assert.True(models.MiniLM.Tokenizer.CountTokens(words) > 256);

        var v = await models.MiniLM.EmbedAsync([words, words + " and then something entirely different happened"], Defaults, Ct);

        AssertClose(v[0], v[1], 1e-6f); // everything past token 256 is cut
        Assert.Equal(256, models.MiniLM.MaxSequenceLength);
        Assert.Equal(512, models.ArcticXs.MaxSequenceLength);
    }

    [Fact]
    public async Task EmbedAsync_TooLongWithoutTruncate_ThrowsBadInputNamingLimit()
    {
        var words = string.Join(' ', Enumerable.Repeat("apple", 300));

        var e = await Assert.ThrowsAsync<EngineException>(
            async () => await models.MiniLM.EmbedAsync(["short", words], new EmbeddingOptions { Truncate = false }, Ct));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("256", e.Message, StringComparison.Ordinal);
        Assert.Contains("Text 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmbedAsync_Defaults_AreUnitLengthAndNormalizeFalseIsNot()
    {
        var normalized = await models.MiniLM.EmbedAsync(["The weather is lovely today."], Defaults, Ct);
        var raw = await models.MiniLM.EmbedAsync(["The weather is lovely today."], new EmbeddingOptions { Normalize = false }, Ct);

        Assert.Equal(384, normalized[0].Length);
        Assert.Equal(384, models.MiniLM.Dimensions);
        Assert.Equal(1.0, Norm(normalized[0]), 1e-5);
        Assert.NotEqual(1.0, Norm(raw[0]), 2);
        Assert.Equal(1.0, EmbeddingPipeline.CosineSimilarity(raw[0], normalized[0]), 1e-5);
    }

    [Fact]
    public async Task EmbedAsync_ClsMaxMeanPooling_DifferAndConcatenate()
    {
        var folder = TestModels.CloneModel(TestModels.MiniLM, "pooling");
        try
        {
            File.WriteAllText(Path.Combine(folder, "1_Pooling", "config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["word_embedding_dimension"] = 384,
                ["pooling_mode_cls_token"] = true,
                ["pooling_mode_max_tokens"] = true,
                ["pooling_mode_mean_tokens"] = true,
            }));
            var model = TestModels.MiniLM with { Path = folder };
            using var instance = OnnxEmbeddingInstance.Load(model, new OnnxRuntimeOptions { Sessions = 1 }, Ct);
            const string text = "The weather is lovely today.";

            var combined = (await instance.EmbedAsync([text], new EmbeddingOptions { Normalize = false }, Ct))[0];
            var mean = (await models.MiniLM.EmbedAsync([text], new EmbeddingOptions { Normalize = false }, Ct))[0];

            Assert.Equal(3 * 384, instance.Dimensions);
            Assert.Equal(3 * 384, combined.Length);
            var cls = combined[..384];
            var max = combined[384..768];
            AssertClose(mean, combined[768..], 1e-5f); // same order as sentence-transformers: cls, max, mean
            Assert.True(EmbeddingPipeline.CosineSimilarity(cls, mean) < 0.99f);
            Assert.True(EmbeddingPipeline.CosineSimilarity(max, mean) < 0.99f);
            Assert.All(Enumerable.Range(0, 384), h => Assert.True(max[h] >= mean[h] - 1e-5f));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task EmbedAsync_EmptyString_Embeds()
    {
        var v = await models.MiniLM.EmbedAsync([string.Empty], Defaults, Ct);

        Assert.Equal(384, v[0].Length);
        Assert.Equal(1.0, Norm(v[0]), 1e-5);
    }

    [Fact]
    public async Task EmbedAsync_CancelledBeforeStart_Throws()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await models.MiniLM.EmbedAsync(["hello"], Defaults, cts.Token));
    }

    [Fact]
    public async Task EmbedAsync_CancelledWhileRunning_ThrowsAndInstanceStaysUsable()
    {
        var text = string.Join(' ', Enumerable.Repeat("the quick brown fox jumps over the lazy dog", 40));
        var texts = Enumerable.Repeat(text, 256).ToArray();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromMilliseconds(150));

        var started = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await models.MiniLM.EmbedAsync(texts, Defaults, cts.Token));

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"cancellation took {started.Elapsed}");
        var after = await models.MiniLM.EmbedAsync(["still works"], Defaults, Ct);
        Assert.Equal(384, after[0].Length);
    }

    [Fact]
    public void PromptNames_ArcticXs_HasQueryAndMiniLMNone()
    {
        Assert.Equal(["query"], models.ArcticXs.PromptNames);
        Assert.Empty(models.MiniLM.PromptNames);
        Assert.Equal(2, models.MiniLM.SessionCount);
    }

    [Fact]
    public async Task EmbedTokensAsync_TheTokenizersEncodings_EqualTheTextsVectorsBitForBit()
    {
        string[] texts = ["The weather is lovely today.", "Hello world"];
        var ids = texts.Select(t => models.MiniLM.Tokenizer.Encode(t, models.MiniLM.MaxSequenceLength).Ids).ToArray();

        var fromIds = await models.MiniLM.EmbedTokensAsync(ids, Defaults, Ct);
        var fromTexts = await models.MiniLM.EmbedAsync(texts, Defaults, Ct);

        Assert.Equal(fromTexts[0], fromIds[0]);
        Assert.Equal(fromTexts[1], fromIds[1]);
        Assert.Equal(30522, models.MiniLM.VocabularySize);
        Assert.Null(models.MiniLM.MatryoshkaDimensions);
        Assert.True(models.MiniLM.NormalizesByDefault);
    }

    [Theory]
    [InlineData(new[] { 101, 30522, 102 }, "vocabulary of 30522")]
    [InlineData(new[] { -5 }, "id -5")]
    [InlineData(new int[0], "0 ids")]
    public async Task EmbedTokensAsync_IdsTheModelCannotTake_BadInput(int[] ids, string mentions)
    {
        var error = await Assert.ThrowsAsync<EngineException>(() => models.MiniLM.EmbedTokensAsync([ids], Defaults, Ct).AsTask());

        Assert.Equal(EngineErrorKind.BadInput, error.Kind);
        Assert.Contains(mentions, error.Message, StringComparison.Ordinal);
    }

    private static void AssertRoundsTo(double published, float actual)
        => Assert.True(
            Math.Abs(Math.Round(actual, 4, MidpointRounding.AwayFromZero) - published) < 1e-9,
            $"{actual:F6} does not round to the published {published:F4}");

    private static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: {expected[i]} vs {actual[i]}");
        }
    }

    private static double Dot(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();

    private static double Norm(float[] a) => Math.Sqrt(Dot(a, a));
}
