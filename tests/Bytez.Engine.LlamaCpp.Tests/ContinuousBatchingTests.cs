using System.Collections.Concurrent;
using System.Diagnostics;
using Bytez.Engine.Generation;
using LLama.Native;

namespace Bytez.Engine.LlamaCpp.Tests;

/// <summary>
/// Continuous batching: concurrent sequences of one instance share llama.cpp decodes, and each stream's greedy tokens
/// are exactly those it gets alone (logits within a small tolerance: llama.cpp's kernels for a batch of several tokens
/// may round differently in the last bits).
/// </summary>
public sealed class ContinuousBatchingTests(TinyLlamaFixture fixture, ITestOutputHelper output) : IClassFixture<TinyLlamaFixture>
{
    // llama.cpp's defaults keep the cache (and flash attention's query) in f16: batched and solo logits differ by f16
    // rounding, measured up to 1.7e-3 on logits of magnitude ~18 (1e-4 relative). In f32 (PreciseAttention) ~6e-6.
    private const float LogitTolerance = 5e-3f;
    private const float PreciseLogitTolerance = 1e-4f;

    private static readonly string[] Texts =
    [
        "Hello world",
        "the cat sat on the mat",
        "How are you today",
        "the quick brown fox jumps over the lazy dog",
        "héllo ünïcode ✓",
        "once upon a time there was",
        "a b c d e f g",
        "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private int[][] Prompts => [.. Texts.Select(t => fixture.Tokenizer.Encode(t, addSpecialTokens: true))];

    private async Task<LlamaCppInstance> LoadAsync(LlamaCppOptions options) =>
        (LlamaCppInstance)await new LlamaCppRuntime(options).LoadAsync(TinyLlamaFixture.Descriptor(fixture.Written.Path), Ct);

    private static LlamaCppOptions Options(int sequences = 8, bool batching = true, int batchSize = 512, TimeSpan? wait = null, bool precise = false) =>
        new() { Threads = 1, SequencesPerContext = sequences, ContinuousBatching = batching, BatchSize = batchSize, BatchWait = wait ?? TimeSpan.FromMilliseconds(1), PreciseAttention = precise };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ForwardAsync_EightConcurrentStreams_TokensEqualEachAloneAndDecodesMerge(bool precise)
    {
        using var instance = await LoadAsync(Options(precise: precise, wait: TimeSpan.FromMilliseconds(2)));
        var prompts = Prompts;
        var alone = await AloneAsync(instance, prompts, _ => 48);

        var sizes = new ConcurrentBag<int>();
        instance.BatchObserver = sizes.Add;
        var runs = await Task.WhenAll(prompts.Select(p => Task.Run(async () =>
        {
            using var sequence = instance.CreateSequence();
            return await StreamAsync(sequence, p, 48, Ct);
        })));
        instance.BatchObserver = null;

        Assert.Equal(1, instance.ContextCount);
        AssertSameAsAlone(alone, runs, precise ? PreciseLogitTolerance : LogitTolerance);
        output.WriteLine($"decodes: {sizes.Count}, sequences per decode: max {sizes.Max()}, mean {sizes.Average():F2}; histogram {Histogram(sizes)}");
        Assert.True(sizes.Max() > 1, "no decode carried more than one sequence");
        Assert.True(sizes.Count < 8 * 48, $"{sizes.Count} decodes for {8 * 48} steps: nothing was merged");
    }

    [Fact]
    public async Task ForwardAsync_SteppedInLockstep_EveryDecodeCarriesAllStreams()
    {
        // Deterministic merging: a wait long enough for every stream to submit its step before the decode starts.
        using var instance = await LoadAsync(Options(wait: TimeSpan.FromMilliseconds(500)));
        var prompts = Prompts[..4];
        var alone = await AloneAsync(instance, prompts, _ => 16);
        var sizes = new ConcurrentBag<int>();
        var sequences = prompts.Select(_ => instance.CreateSequence()).ToList();
        try
        {
            // The four prompts (the first decode carries only the first: no stream has finished a step yet), then 15
            // steps of four tokens, submitted one after the other from this thread.
            var logits = await Task.WhenAll(sequences.Select((s, i) => s.ForwardAsync(prompts[i], Ct).AsTask()));
            var runs = prompts.Select(_ => new Run()).ToArray();
            instance.BatchObserver = sizes.Add;
            for (int step = 0; step < 16; step++)
            {
                var next = new int[prompts.Length];
                for (int i = 0; i < prompts.Length; i++)
                {
                    runs[i].Add(logits[i].Span);
                    next[i] = runs[i].Tokens[^1];
                }

                if (step < 15)
                {
                    logits = await Task.WhenAll(sequences.Select((s, i) => s.ForwardAsync(new[] { next[i] }, Ct).AsTask()));
                }
            }

            instance.BatchObserver = null;
            AssertSameAsAlone(alone, runs);
            output.WriteLine($"sequences per decode: {Histogram(sizes)}");
            Assert.All(sizes, size => Assert.Equal(4, size));
            Assert.Equal(15, sizes.Count);
        }
        finally
        {
            sequences.ForEach(s => s.Dispose());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ForwardAsync_StreamsJoinMidwayAndLeaveEarly_EachEqualsAlone(bool precise)
    {
        // A small batch size, so the prompts of joining streams are split across decodes shared with others' steps; a
        // long BatchWait, so streams merge even when a busy machine delays their callers.
        using var instance = await LoadAsync(Options(batchSize: 8, precise: precise, wait: TimeSpan.FromMilliseconds(50)));
        var prompts = Prompts;
        int[] counts = [60, 12, 40, 7, 55, 20, 33, 48];
        var alone = await AloneAsync(instance, prompts, i => counts[i]);

        // Stream i joins when stream 0 has made 6 * i tokens; each leaves (disposes its sequence) after its own count.
        var progress = new int[1];
        var joins = prompts.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        joins[0].SetResult();
        var sizes = new ConcurrentBag<int>();
        instance.BatchObserver = sizes.Add;
        var runs = await Task.WhenAll(prompts.Select((p, i) => Task.Run(async () =>
        {
            await joins[i].Task.WaitAsync(Ct);
            using var sequence = instance.CreateSequence();
            return await StreamAsync(sequence, p, counts[i], Ct, step =>
            {
                if (i == 0)
                {
                    for (int j = 1; j < joins.Length; j++)
                    {
                        if (step >= 6 * j)
                        {
                            joins[j].TrySetResult();
                        }
                    }
                }
            });
        })));
        instance.BatchObserver = null;

        AssertSameAsAlone(alone, runs, precise ? PreciseLogitTolerance : LogitTolerance);
        output.WriteLine($"sequences per decode: {Histogram(sizes)}");
        Assert.True(sizes.Max() > 1);
        Assert.Equal(1, instance.ContextCount);
    }

    [Fact]
    public async Task ForwardAsync_OneStreamCancelledInsideMergedDecode_ItsFeedIsDroppedOthersUnaffected()
    {
        using var instance = await LoadAsync(Options(wait: TimeSpan.FromMilliseconds(300)));
        var prompts = Prompts[..4];
        var alone = await AloneAsync(instance, prompts, _ => 20);
        var sequences = prompts.Select(_ => instance.CreateSequence()).ToList();
        using var victim = new CancellationTokenSource();
        int victimId = -1, merged = 0;
        try
        {
            var runs = prompts.Select(_ => new Run()).ToArray();
            var logits = await Task.WhenAll(sequences.Select((s, i) => s.ForwardAsync(prompts[i], Ct).AsTask()));
            for (int i = 0; i < 4; i++)
            {
                runs[i].Add(logits[i].Span);
            }

            // At step 5, the decode that carries stream 2's token is running when stream 2's caller cancels.
            instance.DecodeFault = ids =>
            {
                if (victimId >= 0 && ids.Contains(victimId))
                {
                    merged = ids.Count;
                    victim.Cancel();
                    victimId = -1;
                }

                return null;
            };
            for (int step = 1; step < 20; step++)
            {
                if (step == 5)
                {
                    victimId = ((LlamaDecoderSequence)sequences[2]).SequenceId;
                }

                var tasks = sequences.Select((s, i) => s.ForwardAsync(new[] { runs[i].Tokens[^1] }, i == 2 && step == 5 ? victim.Token : Ct).AsTask()).ToArray();
                if (step == 5)
                {
                    int before = sequences[2].Length;
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tasks[2]);
                    Assert.Equal(before, sequences[2].Length);
                    // Fed again, the sequence goes on exactly as before: the dropped feed left no cells behind.
                    tasks[2] = sequences[2].ForwardAsync(new[] { runs[2].Tokens[^1] }, Ct).AsTask();
                }

                logits = await Task.WhenAll(tasks);
                for (int i = 0; i < 4; i++)
                {
                    runs[i].Add(logits[i].Span);
                }
            }

            Assert.Equal(4, merged);
            AssertSameAsAlone(alone, runs);
        }
        finally
        {
            instance.DecodeFault = null;
            sequences.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task ForwardAsync_OneStreamCancelledWhileOthersRun_OthersEqualAloneAndItResumes()
    {
        using var instance = await LoadAsync(Options());
        var prompts = Prompts[..5];
        var alone = await AloneAsync(instance, prompts, _ => 40);
        using var victim = new CancellationTokenSource();
        int victimSteps = 0;
        var runs = await Task.WhenAll(prompts.Select((p, i) => Task.Run(async () =>
        {
            using var sequence = instance.CreateSequence();
            if (i != 4)
            {
                return await StreamAsync(sequence, p, 40, Ct, _ =>
                {
                    if (Volatile.Read(ref victimSteps) >= 8 && !victim.IsCancellationRequested)
                    {
                        victim.Cancel(); // lands wherever stream 4 is: queued, in a decode, or between steps
                    }
                });
            }

            // Stream 4 runs with the token that is cancelled; when its call fails it checks the sequence and goes on.
            var run = new Run();
            var logits = await sequence.ForwardAsync(p, Ct);
            bool interrupted = false;
            while (true)
            {
                run.Add(logits.Span);
                Interlocked.Increment(ref victimSteps);
                if (run.Tokens.Count == 40)
                {
                    break;
                }

                await Task.Yield();

                int length = sequence.Length;
                try
                {
                    logits = await sequence.ForwardAsync(new[] { run.Tokens[^1] }, interrupted ? Ct : victim.Token);
                }
                catch (OperationCanceledException)
                {
                    interrupted = true;
                    Assert.Equal(length, sequence.Length);
                    logits = await sequence.ForwardAsync(new[] { run.Tokens[^1] }, Ct);
                }
            }

            Assert.True(interrupted);
            return run;
        })));

        AssertSameAsAlone(alone, runs);
    }

    [Fact]
    public async Task ForwardAsync_DecodeFailsBecauseOfOneSequence_OnlyItsCallerFails()
    {
        using var instance = await LoadAsync(Options(wait: TimeSpan.FromMilliseconds(300)));
        var prompts = Prompts[..4];
        var alone = await AloneAsync(instance, prompts, _ => 12);
        var sequences = prompts.Select(_ => instance.CreateSequence()).ToList();
        var sizes = new ConcurrentBag<int>();
        bool failing = false;
        try
        {
            var runs = prompts.Select(_ => new Run()).ToArray();
            var logits = await Task.WhenAll(sequences.Select((s, i) => s.ForwardAsync(prompts[i], Ct).AsTask()));
            int culprit = ((LlamaDecoderSequence)sequences[1]).SequenceId; // taken at the first feed
            for (int i = 0; i < 4; i++)
            {
                runs[i].Add(logits[i].Span);
            }

            // Any decode that carries sequence 1 fails (as llama.cpp does when it finds no cache slot for it).
            instance.DecodeFault = ids => failing && ids.Contains(culprit) ? DecodeResult.NoKvSlot : null;
            for (int step = 1; step < 12; step++)
            {
                failing = step == 6;
                instance.BatchObserver = failing ? sizes.Add : null;
                // (After the failure, sequence 1 is fed again alone while the others are awaited: one BatchWait.)
                var tasks = sequences.Select((s, i) => s.ForwardAsync(new[] { runs[i].Tokens[^1] }, Ct).AsTask()).ToArray();
                if (failing)
                {
                    int before = sequences[1].Length;
                    var e = await Assert.ThrowsAsync<EngineException>(() => tasks[1]);
                    instance.BatchObserver = null;
                    Assert.Equal(EngineErrorKind.Overloaded, e.Kind);
                    Assert.Equal(before, sequences[1].Length);
                    failing = false;
                    tasks[1] = sequences[1].ForwardAsync(new[] { runs[1].Tokens[^1] }, Ct).AsTask();
                }

                logits = await Task.WhenAll(tasks);
                for (int i = 0; i < 4; i++)
                {
                    runs[i].Add(logits[i].Span);
                }
            }

            // The merged decode failed; each of its feeds was decoded alone; only sequence 1's failed again.
            Assert.Equal([1, 1, 1, 1, 4], sizes.Order());
            AssertSameAsAlone(alone, runs);
        }
        finally
        {
            instance.DecodeFault = null;
            sequences.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task ForwardAsync_DecodeFailsForAll_EveryCallerInItFails()
    {
        using var instance = await LoadAsync(Options(wait: TimeSpan.FromMilliseconds(300)));
        var prompts = Prompts[..3];
        var sequences = prompts.Select(_ => instance.CreateSequence()).ToList();
        try
        {
            await Task.WhenAll(sequences.Select((s, i) => s.ForwardAsync(prompts[i], Ct).AsTask()));
            var lengths = sequences.Select(s => s.Length).ToArray();
            instance.DecodeFault = _ => DecodeResult.DecodeFailed;
            var tasks = sequences.Select(s => s.ForwardAsync(new[] { 42 }, Ct).AsTask()).ToArray();
            foreach (var task in tasks)
            {
                var e = await Assert.ThrowsAsync<EngineException>(() => task);
                Assert.Equal(EngineErrorKind.Internal, e.Kind);
            }

            Assert.Equal(lengths, sequences.Select(s => s.Length));
            instance.DecodeFault = null;
            await Task.WhenAll(sequences.Select(s => s.ForwardAsync(new[] { 42 }, Ct).AsTask()));
            Assert.Equal(lengths.Select(l => l + 1), sequences.Select(s => s.Length));
        }
        finally
        {
            instance.DecodeFault = null;
            sequences.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task ForwardAsync_OneStreamOverflowsItsContext_OnlyItFails()
    {
        using var instance = await LoadAsync(Options());
        var prompts = Prompts[..4];
        var alone = await AloneAsync(instance, prompts[..3], _ => 30);
        var overflow = Task.Run(async () =>
        {
            using var sequence = instance.CreateSequence();
            var logits = await sequence.ForwardAsync(prompts[3], Ct);
            int fed = sequence.Length;
            var tooMany = Enumerable.Repeat(42, instance.ContextLength - fed + 1).ToArray();
            var e = await Assert.ThrowsAsync<EngineException>(async () => await sequence.ForwardAsync(tooMany, Ct));
            Assert.Equal(EngineErrorKind.BadInput, e.Kind);
            Assert.Equal(fed, sequence.Length);
        }, Ct);
        var runs = await Task.WhenAll(prompts[..3].Select(p => Task.Run(async () =>
        {
            using var sequence = instance.CreateSequence();
            return await StreamAsync(sequence, p, 30, Ct);
        }, Ct)));
        await overflow;
        AssertSameAsAlone(alone, runs);
    }

    [Fact]
    public async Task ForwardAsync_Throughput_OneFourEightStreamsBatchedOrNot()
    {
        // A measurement, not an assertion: total greedy tokens per second on the tiny model with one llama.cpp thread,
        // best of three runs (wall clock), and the process's CPU time per token (steadier on a busy machine).
        var prompts = Prompts;
        var process = Process.GetCurrentProcess();
        output.WriteLine($"{Environment.ProcessorCount} logical processors");
        foreach ((string name, LlamaCppOptions options) in new[]
        {
            ("serialized", Options(batching: false)),
            ("batched, no wait", Options(wait: TimeSpan.Zero)),
            ("batched, wait 1 ms", Options()),
        })
        {
            using var instance = await LoadAsync(options);
            await AloneAsync(instance, prompts[..1], _ => 8); // warm up
            double single = 0;
            foreach (int streams in new[] { 1, 4, 8 })
            {
                double best = 0, cpu = double.MaxValue;
                var sizes = new ConcurrentBag<int>();
                for (int round = 0; round < 3; round++)
                {
                    sizes.Clear();
                    instance.BatchObserver = sizes.Add;
                    process.Refresh();
                    var cpuBefore = process.TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    await Task.WhenAll(Enumerable.Range(0, streams).Select(i => Task.Run(async () =>
                    {
                        using var sequence = instance.CreateSequence();
                        return await StreamAsync(sequence, prompts[i], 64, Ct);
                    }, Ct)));
                    clock.Stop();
                    process.Refresh();
                    best = Math.Max(best, streams * 64 / clock.Elapsed.TotalSeconds);
                    cpu = Math.Min(cpu, (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / (streams * 64));
                    instance.BatchObserver = null;
                }

                single = streams == 1 ? best : single;
                output.WriteLine($"{name,-20} {streams} streams: {best,7:F0} tokens/s ({best / single:F2}x one stream), CPU {cpu,6:F0} us/token, {sizes.Count} decodes, mean {sizes.Average():F2} sequences each");
            }
        }
    }

    [Fact]
    public async Task ForwardAsync_ThroughputInLockstep_ShowsWhatMergedDecodesGive()
    {
        // A measurement: all streams stepped together from one thread, so every decode carries every stream (the
        // ceiling of continuous batching on this model, free of thread-pool scheduling), best of three. (While the
        // prompts go in one after the other, a decode may wait BatchWait for a stream that is blocked on the others.)
        var prompts = Prompts;
        using var instance = await LoadAsync(Options());
        double single = 0;
        foreach (int streams in new[] { 1, 4, 8 })
        {
            double best = 0;
            for (int round = 0; round < 3; round++)
            {
                var sequences = Enumerable.Range(0, streams).Select(_ => instance.CreateSequence()).ToList();
                try
                {
                    var clock = Stopwatch.StartNew();
                    var logits = await Task.WhenAll(sequences.Select((s, i) => s.ForwardAsync(prompts[i], Ct).AsTask()));
                    for (int step = 1; step < 64; step++)
                    {
                        var next = logits.Select(l => Greedy.ArgMax(l.Span)).ToArray();
                        logits = await Task.WhenAll(sequences.Select((s, i) => s.ForwardAsync(new[] { next[i] }, Ct).AsTask()));
                    }

                    best = Math.Max(best, streams * 64 / clock.Elapsed.TotalSeconds);
                }
                finally
                {
                    sequences.ForEach(s => s.Dispose());
                }
            }

            single = streams == 1 ? best : single;
            output.WriteLine($"lockstep {streams} streams: {best,7:F0} tokens/s ({best / single:F2}x one stream)");
        }
    }

    private static async Task<Run[]> AloneAsync(LlamaCppInstance instance, int[][] prompts, Func<int, int> count)
    {
        var runs = new Run[prompts.Length];
        for (int i = 0; i < prompts.Length; i++)
        {
            using var sequence = instance.CreateSequence();
            runs[i] = await StreamAsync(sequence, prompts[i], count(i), Ct);
        }

        return runs;
    }

    /// <summary>Greedy decoding that records the logits of every step; <paramref name="onStep"/> sees each step's index.</summary>
    private static async Task<Run> StreamAsync(IDecoderSequence sequence, int[] prompt, int count, CancellationToken ct, Action<int>? onStep = null)
    {
        var run = new Run();
        var logits = await sequence.ForwardAsync(prompt, ct);
        for (int step = 0; step < count; step++)
        {
            run.Add(logits.Span);
            onStep?.Invoke(step);
            // Hand the step on, as the engine's generator hands each piece to its consumer. (A feed decoded by its own
            // caller completes synchronously: without this, one stream could run to its end before another starts.)
            await Task.Yield();
            if (step < count - 1)
            {
                logits = await sequence.ForwardAsync(new[] { run.Tokens[^1] }, ct);
            }
        }

        return run;
    }

    private void AssertSameAsAlone(Run[] alone, Run[] together, float tolerance = LogitTolerance)
    {
        float worst = 0, largest = 0;
        for (int i = 0; i < alone.Length; i++)
        {
            Assert.Equal(alone[i].Tokens, together[i].Tokens);
            for (int step = 0; step < alone[i].Logits.Count; step++)
            {
                float[] a = alone[i].Logits[step], b = together[i].Logits[step];
                for (int v = 0; v < a.Length; v++)
                {
                    worst = Math.Max(worst, Math.Abs(a[v] - b[v]));
                    largest = Math.Max(largest, Math.Abs(a[v]));
                }
            }
        }

        output.WriteLine($"largest logit difference from the solo runs: {worst:G3} (largest logit magnitude {largest:G3})");
        Assert.True(worst <= tolerance, $"logits differ by {worst} from the solo runs");
    }

    private static string Histogram(IEnumerable<int> sizes) =>
        string.Join(", ", sizes.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key}:{g.Count()}"));

    private sealed class Run
    {
        public List<int> Tokens { get; } = [];

        public List<float[]> Logits { get; } = [];

        public void Add(ReadOnlySpan<float> logits)
        {
            Logits.Add(logits.ToArray());
            Tokens.Add(Greedy.ArgMax(logits));
        }
    }
}
