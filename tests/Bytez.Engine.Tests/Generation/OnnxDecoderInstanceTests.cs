using System.Diagnostics;
using Bytez.Engine.Generation;
using Bytez.Engine.Onnx.Generation;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Generation;

public sealed class OnnxDecoderInstanceTests : IDisposable
{
    private static readonly int[] Prompt = [72, 101, 108, 108, 111, 266, 44, 32, 119, 111, 114, 108, 100];
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
    public async Task ForwardAsync_GreedyWithCache_EqualsFullRecomputation(OnnxDecoderArchitecture architecture, bool merged)
    {
        var ct = TestContext.Current.CancellationToken;
        using var cached = OnnxDecoderTestFolder.Load(_folder.Write("cached", new() { Architecture = architecture, Merged = merged }));
        using var full = OnnxDecoderTestFolder.Load(_folder.Write("full", new() { Architecture = architecture, KeyValueCache = false }));
        Assert.True(cached.HasKeyValueCache);
        Assert.Equal(merged, cached.IsMergedDecoder);
        Assert.False(full.HasKeyValueCache);

        using var a = cached.CreateSequence();
        using var b = full.CreateSequence();
        var logitsA = (await a.ForwardAsync(Prompt, ct)).ToArray();
        var logitsB = (await b.ForwardAsync(Prompt, ct)).ToArray();
        var tokens = new List<int>();
        for (var step = 0; step < 20; step++)
        {
            AssertClose(logitsB, logitsA, 1e-4f);
            var next = ArgMax(logitsA);
            Assert.Equal(ArgMax(logitsB), next);
            tokens.Add(next);
            logitsA = (await a.ForwardAsync(new[] { next }, ct)).ToArray();
            logitsB = (await b.ForwardAsync(new[] { next }, ct)).ToArray();
        }

        Assert.Equal(Prompt.Length + 20, a.Length);
        Assert.Equal(Prompt.Length + 20, b.Length);
        Assert.True(tokens.Distinct().Count() > 2, $"Greedy decoding repeats itself: {string.Join(", ", tokens)}");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task ForwardAsync_PromptInOneCall_EqualsTokenByToken(OnnxDecoderArchitecture architecture, bool merged)
    {
        var ct = TestContext.Current.CancellationToken;
        using var instance = OnnxDecoderTestFolder.Load(_folder.Write("m", new() { Architecture = architecture, Merged = merged }));
        using var whole = instance.CreateSequence();
        using var single = instance.CreateSequence();
        var expected = (await whole.ForwardAsync(Prompt, ct)).ToArray();
        float[] actual = [];
        foreach (var token in Prompt)
        {
            actual = (await single.ForwardAsync(new[] { token }, ct)).ToArray();
        }

        AssertClose(expected, actual, 1e-4f);
        Assert.Equal(whole.Length, single.Length);
    }

    [Fact]
    public async Task ForwardAsync_Float16CacheAndLogits_FollowsTheFloat32Model()
    {
        var ct = TestContext.Current.CancellationToken;
        using var half = OnnxDecoderTestFolder.Load(_folder.Write("half", new() { Float16Io = true, FileName = "model_fp16.onnx" }));
        using var full = OnnxDecoderTestFolder.Load(_folder.Write("full"));
        Assert.EndsWith("model_fp16.onnx", half.ModelPath, StringComparison.Ordinal);
        using var a = half.CreateSequence();
        using var b = full.CreateSequence();
        var logitsA = (await a.ForwardAsync(Prompt, ct)).ToArray();
        var logitsB = (await b.ForwardAsync(Prompt, ct)).ToArray();
        for (var step = 0; step < 10; step++)
        {
            AssertClose(logitsB, logitsA, 0.05f);
            var next = ArgMax(logitsB); // feed the same tokens to both
            logitsA = (await a.ForwardAsync(new[] { next }, ct)).ToArray();
            logitsB = (await b.ForwardAsync(new[] { next }, ct)).ToArray();
        }

        Assert.Equal(Prompt.Length + 10, a.Length);
    }

    [Fact]
    public async Task CreateSequence_InterleavedSequences_AreIndependent()
    {
        var ct = TestContext.Current.CancellationToken;
        using var instance = OnnxDecoderTestFolder.Load(_folder.Write("m", new() { Architecture = OnnxDecoderArchitecture.Llama }));
        var alone1 = await Greedy(instance, Prompt, 8, ct);
        var alone2 = await Greedy(instance, [1, 2, 3], 8, ct);

        using var s1 = instance.CreateSequence();
        using var s2 = instance.CreateSequence();
        var next1 = ArgMax((await s1.ForwardAsync(Prompt, ct)).Span);
        var next2 = ArgMax((await s2.ForwardAsync(new[] { 1, 2, 3 }, ct)).Span);
        var t1 = new List<int>();
        var t2 = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            t1.Add(next1);
            t2.Add(next2);
            next2 = ArgMax((await s2.ForwardAsync(new[] { next2 }, ct)).Span);
            next1 = ArgMax((await s1.ForwardAsync(new[] { next1 }, ct)).Span);
        }

        Assert.Equal(alone1, t1);
        Assert.Equal(alone2, t2);
    }

    [Fact]
    public async Task CreateSequence_ConcurrentSequencesOnThreads_GiveTheSameTokensAsAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        using var instance = OnnxDecoderTestFolder.Load(_folder.Write("m"));
        var expected = await Greedy(instance, Prompt, 16, ct);
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Greedy(instance, Prompt, 16, ct), ct)));
        Assert.All(runs, r => Assert.Equal(expected, r));
    }

    [Fact]
    public async Task ForwardAsync_CancelledToken_ThrowsAndLeavesSequenceUsable()
    {
        var ct = TestContext.Current.CancellationToken;
        using var instance = OnnxDecoderTestFolder.Load(_folder.Write("m"));
        using var sequence = instance.CreateSequence();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await sequence.ForwardAsync(Prompt, cancelled.Token));
        Assert.Equal(0, sequence.Length);

        var expected = await Greedy(instance, Prompt, 4, ct);
        var next = ArgMax((await sequence.ForwardAsync(Prompt, ct)).Span);
        var tokens = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            tokens.Add(next);
            next = ArgMax((await sequence.ForwardAsync(new[] { next }, ct)).Span);
        }

        Assert.Equal(expected, tokens);
    }

    [Fact]
    public async Task ForwardAsync_CancelledWhileRunning_TerminatesTheRun()
    {
        // One long prefill (a few hundred ms on this model), cancelled while ONNX Runtime runs it: RunOptions.Terminate.
        var ct = TestContext.Current.CancellationToken;
        using var instance = OnnxDecoderTestFolder.Load(_folder.Write("m", new() { ContextLength = 4096 }));
        using var sequence = instance.CreateSequence();
        var prompt = Enumerable.Range(0, 4000).Select(i => i % 256).ToArray();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);

        // A dedicated thread cancels: a thread-pool timer can fire late when parallel test classes keep the pool busy,
        // after the prefill has already finished.
        var canceller = new Thread(() =>
        {
            Thread.Sleep(20);
            cts.Cancel();
        });
        canceller.Start();
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await sequence.ForwardAsync(prompt, cts.Token));
        var cancelledAfter = watch.Elapsed;
        canceller.Join();
        Assert.Equal(0, sequence.Length);

        watch.Restart();
        await sequence.ForwardAsync(prompt, ct);
        var full = watch.Elapsed;
        Assert.Equal(prompt.Length, sequence.Length);
        TestContext.Current.TestOutputHelper?.WriteLine($"cancelled after {cancelledAfter.TotalMilliseconds:F0} ms; the full prefill takes {full.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task ForwardAsync_PastContextLength_IsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        using var instance = OnnxDecoderTestFolder.Load(_folder.Write("m", new() { ContextLength = 16 }));
        using var sequence = instance.CreateSequence();
        await sequence.ForwardAsync(Prompt, ct);
        var e = await Assert.ThrowsAsync<EngineException>(async () => await sequence.ForwardAsync(new[] { 1, 2, 3, 4 }, ct));
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("16", e.Message, StringComparison.Ordinal);
        Assert.Equal(Prompt.Length, sequence.Length);
    }

    [Fact]
    public void Load_TinyGpt2_ReportsConfiguration()
    {
        var model = _folder.Write("m");
        using var instance = OnnxDecoderTestFolder.Load(model);
        Assert.Equal(OnnxDecoderModelWriter.VocabularySize, instance.VocabularySize);
        Assert.Equal(128, instance.ContextLength);
        Assert.Equal(OnnxDecoderModelWriter.ChatTemplate, instance.ChatTemplate);
        Assert.Equal([model.EndOfTextId, model.ImEndId], instance.Defaults.EosTokenIds);
        Assert.Equal(model.EndOfTextId, instance.Defaults.BosTokenId);
        Assert.Equal(32, instance.Defaults.MaxNewTokens);
        Assert.False(instance.Defaults.DoSample);
        Assert.Equal(2, instance.CacheLayerCount);
        Assert.Equal(4, instance.KeyValueHeads);
        Assert.Equal(16, instance.HeadDim);
        Assert.Equal(model.OnnxPath, instance.ModelPath);
    }

    [Theory]
    [InlineData("the then in a son", new[] { 116, 257, 258, 110, 32, 259, 260, 263, 262 })]
    [InlineData("<|im_start|>user\nHello there<|im_end|>\n", new[] { 267, 117, 115, 261, 10, 72, 101, 265, 111, 258, 264, 268, 10 })]
    [InlineData("h\u00e9llo \u4e16\u754c \U0001F642", new[] { 104, 195, 169, 265, 111, 32, 228, 184, 150, 231, 149, 140, 32, 240, 159, 153, 130 })]
    public void Tokenizer_TinyModel_GivesTheIdsOfHuggingFaceTokenizers(string text, int[] expected)
    {
        // The expected ids are what Hugging Face's Rust tokenizers (through Tokenizers.DotNet 1.4.1) give for the written tokenizer.json.
        using var instance = OnnxDecoderTestFolder.Load(_folder.Write("m"));
        Assert.Equal(expected, instance.Tokenizer.Encode(text, addSpecialTokens: true));
        Assert.Equal(text, instance.Tokenizer.Decode(expected, skipSpecialTokens: false));
        Assert.True(instance.Tokenizer.IsSpecial(OnnxDecoderModelWriter.ImEndId));
    }

    [Fact]
    public void Load_TinyLlama_ReadsGroupedQueryHeadsFromTheGraph()
    {
        using var instance = OnnxDecoderTestFolder.Load(_folder.Write("m", new() { Architecture = OnnxDecoderArchitecture.Llama }));
        Assert.Equal(2, instance.KeyValueHeads);
        Assert.Equal(16, instance.HeadDim);
        Assert.Equal(4, instance.Configuration.AttentionHeads);
        Assert.Equal("llama", instance.Configuration.ModelType);
    }

    [Theory]
    [InlineData("tokenizer.json")]
    [InlineData("config.json")]
    [InlineData("onnx/model.onnx")]
    public void Load_MissingPiece_RefusesNamingIt(string piece)
    {
        var model = _folder.Write("m");
        File.Delete(Path.Combine(model.Folder, piece));
        var e = Assert.Throws<EngineException>(() => OnnxDecoderTestFolder.Load(model));
        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
        Assert.Contains(piece, e.Message, StringComparison.Ordinal);
        // The detector looks at config.json and the ONNX file only, so that a folder lacking its tokenizer still reaches
        // this loader and gets the message above.
        Assert.Equal(piece == "tokenizer.json", OnnxDecoderLoader.IsDecoderFolder(model.Folder));
    }

    [Fact]
    public void Load_MissingFolder_IsNotFound()
    {
        var e = Assert.Throws<EngineException>(() => OnnxDecoderLoader.Load(
            OnnxDecoderTestFolder.Descriptor(Path.Combine(_folder.Root, "nope")), OnnxDecoderTestFolder.RuntimeOptions, TestContext.Current.CancellationToken));
        Assert.Equal(EngineErrorKind.NotFound, e.Kind);
    }

    [Fact]
    public void Load_VariantAsked_LoadsThatFileOrListsWhatExists()
    {
        var model = _folder.Write("m", new() { FileName = "model_q4.onnx" });
        using (var fallback = OnnxDecoderTestFolder.Load(model))
        {
            Assert.EndsWith("model_q4.onnx", fallback.ModelPath, StringComparison.Ordinal);
        }

        using (var q4 = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { Variant = "q4" }))
        {
            Assert.EndsWith("model_q4.onnx", q4.ModelPath, StringComparison.Ordinal);
        }

        var e = Assert.Throws<EngineException>(() => OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { Variant = "fp16" }));
        Assert.Contains("model_fp16.onnx", e.Message, StringComparison.Ordinal);
        Assert.Contains("q4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FullPrecisionAndQuantized_PrefersFullPrecision()
    {
        var model = _folder.Write("m");
        File.Copy(model.OnnxPath, Path.Combine(model.Folder, "onnx", "model_quantized.onnx"));
        using var instance = OnnxDecoderTestFolder.Load(model);
        Assert.Equal(model.OnnxPath, instance.ModelPath);
    }

    [Fact]
    public void IsDecoderFolder_DecoderAndOtherFolders_Distinguished()
    {
        var model = _folder.Write("m");
        Assert.True(OnnxDecoderLoader.IsDecoderFolder(model.Folder));

        var merged = _folder.Write("merged", new() { Merged = true });
        Assert.True(OnnxDecoderLoader.IsDecoderFolder(merged.Folder));

        // An encoder (sentence-transformers style) folder: onnx/model.onnx too, but a BertModel config.
        var encoder = Path.Combine(_folder.Root, "encoder");
        Directory.CreateDirectory(Path.Combine(encoder, "onnx"));
        File.WriteAllText(Path.Combine(encoder, "config.json"), """{"architectures": ["BertModel"], "model_type": "bert"}""");
        File.WriteAllBytes(Path.Combine(encoder, "onnx", "model.onnx"), [0]);
        Assert.False(OnnxDecoderLoader.IsDecoderFolder(encoder));
        Assert.False(OnnxDecoderLoader.IsDecoderFolder(Path.Combine(_folder.Root, "nope")));
    }

    [Fact]
    public async Task ForwardAsync_StepTimes_AreReported()
    {
        var ct = TestContext.Current.CancellationToken;
        using var cached = OnnxDecoderTestFolder.Load(_folder.Write("cached"));
        using var full = OnnxDecoderTestFolder.Load(_folder.Write("full", new() { KeyValueCache = false }));
        await Greedy(cached, Prompt, 4, ct); // warm up
        await Greedy(full, Prompt, 4, ct);
        var watch = Stopwatch.StartNew();
        await Greedy(cached, Prompt, 20, ct);
        var withCache = watch.Elapsed;
        watch.Restart();
        await Greedy(full, Prompt, 20, ct);
        var without = watch.Elapsed;
        TestContext.Current.TestOutputHelper?.WriteLine($"20 greedy tokens after a {Prompt.Length}-token prompt: {withCache.TotalMilliseconds:F1} ms with the cache, {without.TotalMilliseconds:F1} ms without");
        Assert.True(withCache < TimeSpan.FromSeconds(5));
    }

    private static async Task<List<int>> Greedy(IGenerativeInstance instance, int[] prompt, int count, CancellationToken ct)
    {
        using var sequence = instance.CreateSequence();
        var next = ArgMax((await sequence.ForwardAsync(prompt, ct)).Span);
        var tokens = new List<int>();
        for (var i = 0; i < count; i++)
        {
            tokens.Add(next);
            next = ArgMax((await sequence.ForwardAsync(new[] { next }, ct)).Span);
        }

        return tokens;
    }

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

    private static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0f;
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.False(float.IsNaN(actual[i]), $"NaN logit at {i}");
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }

        Assert.True(worst <= tolerance, $"Largest logit difference {worst} exceeds {tolerance}.");
    }
}
