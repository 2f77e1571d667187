using System.Collections.Concurrent;
using Bytez.Engine.Onnx;
using Bytez.Engine.Tasks;

namespace Bytez.Engine.Tests;

/// <summary>Instances with dynamic batching on and off, loaded once for <see cref="EmbeddingBatchingTests"/>.</summary>
public sealed class BatchingModels : IDisposable
{
    public BatchingModels()
    {
        Unbatched = Load(TestModels.MiniLM, new OnnxRuntimeOptions { Sessions = 1, DynamicBatching = false });
        Batched = Load(TestModels.MiniLM, new OnnxRuntimeOptions { Sessions = 2, MaxBatchSize = 8, MaxBatchWait = TimeSpan.FromMilliseconds(2) });
        ArcticUnbatched = Load(TestModels.ArcticXs, new OnnxRuntimeOptions { Sessions = 1, DynamicBatching = false });
        ArcticBatched = Load(TestModels.ArcticXs, new OnnxRuntimeOptions { Sessions = 2, MaxBatchSize = 8 });
    }

    public OnnxEmbeddingInstance Unbatched { get; }

    public OnnxEmbeddingInstance Batched { get; }

    public OnnxEmbeddingInstance ArcticUnbatched { get; }

    public OnnxEmbeddingInstance ArcticBatched { get; }

    public static OnnxEmbeddingInstance Load(ModelDescriptor model, OnnxRuntimeOptions options)
        => OnnxEmbeddingInstance.Load(model, options, CancellationToken.None);

    public void Dispose()
    {
        Unbatched.Dispose();
        Batched.Dispose();
        ArcticUnbatched.Dispose();
        ArcticBatched.Dispose();
    }
}

public sealed class EmbeddingBatchingTests(BatchingModels models) : IClassFixture<BatchingModels>
{
    private static readonly EmbeddingOptions Defaults = new();

    private static readonly string[] Phrases =
    [
        "Hi",
        "A man is eating food.",
        "I'd like a café au lait and a jalapeño bagel.",
        "The façade of the résumé office looked naïve.",
        "We flew from São Paulo to Zürich.",
        "A man is riding a white horse on an enclosed ground, while the crowd watches from the stands and cheers.",
        "The new movie is awesome",
        "Two men pushed carts through the woods on a long and winding path, talking about the weather and the news.",
        "A cheetah is running behind its prey.",
        "",
        "Someone in a gorilla costume is playing a set of drums.",
        "The committee postponed the vote until the budget office had reviewed every line of the proposal.",
        "Zoë's naïve coöperation surprised the café owner in Besançon.",
        "Rain.",
        "Quantum error correction protects logical qubits by spreading their state over many physical qubits.",
        "Where can I get the best tacos?",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>64 sentences of 2 to about 50 tokens: the phrases alone, and pairs of them.</summary>
    private static string[] Sentences64 => [.. Enumerable.Range(0, 64).Select(i => i < Phrases.Length
        ? Phrases[i]
        : $"{Phrases[i % Phrases.Length]} {Phrases[(i * 7 + 3) % Phrases.Length]}")];

    [Fact]
    public async Task EmbedAsync_64ConcurrentOneSentenceCallers_EqualUnbatchedElementByElement()
    {
        var sentences = Sentences64;
        var expected = new float[sentences.Length][];
        for (var i = 0; i < sentences.Length; i++)
        {
            expected[i] = (await models.Unbatched.EmbedAsync([sentences[i]], Defaults, Ct))[0];
        }

        var sizes = new ConcurrentQueue<int>();
        models.Batched.BatchObserver = sizes.Enqueue;
        try
        {
            var calls = sentences.Select(s => models.Batched.EmbedAsync([s], Defaults, Ct).AsTask()).ToArray();
            var actual = await Task.WhenAll(calls);

            // Exact bit equality cannot be promised: a sentence's hidden states come from matrix products whose shape
            // (rows = batch × padded length) decides how the kernels block and vectorize the sums, so the same row
            // can round differently in a batch of 8 than alone (padding itself is masked out, so only rounding could
            // differ). On the 2-core AMD EPYC dev machine (ONNX Runtime 1.31.1) the vectors came out bit-identical,
            // but another CPU's kernels (AVX-512, ARM) may pick shape-dependent paths, hence the tolerance.
            for (var i = 0; i < sentences.Length; i++)
            {
                AssertClose(expected[i], actual[i][0], 1e-5f, sentences[i]);
            }

            Assert.Equal(sentences.Length, sizes.Sum());
            Assert.Contains(sizes, s => s > 1);
            Assert.All(sizes, s => Assert.InRange(s, 1, 8));
        }
        finally
        {
            models.Batched.BatchObserver = null;
        }
    }

    [Fact]
    public async Task EmbedAsync_LargeCallAmongOneSentenceCallers_AllEqualUnbatched()
    {
        var sentences = Sentences64;
        var expected = await models.Unbatched.EmbedAsync(sentences, Defaults, Ct);

        var large = models.Batched.EmbedAsync(sentences, Defaults, Ct).AsTask();
        var singles = sentences.Take(24).Select(s => models.Batched.EmbedAsync([s], Defaults, Ct).AsTask()).ToArray();
        var all = await large;
        var one = await Task.WhenAll(singles);

        for (var i = 0; i < sentences.Length; i++)
        {
            AssertClose(expected[i], all[i], 1e-5f, sentences[i]);
        }

        for (var i = 0; i < singles.Length; i++)
        {
            AssertClose(expected[i], one[i][0], 1e-5f, sentences[i]);
        }
    }

    [Fact]
    public async Task EmbedAsync_ConcurrentMixedOptions_EachGetsItsOwnResult()
    {
        // Prompt tokens are part of a row's input and left out of its pooling; normalization acts on its own vector:
        // calls with different options share batches and must each get what they would get alone.
        EmbeddingOptions[] variants =
        [
            Defaults,
            new() { Normalize = false },
            new() { PromptName = "query" },
            new() { PromptName = "query", Normalize = false },
            new() { Prompt = "Represent this sentence for searching relevant passages: " },
        ];
        var calls = Enumerable.Range(0, 40).Select(i => (Text: Phrases[i % Phrases.Length], Options: variants[i % variants.Length])).ToArray();
        var expected = new float[calls.Length][];
        for (var i = 0; i < calls.Length; i++)
        {
            expected[i] = (await models.ArcticUnbatched.EmbedAsync([calls[i].Text], calls[i].Options, Ct))[0];
        }

        var sizes = new ConcurrentQueue<int>();
        models.ArcticBatched.BatchObserver = sizes.Enqueue;
        try
        {
            var actual = await Task.WhenAll(calls.Select(c => models.ArcticBatched.EmbedAsync([c.Text], c.Options, Ct).AsTask()));

            for (var i = 0; i < calls.Length; i++)
            {
                AssertClose(expected[i], actual[i][0], 1e-5f, $"{calls[i].Text} ({calls[i].Options})");
            }

            Assert.Contains(sizes, s => s > 1);
        }
        finally
        {
            models.ArcticBatched.BatchObserver = null;
        }

        // The variants really differ, so a mix-up would have shown.
        Assert.NotEqual(1.0, Norm(expected[1]), 2);
        Assert.True(EmbeddingPipeline.CosineSimilarity(expected[0], expected[2]) < 0.999f);
    }

    [Fact]
    public async Task EmbedAsync_QueuedCallerCancelled_ThrowsAndIsNeverRun()
    {
        using var gate = new SemaphoreSlim(0);
        using var instance = BatchingModels.Load(TestModels.MiniLM, new OnnxRuntimeOptions { Sessions = 1, MaxBatchWait = TimeSpan.Zero });
        var sizes = new ConcurrentQueue<int>();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        instance.BatchObserver = size =>
        {
            sizes.Enqueue(size);
            if (sizes.Count == 1)
            {
                running.TrySetResult();
                gate.Wait(); // holds the only session so the next callers stay queued
            }
        };

        var first = instance.EmbedAsync(["The first caller holds the session."], Defaults, Ct).AsTask();
        await running.Task.WaitAsync(Ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var cancelled = instance.EmbedAsync(["This caller gives up while queued."], Defaults, cts.Token).AsTask();
        var kept = instance.EmbedAsync(["This caller waits its turn."], Defaults, Ct).AsTask();

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(first.IsCompleted);
        gate.Release();

        Assert.Equal(384, (await first)[0].Length);
        var expected = await models.Unbatched.EmbedAsync(["This caller waits its turn."], Defaults, Ct);
        AssertClose(expected[0], (await kept)[0], 1e-5f, "kept");
        Assert.Equal([1, 1], sizes); // the cancelled caller's text never ran
    }

    [Fact]
    public async Task Dispose_WithPendingCallers_FailsThemWithObjectDisposed()
    {
        using var gate = new SemaphoreSlim(0);
        var instance = BatchingModels.Load(TestModels.MiniLM, new OnnxRuntimeOptions { Sessions = 1, MaxBatchWait = TimeSpan.Zero });
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        instance.BatchObserver = _ =>
        {
            running.TrySetResult();
            gate.Wait();
        };

        var first = instance.EmbedAsync(["The first caller holds the session."], Defaults, Ct).AsTask();
        await running.Task.WaitAsync(Ct);
        var queued = Enumerable.Range(0, 5).Select(i => instance.EmbedAsync([$"Queued caller {i}."], Defaults, Ct).AsTask()).ToArray();

        var disposing = Task.Run(instance.Dispose, Ct);
        foreach (var call in queued)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => call.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        }

        gate.Release(); // the running batch is terminated once it reaches the session
        await disposing.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => first);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await instance.EmbedAsync(["after"], Defaults, Ct));
    }

    [Fact]
    public async Task EmbedAsync_MaxBatchWaitZero_TakesWhatIsQueuedAndMatches()
    {
        using var instance = BatchingModels.Load(TestModels.MiniLM, new OnnxRuntimeOptions { Sessions = 1, MaxBatchSize = 8, MaxBatchWait = TimeSpan.Zero });
        var sizes = new ConcurrentQueue<int>();
        instance.BatchObserver = sizes.Enqueue;
        var sentences = Sentences64[..32];
        var expected = await models.Unbatched.EmbedAsync(sentences, Defaults, Ct);

        var actual = await Task.WhenAll(sentences.Select(s => instance.EmbedAsync([s], Defaults, Ct).AsTask()));

        for (var i = 0; i < sentences.Length; i++)
        {
            AssertClose(expected[i], actual[i][0], 1e-5f, sentences[i]);
        }

        Assert.Equal(sentences.Length, sizes.Sum());
        Assert.Contains(sizes, s => s > 1); // queued while the one session ran the first
        Assert.All(sizes, s => Assert.InRange(s, 1, 8));
    }

    [Fact]
    public async Task BatchObserver_BatchingOff_SeesEachRun()
    {
        using var instance = BatchingModels.Load(TestModels.MiniLM, new OnnxRuntimeOptions { Sessions = 1, MaxBatchSize = 8, DynamicBatching = false });
        var sizes = new ConcurrentQueue<int>();
        instance.BatchObserver = sizes.Enqueue;

        await instance.EmbedAsync(Sentences64[..20], Defaults, Ct);

        Assert.False(instance.DynamicBatching);
        Assert.Equal([8, 8, 4], sizes);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    public void Validate_MaxBatchWaitOutOfRange_Throws(int milliseconds)
    {
        var options = new OnnxRuntimeOptions { MaxBatchWait = TimeSpan.FromMilliseconds(milliseconds) };

        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(nameof(OnnxRuntimeOptions.MaxBatchWait), e.ParamName);
    }

    [Fact]
    public void Defaults_DynamicBatchingOnWithShortWait()
    {
        var options = new OnnxRuntimeOptions();

        Assert.True(options.DynamicBatching);
        Assert.InRange(options.MaxBatchWait, TimeSpan.Zero, TimeSpan.FromMilliseconds(5));
        Assert.True(models.Batched.DynamicBatching);
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}: element {i}: {expected[i]} vs {actual[i]}");
        }
    }

    private static double Norm(float[] a) => Math.Sqrt(a.Sum(x => (double)x * x));
}
