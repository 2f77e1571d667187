using System.Collections.Concurrent;
using Bytez.Engine.Generation;

namespace Bytez.Engine.LlamaCpp.Tests;

/// <summary>
/// The prefix cache on real llama.cpp: a finished sequence's cells are reused by a later prompt that starts with the
/// same tokens, and the engine's generation loop produces exactly the tokens it produces on an instance without the
/// cache (greedy, and sampled with a seed), for a second chat turn, a shared system prompt only, concurrent streams,
/// and after eviction. The reuse observer (the metrics' source) counts exactly the tokens that were not decoded again.
/// </summary>
public sealed class PrefixCacheTests(TinyLlamaFixture fixture) : IClassFixture<TinyLlamaFixture>
{
    private const int NewTokens = 24;

    private const string System =
        "<|im_start|>system\nYou are a careful assistant for the lighthouse keepers of the northern islands. Answer " +
        "briefly, name the ship, the flag and the hour, and never guess the weather.<|im_end|>\n";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private int[] Encode(string text, bool special = true) => fixture.Tokenizer.Encode(text, addSpecialTokens: special);

    private int[] UserTurn(string question) => Encode(System + "<|im_start|>user\n" + question + "<|im_end|>\n<|im_start|>assistant\n");

    private async Task<LlamaCppInstance> LoadAsync(bool cache, int sequences = 4, int minTokens = 8) =>
        (LlamaCppInstance)await new LlamaCppRuntime(new LlamaCppOptions
        {
            Threads = 1, SequencesPerContext = sequences, PrefixCache = cache, PrefixCacheMinTokens = minTokens,
        }).LoadAsync(TinyLlamaFixture.Descriptor(fixture.Written.Path), Ct);

    private static GenerationSettings Settings(bool sample) => new()
    {
        MaxNewTokens = NewTokens, MinNewTokens = NewTokens, DoSample = sample, Temperature = 0.9, TopK = 40, Seed = 42, Logprobs = true,
    };

    /// <summary>Runs the engine's generation loop and returns the generated token ids.</summary>
    private static async Task<int[]> GenerateAsync(IGenerativeInstance instance, int[] prompt, bool sample)
    {
        var ids = new List<int>();
        await foreach (var piece in TextGenerator.GenerateAsync(instance, prompt, Settings(sample), cancellationToken: Ct))
        {
            ids.AddRange(piece.Logprobs?.Select(l => l.TokenId) ?? []);
        }

        Assert.Equal(NewTokens, ids.Count);
        return [.. ids];
    }

    /// <summary>Counts cache hits and reused tokens as the engine's metrics do.</summary>
    private sealed class Reuse
    {
        private readonly ConcurrentQueue<int> _hits = new();

        public Reuse(LlamaCppInstance instance) => instance.PrefixReuseObserver = _hits.Enqueue;

        public int Hits => _hits.Count;

        public int Tokens => _hits.Sum();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SecondTurn_ExtendsTheFirst_SameTokensAsWithoutCacheAndFirstTurnReused(bool sample)
    {
        using var cached = await LoadAsync(cache: true);
        using var plain = await LoadAsync(cache: false);
        var reuse = new Reuse(cached);
        var offReuse = new Reuse(plain);

        int[] first = UserTurn("Which ship passed the rocks at midnight?");
        int[] reply = await GenerateAsync(cached, first, sample);
        Assert.Equal(reply, await GenerateAsync(plain, first, sample));
        Assert.Equal(0, reuse.Hits);

        int[] second = [.. first, .. reply, .. Encode("<|im_end|>\n<|im_start|>user\nAnd the flag it flew?<|im_end|>\n<|im_start|>assistant\n", special: false)];
        int[] withCache = await GenerateAsync(cached, second, sample);
        int[] without = await GenerateAsync(plain, second, sample);

        Assert.Equal(without, withCache);
        // The first turn's cells hold its prompt and every reply token but the last (sampled, never fed).
        Assert.Equal(1, reuse.Hits);
        Assert.Equal(first.Length + NewTokens - 1, reuse.Tokens);
        Assert.Equal(0, offReuse.Hits);
        Assert.Equal(0, plain.CachedPrefixCount);
    }

    [Fact]
    public async Task SamePromptAgain_ReusesAllButTheLastToken_SameTokens()
    {
        using var cached = await LoadAsync(cache: true);
        var reuse = new Reuse(cached);
        int[] prompt = UserTurn("Name the ship.");
        int[] once = await GenerateAsync(cached, prompt, sample: true);
        int[] again = await GenerateAsync(cached, prompt, sample: true);

        Assert.Equal(once, again);
        Assert.Equal(1, reuse.Hits);
        Assert.Equal(prompt.Length - 1, reuse.Tokens); // the last prompt token is decoded again for its logits
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SharedSystemPromptOnly_ReusesTheSharedTokensAndKeepsTheOlderChat(bool sample)
    {
        using var cached = await LoadAsync(cache: true);
        using var plain = await LoadAsync(cache: false);
        var reuse = new Reuse(cached);

        int[] a = UserTurn("Which ship passed the rocks at midnight?");
        int[] replyA = await GenerateAsync(cached, a, sample);
        int[] b = UserTurn("What did the supply boat bring in winter?");
        int shared = a.AsSpan().CommonPrefixLength(b);
        Assert.True(shared > 40 && shared < a.Length, $"the prompts share {shared} of {a.Length} tokens");

        Assert.Equal(await GenerateAsync(plain, b, sample), await GenerateAsync(cached, b, sample));
        Assert.Equal(1, reuse.Hits);
        Assert.Equal(shared, reuse.Tokens);

        // The first chat was copied from, not cut: its second turn still reuses all of it.
        int[] a2 = [.. a, .. replyA, .. Encode("<|im_end|>\n<|im_start|>user\nAnd the hour?<|im_end|>\n<|im_start|>assistant\n", special: false)];
        Assert.Equal(await GenerateAsync(plain, a2, sample), await GenerateAsync(cached, a2, sample));
        Assert.Equal(2, reuse.Hits);
        Assert.Equal(shared + a.Length + NewTokens - 1, reuse.Tokens);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConcurrentStreams_SharingASystemPrompt_EachEqualsItsRunWithoutCache(bool sample)
    {
        using var cached = await LoadAsync(cache: true, sequences: 4);
        using var plain = await LoadAsync(cache: false, sequences: 4);
        var reuse = new Reuse(cached);
        int[] warm = UserTurn("Good evening.");
        await GenerateAsync(cached, warm, sample);

        string[] questions = ["Which ship passed at midnight?", "What flag did the schooner fly?", "When does the supply boat come?"];
        int[][] prompts = [.. questions.Select(UserTurn)];
        var expected = new List<int[]>();
        foreach (int[] prompt in prompts)
        {
            expected.Add(await GenerateAsync(plain, prompt, sample));
        }

        int[][] actual = await Task.WhenAll(prompts.Select(p => Task.Run(() => GenerateAsync(cached, p, sample))));

        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }

        Assert.Equal(3, reuse.Hits);
        // Each stream reuses at least the warm chat's shared part; one that binds after another stream has finished may
        // reuse that stream's longer prefix instead (the prompts diverge inside the question, so within them).
        int Longest(int[] p) => Math.Min(p.Length - 1, prompts.Where(q => q != p).Select(q => p.AsSpan().CommonPrefixLength(q)).Append(p.AsSpan().CommonPrefixLength(warm)).Max());
        Assert.InRange(reuse.Tokens, prompts.Sum(p => p.AsSpan().CommonPrefixLength(warm)), prompts.Sum(Longest));
        Assert.Equal(1, cached.ContextCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Eviction_LeastRecentlyUsedPrefixGoes_OutputsStayTheSame(bool sample)
    {
        // Two sequence ids: a third conversation evicts the least recently used of the two cached ones.
        using var cached = await LoadAsync(cache: true, sequences: 2);
        using var plain = await LoadAsync(cache: false, sequences: 2);
        var reuse = new Reuse(cached);
        int[] a = Encode("the keeper wrote down each ship in a book, its name and its flag, the hour and the weather");
        int[] b = Encode("in winter the storms came from the north and the light had to burn without rest all night");
        int[] c = Encode("in summer the fishermen came to trade bread, salt and news for the oil and the rope");
        Assert.True(a.AsSpan().CommonPrefixLength(b) < 8 && a.AsSpan().CommonPrefixLength(c) < 8 && b.AsSpan().CommonPrefixLength(c) < 8);

        int[] replyA = await GenerateAsync(cached, a, sample);
        int[] replyB = await GenerateAsync(cached, b, sample);
        Assert.Equal(await GenerateAsync(plain, c, sample), await GenerateAsync(cached, c, sample)); // takes a's id
        Assert.Equal(0, reuse.Hits);
        Assert.Equal(2, cached.CachedPrefixCount);

        int[] a2 = [.. a, .. replyA, .. Encode(" and then", special: false)];
        int[] b2 = [.. b, .. replyB, .. Encode(" and then", special: false)];
        Assert.Equal(await GenerateAsync(plain, b2, sample), await GenerateAsync(cached, b2, sample)); // b was kept
        Assert.Equal(1, reuse.Hits);
        Assert.Equal(b.Length + NewTokens - 1, reuse.Tokens);
        Assert.Equal(await GenerateAsync(plain, a2, sample), await GenerateAsync(cached, a2, sample)); // a was evicted
        Assert.Equal(1, reuse.Hits);
    }

    [Fact]
    public async Task GenerationPieces_ReportTheCachedPromptTokens()
    {
        using var cached = await LoadAsync(cache: true);
        var reuse = new Reuse(cached);
        int[] prompt = UserTurn("Name the ship.");
        var first = new List<GenerationPiece>();
        var second = new List<GenerationPiece>();
        await foreach (var piece in TextGenerator.GenerateAsync(cached, prompt, Settings(sample: false), cancellationToken: Ct))
        {
            first.Add(piece);
        }

        await foreach (var piece in TextGenerator.GenerateAsync(cached, prompt, Settings(sample: false), cancellationToken: Ct))
        {
            second.Add(piece);
        }

        Assert.All(first, p => Assert.Equal(0, p.CachedPromptTokens));
        Assert.All(second, p => Assert.Equal(prompt.Length - 1, p.CachedPromptTokens));
        Assert.Equal(prompt.Length - 1, reuse.Tokens);
    }

    [Fact]
    public async Task SharedPrefixShorterThanTheMinimum_NotReused()
    {
        int[] a = UserTurn("Which ship passed the rocks at midnight?");
        int[] b = UserTurn("What did the supply boat bring in winter?");
        int shared = a.AsSpan().CommonPrefixLength(b);
        using var cached = await LoadAsync(cache: true, minTokens: shared + 1);
        var reuse = new Reuse(cached);
        await GenerateAsync(cached, a, sample: false);
        await GenerateAsync(cached, b, sample: false);
        Assert.Equal(0, reuse.Hits);
    }

    [Fact]
    public async Task OptionOff_NothingCachedNorReused()
    {
        using var plain = await LoadAsync(cache: false);
        var reuse = new Reuse(plain);
        int[] prompt = UserTurn("Name the ship.");
        Assert.Equal(await GenerateAsync(plain, prompt, sample: false), await GenerateAsync(plain, prompt, sample: false));
        Assert.Equal(0, reuse.Hits);
        Assert.Equal(0, plain.CachedPrefixCount);
    }

    [Fact]
    public async Task FailedFirstFeed_AfterAHit_LeavesAnExactPrefixBehind()
    {
        using var cached = await LoadAsync(cache: true);
        using var plain = await LoadAsync(cache: false);
        int[] prompt = UserTurn("Which ship passed the rocks at midnight?");
        int[] reply = await GenerateAsync(cached, prompt, sample: false);

        // A sequence that reuses the prompt and whose first decode fails: its id goes back to the cache holding the
        // reused tokens only, and later runs from it are still exact.
        int[] longer = [.. prompt, .. Encode(" and the hour?", special: false)];
        int[] firstCells = [.. prompt, .. reply[..^1]];
        int reused = Math.Min(longer.AsSpan().CommonPrefixLength(firstCells), longer.Length - 1);
        Assert.True(reused >= prompt.Length);
        cached.DecodeFault = _ => LLama.Native.DecodeResult.NoKvSlot;
        using (var sequence = cached.CreateSequence())
        {
            await Assert.ThrowsAsync<EngineException>(async () => await sequence.ForwardAsync(longer, Ct));
            Assert.Equal(reused, sequence.ReusedTokens);
            Assert.Equal(reused, sequence.Length);
        }

        cached.DecodeFault = null;
        using (var sequence = cached.CreateSequence())
        {
            await sequence.ForwardAsync(longer, Ct);
            Assert.Equal(reused, sequence.ReusedTokens);
            Assert.Equal(longer.Length, sequence.Length);
        }

        Assert.Equal(await GenerateAsync(plain, longer, sample: false), await GenerateAsync(cached, longer, sample: false));
    }
}
