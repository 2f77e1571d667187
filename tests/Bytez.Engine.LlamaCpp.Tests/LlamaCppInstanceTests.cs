using System.Diagnostics;
using Bytez.Engine.Generation;
using Bytez.Protocol;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.LlamaCpp.Tests;

public sealed class LlamaCppInstanceTests(TinyLlamaFixture fixture, ITestOutputHelper output) : IClassFixture<TinyLlamaFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private int[] Prompt => fixture.Tokenizer.Encode("Hello world, the quick brown fox", addSpecialTokens: true);

    [Fact]
    public void LoadAsync_TinyGguf_ReportsVocabularyContextAndTemplate()
    {
        var instance = fixture.Instance;
        Assert.Equal(fixture.Written.Tokens.Count, instance.VocabularySize);
        Assert.Equal(512, instance.ContextLength);
        Assert.Equal(GgufModelWriter.ChatMLTemplate, instance.ChatTemplate);
        Assert.Equal(fixture.Written.BosTokenId, instance.Defaults.BosTokenId);
        Assert.Contains(fixture.Written.EosTokenId, instance.Defaults.EosTokenIds!);
        Assert.Equal("llama.cpp", fixture.Runtime.Name);
        Assert.Equal(fixture.Written.ParameterCount, instance.Header.ParameterCount);
    }

    [Fact]
    public void CanLoad_FileOrFolderWithOneGguf_True()
    {
        Assert.True(fixture.Runtime.CanLoad(TinyLlamaFixture.Descriptor(fixture.Written.Path)));
        Assert.True(fixture.Runtime.CanLoad(TinyLlamaFixture.Descriptor(Path.GetDirectoryName(fixture.Written.Path)!)));
        Assert.True(fixture.Runtime.CanLoad(TinyLlamaFixture.Descriptor(fixture.Written.Path, BytezTasks.Chat)));
    }

    [Fact]
    public void CanLoad_WrongTaskOrNoSingleGguf_False()
    {
        Assert.False(fixture.Runtime.CanLoad(TinyLlamaFixture.Descriptor(fixture.Written.Path, BytezTasks.FeatureExtraction)));
        string two = Path.Combine(fixture.Folder, "two");
        Directory.CreateDirectory(two);
        File.Copy(fixture.Written.Path, Path.Combine(two, "a.gguf"), overwrite: true);
        File.Copy(fixture.Written.Path, Path.Combine(two, "b.gguf"), overwrite: true);
        Assert.False(fixture.Runtime.CanLoad(TinyLlamaFixture.Descriptor(two)));
        Assert.False(fixture.Runtime.CanLoad(TinyLlamaFixture.Descriptor(Path.Combine(fixture.Folder, "missing"))));
    }

    [Theory]
    [InlineData("Hello world")]
    [InlineData("the quick brown fox jumps over the lazy dog.")]
    [InlineData("héllo ünïcode ✓ 日本語 🙂")]
    [InlineData("  two  spaces\nand a newline")]
    public void Tokenizer_EncodeThenDecode_RoundTripsText(string text)
    {
        var ids = fixture.Tokenizer.Encode(text, addSpecialTokens: false);
        Assert.Equal(text, fixture.Tokenizer.Decode(ids, skipSpecialTokens: true));
        var withBos = fixture.Tokenizer.Encode(text, addSpecialTokens: true);
        Assert.Equal(text, fixture.Tokenizer.Decode(withBos, skipSpecialTokens: true));
    }

    [Fact]
    public void Tokenizer_Encode_UsesVocabularyPieces()
    {
        var ids = fixture.Tokenizer.Encode("Hello world", addSpecialTokens: false);
        Assert.Equal(["\u2581Hello", "\u2581world"], ids.Select(fixture.Tokenizer.TokenToString));
    }

    [Fact]
    public void Tokenizer_AddSpecialTokens_PrependsBosOnlyThen()
    {
        var tokenizer = fixture.Tokenizer;
        Assert.Equal(fixture.Written.BosTokenId, tokenizer.BosTokenId);
        Assert.Equal("<s>", tokenizer.BosToken);
        Assert.Equal("</s>", tokenizer.EosToken);
        var with = tokenizer.Encode("Hello", addSpecialTokens: true);
        var without = tokenizer.Encode("Hello", addSpecialTokens: false);
        Assert.Equal(fixture.Written.BosTokenId, with[0]);
        Assert.Equal(without, with[1..]);
        Assert.DoesNotContain(fixture.Written.BosTokenId, without);
        Assert.Equal("<s> Hello", tokenizer.Decode(with, skipSpecialTokens: false));
    }

    [Fact]
    public void Tokenizer_EosTokenIds_IncludeEosAndEndOfTurn()
    {
        var eos = fixture.Tokenizer.EosTokenIds;
        Assert.Equal(fixture.Written.EosTokenId, eos[0]);
        Assert.Contains(fixture.Written.ImEndTokenId, eos);
    }

    [Fact]
    public void Tokenizer_ChatTemplateMarkers_AreSingleControlTokens()
    {
        var tokenizer = fixture.Tokenizer;
        const string Text = "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n";
        var ids = tokenizer.Encode(Text, addSpecialTokens: false);
        Assert.Equal(2, ids.Count(id => id == fixture.Written.ImStartTokenId));
        Assert.Single(ids, id => id == fixture.Written.ImEndTokenId);
        Assert.True(tokenizer.IsSpecial(fixture.Written.ImStartTokenId));
        Assert.True(tokenizer.IsSpecial(fixture.Written.BosTokenId));
        Assert.False(tokenizer.IsSpecial(ids[1]));
        Assert.Equal("<|im_start|>", tokenizer.TokenToString(fixture.Written.ImStartTokenId));
        Assert.DoesNotContain("<|im_", tokenizer.Decode(ids, skipSpecialTokens: true), StringComparison.Ordinal);
        Assert.Contains("<|im_end|>", tokenizer.Decode(ids, skipSpecialTokens: false), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardAsync_Logits_HaveVocabularyLengthAndLengthGrows()
    {
        using var sequence = fixture.Instance.CreateSequence();
        Assert.Equal(0, sequence.Length);
        var prompt = Prompt;
        var logits = await sequence.ForwardAsync(prompt, Ct);
        Assert.Equal(fixture.Instance.VocabularySize, logits.Length);
        Assert.Equal(prompt.Length, sequence.Length);
        Assert.All(logits.ToArray(), v => Assert.True(float.IsFinite(v)));
        logits = await sequence.ForwardAsync(new[] { 42 }, Ct);
        Assert.Equal(fixture.Instance.VocabularySize, logits.Length);
        Assert.Equal(prompt.Length + 1, sequence.Length);
    }

    [Fact]
    public async Task ForwardAsync_PromptAtOnceOrTokenByToken_SameGreedyTokens()
    {
        var prompt = Prompt;
        using var atOnce = fixture.Instance.CreateSequence();
        using var byToken = fixture.Instance.CreateSequence();
        var a = await Greedy.RunAsync(atOnce, prompt, 24);
        var b = await Greedy.RunAsync(byToken, prompt, 24, tokenByToken: true);
        Assert.Equal(a, b);
        Assert.True(a.Distinct().Count() > 3, $"greedy output should vary: {string.Join(",", a)}");
    }

    [Fact]
    public async Task ForwardAsync_InterleavedSequences_EqualEachAlone()
    {
        int[][] prompts =
        [
            fixture.Tokenizer.Encode("Hello world", true),
            fixture.Tokenizer.Encode("the cat sat on the mat", true),
            fixture.Tokenizer.Encode("How are you", true),
        ];
        var alone = new List<List<int>>();
        foreach (var prompt in prompts)
        {
            using var sequence = fixture.Instance.CreateSequence();
            alone.Add(await Greedy.RunAsync(sequence, prompt, 16));
        }

        // Three at once: more than one context's worth (two sequences per context in the fixture), stepped in turn.
        var sequences = prompts.Select(_ => fixture.Instance.CreateSequence()).ToList();
        try
        {
            var outputs = prompts.Select(_ => new List<int>()).ToList();
            var logits = new ReadOnlyMemory<float>[prompts.Length];
            for (int s = 0; s < prompts.Length; s++)
            {
                logits[s] = (await sequences[s].ForwardAsync(prompts[s], Ct)).ToArray();
            }

            for (int step = 0; step < 16; step++)
            {
                for (int s = 0; s < prompts.Length; s++)
                {
                    int next = Greedy.ArgMax(logits[s].Span);
                    outputs[s].Add(next);
                    logits[s] = (await sequences[s].ForwardAsync(new[] { next }, Ct)).ToArray();
                }
            }

            Assert.Equal(alone, outputs);
            Assert.True(fixture.Instance.ContextCount >= 2);
        }
        finally
        {
            sequences.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task ForwardAsync_ConcurrentSequencesOnThreads_EqualEachAlone()
    {
        var prompt = Prompt;
        List<int> expected;
        using (var sequence = fixture.Instance.CreateSequence())
        {
            expected = await Greedy.RunAsync(sequence, prompt, 12);
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            using var sequence = fixture.Instance.CreateSequence();
            return await Greedy.RunAsync(sequence, prompt, 12);
        })));
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public async Task Dispose_Sequence_FreesItsSlotForReuse()
    {
        var prompt = Prompt;
        List<int> first;
        using (var sequence = fixture.Instance.CreateSequence())
        {
            first = await Greedy.RunAsync(sequence, prompt, 8);
        }

        int contexts = fixture.Instance.ContextCount;
        for (int i = 0; i < 6; i++)
        {
            using var sequence = fixture.Instance.CreateSequence();
            Assert.Equal(first, await Greedy.RunAsync(sequence, prompt, 8));
        }

        Assert.Equal(contexts, fixture.Instance.ContextCount);
    }

    [Fact]
    public async Task ForwardAsync_CancelledBefore_ThrowsAndLeavesSequenceUnchanged()
    {
        using var sequence = fixture.Instance.CreateSequence();
        var prompt = Prompt;
        await sequence.ForwardAsync(prompt, Ct);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await sequence.ForwardAsync(new[] { 42 }, cts.Token));
        Assert.Equal(prompt.Length, sequence.Length);
    }

    [Theory]
    [InlineData(4)] // many decodes: cancelled between them
    [InlineData(512)] // one decode: cancelled inside it through llama.cpp's abort callback
    public async Task ForwardAsync_CancelledDuringLongPrompt_ThrowsAndRollsBack(int batchSize)
    {
        var runtime = new LlamaCppRuntime(new LlamaCppOptions { Threads = 1, BatchSize = batchSize, SequencesPerContext = 1 });
        // A larger model than the fixture's, so one prompt decode takes long enough to be interrupted.
        string path = Path.Combine(fixture.Folder, $"bigger-{batchSize}.gguf");
        GgufModelWriter.WriteTinyLlama(path, new GgufTinyOptions { EmbeddingLength = 256, FeedForwardLength = 1024, Layers = 4, Heads = 8, KeyValueHeads = 4 });
        using var instance = (LlamaCppInstance)await runtime.LoadAsync(TinyLlamaFixture.Descriptor(path), Ct);
        var head = Prompt;
        var text = string.Join(' ', Enumerable.Repeat("the quick brown fox jumps over the lazy dog", 80));
        var longPrompt = fixture.Tokenizer.Encode(text, false)[..(instance.ContextLength - head.Length - 10)];

        bool cancelled = false;
        for (int attempt = 0; attempt < 10 && !cancelled; attempt++)
        {
            using var sequence = instance.CreateSequence();
            await sequence.ForwardAsync(head, Ct);
            using var cts = new CancellationTokenSource();

            // A dedicated thread cancels: a timer's callback waits for a pool thread, which a loaded machine (the other
            // test assemblies run at the same time) may not give before the whole prompt is decoded.
            var delay = TimeSpan.FromMilliseconds(5 + (5 * (attempt % 5)));
            var canceller = new Thread(() =>
            {
                Thread.Sleep(delay);
                cts.Cancel();
            }) { IsBackground = true, Priority = ThreadPriority.AboveNormal };
            var clock = Stopwatch.StartNew();
            canceller.Start();
            try
            {
                await sequence.ForwardAsync(longPrompt, cts.Token);
                output.WriteLine($"attempt {attempt}: the prompt finished in {clock.Elapsed.TotalMilliseconds:F1} ms");
                canceller.Join();
                continue; // finished before the cancellation: try again with a fresh sequence
            }
            catch (OperationCanceledException)
            {
                output.WriteLine($"attempt {attempt}: cancelled after {clock.Elapsed.TotalMilliseconds:F1} ms");
                cancelled = true;
            }

            Assert.Equal(head.Length, sequence.Length);

            // The sequence still works, unaffected by the cancelled feed.
            var next = (await sequence.ForwardAsync(new[] { 42 }, Ct)).ToArray();
            using var fresh = instance.CreateSequence();
            await fresh.ForwardAsync(head, Ct);
            var reference = (await fresh.ForwardAsync(new[] { 42 }, Ct)).ToArray();
            Assert.Equal(reference.Length, next.Length);
            for (int i = 0; i < next.Length; i++)
            {
                Assert.True(Math.Abs(reference[i] - next[i]) < 1e-3f, $"logit {i}: {reference[i]} vs {next[i]}");
            }
        }

        Assert.True(cancelled, "the long prompt always finished before the cancellation");
    }

    [Fact]
    public async Task ForwardAsync_BeyondContextLength_ThrowsBadInput()
    {
        using var sequence = fixture.Instance.CreateSequence();
        var tooLong = Enumerable.Repeat(42, fixture.Instance.ContextLength + 1).ToArray();
        var e = await Assert.ThrowsAsync<EngineException>(async () => await sequence.ForwardAsync(tooLong, Ct));
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Equal(0, sequence.Length);
    }

    [Fact]
    public async Task ForwardAsync_Steps_AreFastOnTheTinyModel()
    {
        using var sequence = fixture.Instance.CreateSequence();
        var prompt = Prompt;
        var clock = Stopwatch.StartNew();
        var logits = await sequence.ForwardAsync(prompt, Ct);
        var prefill = clock.Elapsed;
        clock.Restart();
        const int Steps = 50;
        for (int i = 0; i < Steps; i++)
        {
            logits = await sequence.ForwardAsync(new[] { Greedy.ArgMax(logits.Span) }, Ct);
        }

        var perStep = clock.Elapsed / Steps;
        output.WriteLine($"prefill of {prompt.Length} tokens: {prefill.TotalMilliseconds:F2} ms; decode step: {perStep.TotalMilliseconds:F3} ms");
        Assert.True(perStep < TimeSpan.FromMilliseconds(100), $"a step took {perStep.TotalMilliseconds} ms");
    }
}
