using Bytez.Testing.TinyModels;

namespace Bytez.Engine.LlamaCpp.Tests;

/// <summary>A tiny model with the real GPT-2 byte-level BPE vocabulary (the <c>gpt2</c> tokenizer of llama.cpp).</summary>
public sealed class Gpt2TinyFixture : IAsyncLifetime
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "bytez-llamacpp-gpt2-" + Guid.NewGuid().ToString("N"));

    public GgufTinyModel Written { get; private set; } = null!;

    public LlamaCppInstance Instance { get; private set; } = null!;

    public TimeSpan WriteTime { get; private set; }

    public TimeSpan LoadTime { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Written = GgufModelWriter.WriteTinyLlama(
            Path.Combine(Folder, "gpt2-tiny.gguf"), new GgufTinyOptions { Vocabulary = GgufVocabularyKind.Gpt2, Seed = 7 });
        WriteTime = clock.Elapsed;
        clock.Restart();
        var runtime = new LlamaCppRuntime(new LlamaCppOptions { Threads = 1, SequencesPerContext = 1 });
        Instance = (LlamaCppInstance)await runtime.LoadAsync(TinyLlamaFixture.Descriptor(Written.Path), TestContext.Current.CancellationToken);
        LoadTime = clock.Elapsed;
    }

    public ValueTask DisposeAsync()
    {
        Instance?.Dispose();
        Directory.Delete(Folder, recursive: true);
        return ValueTask.CompletedTask;
    }
}

public sealed class Gpt2VocabularyTests(Gpt2TinyFixture fixture, ITestOutputHelper output) : IClassFixture<Gpt2TinyFixture>
{
    [Fact]
    public async Task ForwardAsync_Steps_AreTimed()
    {
        var prompt = fixture.Instance.Tokenizer.Encode("The quick brown fox jumps over the lazy dog", addSpecialTokens: true);
        using var sequence = fixture.Instance.CreateSequence();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var tokens = await Greedy.RunAsync(sequence, prompt, 20);
        output.WriteLine(
            $"gpt2 vocab: write {fixture.WriteTime.TotalMilliseconds:F0} ms, load {fixture.LoadTime.TotalMilliseconds:F0} ms, "
            + $"prompt + 20 greedy tokens {clock.Elapsed.TotalMilliseconds:F1} ms");
        Assert.Equal(20, tokens.Count);
    }

    [Fact]
    public void Encode_HelloWorld_GivesGpt2Ids()
    {
        var tokenizer = fixture.Instance.Tokenizer;
        Assert.Equal([15496, 995], tokenizer.Encode("Hello world", addSpecialTokens: true));
        Assert.Null(tokenizer.IsSpecial(15496) ? "special" : null);
        Assert.True(tokenizer.IsSpecial(Gpt2Vocabulary.EndOfTextId));
        Assert.Contains(Gpt2Vocabulary.EndOfTextId, tokenizer.EosTokenIds);
        Assert.Contains(fixture.Written.ImEndTokenId, tokenizer.EosTokenIds);
        Assert.Equal(fixture.Written.Tokens.Count, fixture.Instance.VocabularySize);
    }

    [Theory]
    [InlineData("Hello world")]
    [InlineData("  leading spaces, CRLF\r\n and tabs\t!")]
    [InlineData("héllo ünïcode ✓ 日本語 🙂")]
    [InlineData("def f(x):\n    return x ** 2  # code")]
    public void EncodeThenDecode_RoundTripsText(string text)
    {
        var tokenizer = fixture.Instance.Tokenizer;
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, addSpecialTokens: false), skipSpecialTokens: true));
    }

    [Fact]
    public void Encode_ChatMarkers_AreSingleControlTokens()
    {
        var ids = fixture.Instance.Tokenizer.Encode("<|im_start|>user\nHi<|im_end|>\n", addSpecialTokens: false);
        Assert.Equal(fixture.Written.ImStartTokenId, ids[0]);
        Assert.Single(ids, id => id == fixture.Written.ImEndTokenId);
    }

    [Fact]
    public async Task ForwardAsync_PromptAtOnceOrTokenByToken_SameGreedyTokens()
    {
        var prompt = fixture.Instance.Tokenizer.Encode("The quick brown fox jumps over", addSpecialTokens: true);
        using var atOnce = fixture.Instance.CreateSequence();
        using var byToken = fixture.Instance.CreateSequence();
        Assert.Equal(await Greedy.RunAsync(atOnce, prompt, 16), await Greedy.RunAsync(byToken, prompt, 16, tokenByToken: true));
    }
}
