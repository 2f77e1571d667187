using System.Collections.Concurrent;
using System.Diagnostics;
using Bytez.Engine.Generation;
using Bytez.Engine.Onnx.Generation;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Generation;

/// <summary>
/// Continuous batching of ONNX decoder steps: concurrent sequences of one instance share session runs (left-padded
/// caches, attention mask zero over the padding, true position ids) and each gets what it gets alone.
/// </summary>
public sealed class OnnxBatchingTests : IDisposable
{
    private const float Tolerance = 1e-4f;
    private readonly OnnxDecoderTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<OnnxDecoderArchitecture, bool> Variants => new()
    {
        { OnnxDecoderArchitecture.Gpt2, false },
        { OnnxDecoderArchitecture.Gpt2, true },
        { OnnxDecoderArchitecture.Llama, false },
        { OnnxDecoderArchitecture.Llama, true },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task ForwardAsync_ConcurrentGreedyStreams_GiveExactlyTheTokensOfEachAlone(OnnxDecoderArchitecture architecture, bool merged)
    {
        var ct = TestContext.Current.CancellationToken;
        var model = _folder.Write("m", new() { Architecture = architecture, Merged = merged });
        using var alone = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { ContinuousBatching = false });
        using var batched = OnnxDecoderTestFolder.Load(model);
        Assert.True(batched.IsBatching);
        Assert.False(alone.IsBatching);
        var sizes = new ConcurrentBag<int>();
        batched.BatchObserver = sizes.Add;

        var prompts = Enumerable.Range(0, 6).Select(Prompt).ToArray(); // 3 to 23 tokens
        var expected = new List<Trace>();
        foreach (var prompt in prompts)
        {
            expected.Add(await Run(alone, prompt, 24, ct));
        }

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = prompts.Select(p => Task.Run(async () => { await start.Task; return await Run(batched, p, 24, ct); }, ct)).ToArray();
        start.SetResult();
        var actual = await Task.WhenAll(runs);

        var worst = 0f;
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(expected[i].Tokens, actual[i].Tokens);
            worst = Math.Max(worst, MaxDifference(expected[i], actual[i]));
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{architecture}{(merged ? " merged" : string.Empty)}: largest logit difference {worst:E2}; batch sizes {Histogram(sizes)}");
        Assert.True(worst <= Tolerance, $"Largest logit difference {worst} exceeds {Tolerance}.");
        Assert.Contains(sizes, s => s > 1);
        Assert.All(sizes, s => Assert.InRange(s, 1, batched.MaxBatchSize));
        Assert.True(expected.SelectMany(e => e.Tokens).Distinct().Count() > 4, "Greedy decoding repeats itself.");
    }

    [Fact]
    public async Task ForwardAsync_MoreStreamsThanMaxBatchSize_CapsEachRun()
    {
        var ct = TestContext.Current.CancellationToken;
        var model = _folder.Write("m", new() { Architecture = OnnxDecoderArchitecture.Llama });
        using var alone = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { ContinuousBatching = false });
        using var batched = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { MaxBatchSize = 3 });
        var sizes = new ConcurrentBag<int>();
        batched.BatchObserver = sizes.Add;
        var prompts = Enumerable.Range(0, 8).Select(Prompt).ToArray();
        var expected = new List<Trace>();
        foreach (var prompt in prompts)
        {
            expected.Add(await Run(alone, prompt, 16, ct));
        }

        var actual = await Task.WhenAll(prompts.Select(p => Task.Run(() => Run(batched, p, 16, ct), ct)));
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(expected[i].Tokens, actual[i].Tokens);
            Assert.True(MaxDifference(expected[i], actual[i]) <= Tolerance);
        }

        Assert.All(sizes, s => Assert.InRange(s, 1, 3));
        Assert.Contains(sizes, s => s > 1);
    }

    [Theory]
    [InlineData(OnnxDecoderArchitecture.Gpt2)]
    [InlineData(OnnxDecoderArchitecture.Llama)]
    public async Task ForwardAsync_StreamsJoinMidwayAndLeaveEarly_EachGetsItsTokensAlone(OnnxDecoderArchitecture architecture)
    {
        var ct = TestContext.Current.CancellationToken;
        var model = _folder.Write("m", new() { Architecture = architecture });
        using var alone = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { ContinuousBatching = false });
        using var batched = OnnxDecoderTestFolder.Load(model);
        var sizes = new ConcurrentBag<int>();
        batched.BatchObserver = sizes.Add;

        // Long streams 0 and 1 run throughout; 2 and 3 leave after a few tokens; 4 and 5 join when stream 0 has made 10 and 20.
        int[] counts = [40, 40, 5, 9, 20, 12];
        var prompts = Enumerable.Range(0, counts.Length).Select(i => Prompt(i + 1)).ToArray();
        var expected = new List<Trace>();
        for (var i = 0; i < counts.Length; i++)
        {
            expected.Add(await Run(alone, prompts[i], counts[i], ct));
        }

        var at10 = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var at20 = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<Trace> Stream(int i, Task after, Action<int>? onStep = null)
            => Task.Run(async () => { await after; return await Run(batched, prompts[i], counts[i], ct, onStep); }, ct);

        var tasks = new[]
        {
            Stream(0, Task.CompletedTask, step =>
            {
                if (step == 10)
                {
                    at10.TrySetResult();
                }
                else if (step == 20)
                {
                    at20.TrySetResult();
                }
            }),
            Stream(1, Task.CompletedTask),
            Stream(2, Task.CompletedTask),
            Stream(3, Task.CompletedTask),
            Stream(4, at10.Task),
            Stream(5, at20.Task),
        };
        var actual = await Task.WhenAll(tasks);
        var worst = 0f;
        for (var i = 0; i < counts.Length; i++)
        {
            Assert.Equal(expected[i].Tokens, actual[i].Tokens);
            worst = Math.Max(worst, MaxDifference(expected[i], actual[i]));
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"largest logit difference {worst:E2}; batch sizes {Histogram(sizes)}");
        Assert.True(worst <= Tolerance, $"Largest logit difference {worst} exceeds {Tolerance}.");
        Assert.Contains(sizes, s => s > 1);
    }

    [Fact]
    public async Task ForwardAsync_OneStreamCancelled_OthersGetTheirTokensAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        var model = _folder.Write("m");
        using var alone = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { ContinuousBatching = false });
        using var batched = OnnxDecoderTestFolder.Load(model);
        var prompts = Enumerable.Range(0, 5).Select(Prompt).ToArray();
        var expected = new List<Trace>();
        foreach (var prompt in prompts)
        {
            expected.Add(await Run(alone, prompt, 30, ct));
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var cancelled = Task.Run(() => Run(batched, prompts[0], 30, cancel.Token, step =>
        {
            if (step == 6)
            {
                cancel.Cancel();
            }
        }), ct);
        var others = prompts.Skip(1).Select(p => Task.Run(() => Run(batched, p, 30, ct), ct)).ToArray();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        var actual = await Task.WhenAll(others);
        for (var i = 1; i < prompts.Length; i++)
        {
            Assert.Equal(expected[i].Tokens, actual[i - 1].Tokens);
            Assert.True(MaxDifference(expected[i], actual[i - 1]) <= Tolerance);
        }
    }

    [Fact]
    public async Task ForwardAsync_CancelledWhileQueuedOrRunning_WithdrawnOrDroppedAndSequenceUnchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        var model = _folder.Write("m", new() { Architecture = OnnxDecoderArchitecture.Llama });
        using var alone = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { ContinuousBatching = false });
        using var batched = OnnxDecoderTestFolder.Load(model);

        // The observer runs inside a run (the next batch waits for it): holding it keeps a run in progress.
        using var entered = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        var hold = 0;
        var sizes = new ConcurrentBag<int>();
        batched.BatchObserver = n =>
        {
            sizes.Add(n);
            if (Interlocked.Exchange(ref hold, 0) == 1)
            {
                entered.Release();
                release.Wait(ct);
            }
        };

        int[] p1 = Prompt(1), p2 = Prompt(2), p3 = Prompt(3);
        var e2 = await Run(alone, p2, 2, ct);
        var e3 = await Run(alone, p3, 2, ct);
        using var s1 = batched.CreateSequence();
        using var s2 = batched.CreateSequence();
        using var s3 = batched.CreateSequence();
        var t1 = ArgMax((await s1.ForwardAsync(p1, ct)).Span);
        var t2 = ArgMax((await s2.ForwardAsync(p2, ct)).Span);
        var t3 = ArgMax((await s3.ForwardAsync(p3, ct)).Span);
        Assert.Equal(e2.Tokens[0], t2);

        // s1's step runs (alone) and is held; s2's and s3's queue behind it.
        Volatile.Write(ref hold, 1);
        var step1 = Task.Run(async () => await s1.ForwardAsync(new[] { t1 }, ct), ct);
        await entered.WaitAsync(ct);
        using var cancelQueued = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var queued2 = s2.ForwardAsync(new[] { t2 }, cancelQueued.Token).AsTask();
        var step3 = s3.ForwardAsync(new[] { t3 }, ct).AsTask();
        Assert.False(queued2.IsCompleted);
        await cancelQueued.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued2);
        Assert.Equal(p2.Length, s2.Length);

        // Queue s2 again, hold the next run (s3 and s2 together) and cancel s2 while it runs: its result is dropped.
        using var cancelRunning = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running2 = s2.ForwardAsync(new[] { t2 }, cancelRunning.Token).AsTask();
        Volatile.Write(ref hold, 1);
        release.Release();
        await step1;
        await entered.WaitAsync(ct);
        await cancelRunning.CancelAsync();
        Assert.False(running2.IsCompleted);
        release.Release();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running2);
        var logits3 = (await step3).ToArray();
        Assert.Equal(p2.Length, s2.Length);
        Assert.Equal(p3.Length + 1, s3.Length);
        Assert.Contains(2, sizes);
        AssertClose(e3.Logits[1], logits3);

        // The cancelled sequence goes on as if those calls had not been made.
        var logits2 = (await s2.ForwardAsync(new[] { t2 }, ct)).ToArray();
        AssertClose(e2.Logits[1], logits2);
        Assert.Equal(p2.Length + 1, s2.Length);
    }

    [Fact]
    public async Task ForwardAsync_SeededSamplingStreams_GiveTheTokensOfEachAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        var model = _folder.Write("m", new() { Architecture = OnnxDecoderArchitecture.Llama, Merged = true });
        using var alone = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { ContinuousBatching = false });
        using var batched = OnnxDecoderTestFolder.Load(model);
        var sizes = new ConcurrentBag<int>();
        batched.BatchObserver = sizes.Add;
        var settings = new GenerationSettings { DoSample = true, Temperature = 1.5, TopK = 0, TopP = 0.95, Seed = 42 };
        async Task<List<int>> Sample(IGenerativeInstance instance, int[] prompt, int seedOffset)
        {
            var sampler = new TokenSampler(settings, [], seedOffset);
            using var sequence = instance.CreateSequence();
            var tokens = new List<int>(prompt);
            var logits = await sequence.ForwardAsync(prompt, ct);
            for (var i = 0; i < 32; i++)
            {
                tokens.Add(sampler.Next(logits.Span, tokens, prompt.Length));
                logits = await sequence.ForwardAsync(new[] { tokens[^1] }, ct);
            }

            return tokens;
        }

        var expected = new List<List<int>>();
        for (var i = 0; i < 6; i++)
        {
            expected.Add(await Sample(alone, Prompt(i), i));
        }

        var actual = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => Sample(batched, Prompt(i), i), ct)));
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }

        Assert.Contains(sizes, s => s > 1);
    }

    [Fact]
    public async Task ForwardAsync_ModelWithoutCache_RunsEachStepAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        using var instance = OnnxDecoderTestFolder.Load(_folder.Write("m", new() { KeyValueCache = false }));
        Assert.False(instance.IsBatching);
        var sizes = new ConcurrentBag<int>();
        instance.BatchObserver = sizes.Add;
        var expected = await Run(instance, Prompt(2), 6, ct);
        var actual = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => Run(instance, Prompt(2), 6, ct), ct)));
        Assert.All(actual, a => Assert.Equal(expected.Tokens, a.Tokens));
        Assert.All(sizes, s => Assert.Equal(1, s));
    }

    [Fact]
    public void Load_BadBatchOptions_Refused()
    {
        var model = _folder.Write("m");
        Assert.Throws<ArgumentOutOfRangeException>(() => OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { MaxBatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { MaxBatchWait = TimeSpan.FromSeconds(-1) }));
    }

    [Fact]
    public async Task ForwardAsync_Throughput_IsReported()
    {
        // Not an assertion on speed: total tokens per second for 1, 4 and 8 concurrent greedy streams of 64 tokens.
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper;
        foreach (var architecture in new[] { OnnxDecoderArchitecture.Gpt2, OnnxDecoderArchitecture.Llama })
        {
            var model = _folder.Write(architecture.ToString(), new() { Architecture = architecture });
            foreach (var batching in new[] { false, true })
            {
                using var instance = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { ContinuousBatching = batching });
                var sizes = new ConcurrentBag<int>();
                await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Run(instance, Prompt(i), 8, ct), ct))); // warm up
                var line = $"{architecture} batching {(batching ? "on " : "off")}:";
                double? one = null;
                foreach (var streams in new[] { 1, 4, 8 })
                {
                    var best = 0.0;
                    for (var round = 0; round < 3; round++)
                    {
                        sizes.Clear();
                        instance.BatchObserver = sizes.Add;
                        var watch = Stopwatch.StartNew();
                        await Task.WhenAll(Enumerable.Range(0, streams).Select(i => Task.Run(() => Run(instance, Prompt(i), 64, ct), ct)));
                        best = Math.Max(best, streams * 64 / watch.Elapsed.TotalSeconds);
                    }

                    one ??= best;
                    line += $" {streams} stream(s) {best:F0} tok/s ({best / one.Value:F2}x, mean run {sizes.Where(s => s > 0).DefaultIfEmpty(1).Average():F1});";
                }

                output?.WriteLine(line);
            }
        }
    }

    private sealed record Trace(List<int> Tokens, List<float[]> Logits);

    /// <summary>Prompts of different lengths: 3 + 4i tokens.</summary>
    private static int[] Prompt(int i) => Enumerable.Range(0, 3 + 4 * i).Select(j => (j * 37 + i * 11 + 5) % 256).ToArray();

    /// <summary>Greedy decoding of <paramref name="count"/> tokens, with the logits of every call.</summary>
    private static async Task<Trace> Run(IGenerativeInstance instance, int[] prompt, int count, CancellationToken ct, Action<int>? onStep = null)
    {
        using var sequence = instance.CreateSequence();
        var logits = (await sequence.ForwardAsync(prompt, ct)).ToArray();
        var trace = new Trace([], [logits]);
        for (var i = 0; i < count; i++)
        {
            onStep?.Invoke(i);
            var next = ArgMax(logits);
            trace.Tokens.Add(next);
            logits = (await sequence.ForwardAsync(new[] { next }, ct)).ToArray();
            trace.Logits.Add(logits);
        }

        return trace;
    }

    private static float MaxDifference(Trace expected, Trace actual)
    {
        var worst = 0f;
        for (var step = 0; step < expected.Logits.Count; step++)
        {
            for (var i = 0; i < expected.Logits[step].Length; i++)
            {
                var d = Math.Abs(expected.Logits[step][i] - actual.Logits[step][i]);
                worst = float.IsNaN(d) ? float.PositiveInfinity : Math.Max(worst, d);
            }
        }

        return worst;
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0f;
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.False(float.IsNaN(actual[i]));
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }

        Assert.True(worst <= Tolerance, $"Largest logit difference {worst} exceeds {Tolerance}.");
    }

    private static string Histogram(IEnumerable<int> sizes)
        => string.Join(", ", sizes.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key}x{g.Count()}"));

    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }
}
