using System.Collections.Concurrent;
using Bytez.Engine.Generation;
using Bytez.Engine.Onnx.Generation;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Generation;

/// <summary>
/// Prefix caching of the ONNX decoder (real ONNX Runtime on tiny decoders, through the engine's generation loop): a
/// prompt that starts with tokens an earlier sequence fed starts from their kept key/value cache, and the tokens
/// generated are those of an instance without the cache.
/// </summary>
public sealed class OnnxPrefixCacheTests : IDisposable
{
    private const float Tolerance = 1e-4f;
    private const int NewTokens = 12;
    private readonly OnnxDecoderTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<OnnxDecoderArchitecture, bool, bool> Turns => new()
    {
        { OnnxDecoderArchitecture.Gpt2, false, false },
        { OnnxDecoderArchitecture.Gpt2, true, false },
        { OnnxDecoderArchitecture.Llama, false, false },
        { OnnxDecoderArchitecture.Llama, true, false },
        { OnnxDecoderArchitecture.Llama, false, true },
    };

    [Theory]
    [MemberData(nameof(Turns))]
    public async Task GenerateAsync_SecondChatTurn_ReusesTheFirstAndGivesTheTokensOfNoCache(OnnxDecoderArchitecture architecture, bool sampled, bool merged)
    {
        var model = Write(architecture, merged);
        using var cached = OnnxDecoderTestFolder.Load(model);
        using var plain = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { PrefixCache = false });
        Assert.True(cached.IsPrefixCaching);
        var observed = new ConcurrentBag<int>();
        cached.PrefixReuseObserver = observed.Add;
        var settings = Settings(sampled);

        var turn1 = Chat(cached, "You are a terse assistant who answers in riddles.", "What is the tallest mountain?");
        var first = await AssertSameAsync(cached, plain, turn1, settings);
        Assert.Equal(0, cached.PrefixCacheHits);

        // The second turn: the first prompt, the answer, the end of that turn and a new question.
        int[] turn2 = [.. turn1, .. first, .. Tail(cached, "And the deepest lake?")];
        await AssertSameAsync(cached, plain, turn2, settings);

        // Kept after turn 1: its prompt and every token fed after it (all generated but the last, which was never fed).
        var reused = turn1.Length + first.Length - 1;
        Assert.Equal(1, cached.PrefixCacheHits);
        Assert.Equal(reused, cached.PrefixCacheReusedTokens);
        Assert.Equal([reused], observed);
        Assert.Equal(0, plain.PrefixCacheHits);
    }

    [Theory]
    [InlineData(OnnxDecoderArchitecture.Gpt2)]
    [InlineData(OnnxDecoderArchitecture.Llama)]
    public async Task GenerateAsync_PromptSharingOnlyAPrefix_ReusesTheCommonPartOnly(OnnxDecoderArchitecture architecture)
    {
        var model = Write(architecture);
        using var cached = OnnxDecoderTestFolder.Load(model);
        using var plain = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { PrefixCache = false });
        const string system = "You are a helpful assistant. Keep every answer short and kind.";
        var a = Chat(cached, system, "Name a red fruit.");
        var b = Chat(cached, system, "Which planet is closest to the sun?");
        var first = await AssertSameAsync(cached, plain, a, Settings(sampled: false));
        await AssertSameAsync(cached, plain, b, Settings(sampled: false));

        int[] kept = [.. a, .. first[..^1]];
        var common = b.AsSpan(0, b.Length - 1).CommonPrefixLength(kept);
        Assert.InRange(common, 16, a.Length - 1);
        Assert.Equal(1, cached.PrefixCacheHits);
        Assert.Equal(common, cached.PrefixCacheReusedTokens);
    }

    [Fact]
    public async Task GenerateAsync_ConcurrentBatchedStreamsSharingASystemPrompt_EachGetsItsTokensAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        var model = Write(OnnxDecoderArchitecture.Llama);
        using var cached = OnnxDecoderTestFolder.Load(model);
        using var plain = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { PrefixCache = false, ContinuousBatching = false });
        Assert.True(cached.IsBatching);
        var sizes = new ConcurrentBag<int>();
        cached.BatchObserver = sizes.Add;
        const string system = "You are a calm assistant for a library. Answer questions about books.";
        string[] questions = ["Alpha?", "Books on bees?", "Could I renew?", "Do you open late?", "Every branch?", "Fines for DVDs?"];
        var warm = Chat(cached, system, "Where is the map room?");
        var prompts = questions.Select(q => Chat(cached, system, q)).ToArray();
        var shared = prompts.Skip(1).Aggregate(prompts[0].Length, (n, p) => Math.Min(n, p.AsSpan().CommonPrefixLength(prompts[0])));
        Assert.Equal(shared, warm.AsSpan().CommonPrefixLength(prompts[0]));

        var settings = Settings(sampled: true) with { MaxNewTokens = 24, MinNewTokens = 24 };
        await Generate(cached, warm, settings, ct);
        var expected = new List<int[]>();
        foreach (var prompt in prompts)
        {
            expected.Add((await Generate(plain, prompt, settings, ct)).Tokens);
        }

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = prompts.Select(p => Task.Run(async () => { await start.Task; return await Generate(cached, p, settings, ct); }, ct)).ToArray();
        start.SetResult();
        var actual = await Task.WhenAll(runs);
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(expected[i], actual[i].Tokens);
        }

        Assert.Contains(sizes, s => s > 1);
        Assert.Equal(prompts.Length, cached.PrefixCacheHits);
        Assert.Equal(prompts.Length * shared, cached.PrefixCacheReusedTokens);
        Assert.True(cached.PrefixCacheBytes <= cached.PrefixCacheBudgetBytes);
    }

    [Fact]
    public async Task GenerateAsync_AfterEviction_FeedsTheWholePromptAndGivesTheSameTokens()
    {
        var model = Write(OnnxDecoderArchitecture.Gpt2);
        using var probe = OnnxDecoderTestFolder.Load(model);
        var a1 = Chat(probe, "You are a sailor. Speak of the sea.", "How deep is the harbour?");
        var b1 = Chat(probe, "Be a gardener who loves roses.", "When do I prune them?");
        var longest = Math.Max(a1.Length, b1.Length) + NewTokens;

        // Room for one conversation only: keeping the second drops the first.
        var budget = longest * BytesPerToken(probe) + (BytesPerToken(probe) / 2);
        using var cached = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { PrefixCacheBytes = budget });
        using var plain = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { PrefixCache = false });
        var settings = Settings(sampled: false);
        var a1Out = await AssertSameAsync(cached, plain, a1, settings);
        Assert.Equal(1, cached.PrefixCacheEntries);
        var b1Out = await AssertSameAsync(cached, plain, b1, settings);
        Assert.Equal(1, cached.PrefixCacheEntries);
        Assert.InRange(cached.PrefixCacheBytes, 1, budget);

        // Conversation A was evicted: its second turn is fed whole. Its own cache is larger than the budget, so it is
        // not kept and B's stays.
        int[] a2 = [.. a1, .. a1Out, .. Tail(cached, "And at low tide?")];
        Assert.True(a2.Length * BytesPerToken(probe) > budget);
        await AssertSameAsync(cached, plain, a2, settings);
        Assert.Equal(0, cached.PrefixCacheHits);
        Assert.Equal(1, cached.PrefixCacheEntries);
        Assert.InRange(cached.PrefixCacheBytes, 1, budget);

        await AssertSameAsync(cached, plain, [.. b1, .. b1Out, .. Tail(cached, "And the tulips?")], settings);
        Assert.Equal(1, cached.PrefixCacheHits);
        Assert.Equal(b1.Length + b1Out.Length - 1, cached.PrefixCacheReusedTokens);
        Assert.InRange(cached.PrefixCacheBytes, 1, budget);
    }

    [Fact]
    public async Task GenerateAsync_ManyConversations_KeepsWithinTheBudgetLeastRecentlyUsedFirst()
    {
        var model = Write(OnnxDecoderArchitecture.Llama);
        using var probe = OnnxDecoderTestFolder.Load(model);
        var perToken = BytesPerToken(probe);
        var budget = 150 * perToken;
        using var cached = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { PrefixCacheBytes = budget });
        var settings = Settings(sampled: false);
        var conversations = Enumerable.Range(0, 6).Select(i => Chat(cached, $"System {(char)('A' + i)}: you answer in haiku.", $"Topic {i}?")).ToArray();
        var kept = new List<int[]>();
        foreach (var prompt in conversations)
        {
            var output = await Generate(cached, prompt, settings, TestContext.Current.CancellationToken);
            kept.Add([.. prompt, .. output.Tokens[..^1]]);
            Assert.InRange(cached.PrefixCacheBytes, 0, budget);
        }

        // The newest entries that fit are kept, the older ones dropped.
        var fit = 0;
        for (long bytes = 0; fit < kept.Count && bytes + (kept[^(fit + 1)].Length * perToken) <= budget; fit++)
        {
            bytes += kept[^(fit + 1)].Length * perToken;
        }

        Assert.InRange(fit, 1, kept.Count - 1);
        Assert.Equal(fit, cached.PrefixCacheEntries);
        Assert.Equal(kept.TakeLast(fit).Sum(k => k.Length * perToken), cached.PrefixCacheBytes);
        Assert.Equal(0, cached.PrefixCacheHits);

        // A prompt longer than the whole budget is not kept at all.
        using var tiny = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { PrefixCacheBytes = 10 * perToken });
        await Generate(tiny, conversations[0], settings, TestContext.Current.CancellationToken);
        Assert.Equal(0, tiny.PrefixCacheBytes);
        Assert.Equal(0, tiny.PrefixCacheEntries);
    }

    [Fact]
    public async Task GenerateAsync_PrefixCachingOff_ReusesNothingAndKeepsNothing()
    {
        var model = Write(OnnxDecoderArchitecture.Llama);
        using var off = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { PrefixCache = false });
        var observed = new ConcurrentBag<int>();
        off.PrefixReuseObserver = observed.Add;
        Assert.False(off.IsPrefixCaching);
        Assert.Equal(0, off.PrefixCacheBudgetBytes);
        var turn1 = Chat(off, "You are a terse assistant who answers in riddles.", "What is the tallest mountain?");
        var first = await Generate(off, turn1, Settings(sampled: false), TestContext.Current.CancellationToken);
        await Generate(off, [.. turn1, .. first.Tokens, .. Tail(off, "And the deepest lake?")], Settings(sampled: false), TestContext.Current.CancellationToken);
        Assert.Equal(0, off.PrefixCacheHits);
        Assert.Equal(0, off.PrefixCacheReusedTokens);
        Assert.Equal(0, off.PrefixCacheBytes);
        Assert.Empty(observed);
    }

    [Fact]
    public async Task GenerateAsync_CommonPrefixShorterThanTheMinimum_IsNotUsed()
    {
        var model = Write(OnnxDecoderArchitecture.Gpt2);
        using var cached = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { PrefixCacheMinTokens = 40 });
        using var plain = OnnxDecoderTestFolder.Load(model, new OnnxDecoderOptions { PrefixCache = false });
        var a = Chat(cached, "Short system.", "First question here?");
        var b = Chat(cached, "Short system.", "Another one?");
        Assert.InRange(b.AsSpan().CommonPrefixLength(a), 16, 39);
        await AssertSameAsync(cached, plain, a, Settings(sampled: false));
        await AssertSameAsync(cached, plain, b, Settings(sampled: false));
        Assert.Equal(0, cached.PrefixCacheHits);
    }

    [Fact]
    public void Validate_NegativeBudgetOrNoMinimum_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxDecoderOptions { PrefixCacheBytes = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxDecoderOptions { PrefixCacheMinTokens = 0 }.Validate());
        new OnnxDecoderOptions { PrefixCacheBytes = 0 }.Validate();
    }

    private OnnxDecoderModel Write(OnnxDecoderArchitecture architecture, bool merged = false)
        => _folder.Write(architecture + (merged ? "-merged" : string.Empty), new() { Architecture = architecture, Merged = merged, ContextLength = 512 });

    private static GenerationSettings Settings(bool sampled) => sampled
        ? new GenerationSettings { DoSample = true, Seed = 7, TopK = 0, MaxNewTokens = NewTokens, MinNewTokens = NewTokens, Logprobs = true }
        : new GenerationSettings { MaxNewTokens = NewTokens, MinNewTokens = NewTokens, Logprobs = true };

    /// <summary>Bytes of cache per token of a float32 tiny decoder: keys and values of every layer.</summary>
    private static long BytesPerToken(OnnxDecoderInstance instance) => 2L * instance.CacheLayerCount * instance.KeyValueHeads * instance.HeadDim * sizeof(float);

    /// <summary>A ChatML prompt with a system message and a user message, ready for the assistant's answer.</summary>
    private static int[] Chat(OnnxDecoderInstance instance, string system, string user)
        => instance.Tokenizer.Encode($"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n", addSpecialTokens: false);

    /// <summary>What follows an assistant's answer in the next turn's prompt: the end of its turn and a new question.</summary>
    private static int[] Tail(OnnxDecoderInstance instance, string user)
        => instance.Tokenizer.Encode($"<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n", addSpecialTokens: false);

    /// <summary>Generates on both instances; asserts the same tokens and log-probabilities; returns the tokens.</summary>
    private static async Task<int[]> AssertSameAsync(OnnxDecoderInstance cached, OnnxDecoderInstance plain, int[] prompt, GenerationSettings settings)
    {
        var ct = TestContext.Current.CancellationToken;
        var expected = await Generate(plain, prompt, settings, ct);
        var actual = await Generate(cached, prompt, settings, ct);
        Assert.Equal(expected.Tokens, actual.Tokens);
        var worst = expected.Logprobs.Zip(actual.Logprobs, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(worst <= Tolerance, $"Largest log-probability difference {worst} exceeds {Tolerance}.");
        Assert.True(expected.Tokens.Distinct().Count() > 2, "The tiny model repeats one token.");
        return actual.Tokens;
    }

    private static async Task<(int[] Tokens, float[] Logprobs)> Generate(IGenerativeInstance model, int[] prompt, GenerationSettings settings, CancellationToken ct)
    {
        var logprobs = new List<TokenLogprob>();
        await foreach (var piece in TextGenerator.GenerateAsync(model, prompt, settings, 0, cancellationToken: ct))
        {
            logprobs.AddRange(piece.Logprobs ?? []);
        }

        Assert.Equal(settings.MaxNewTokens, logprobs.Count);
        return ([.. logprobs.Select(l => l.TokenId)], [.. logprobs.Select(l => l.Logprob)]);
    }
}
