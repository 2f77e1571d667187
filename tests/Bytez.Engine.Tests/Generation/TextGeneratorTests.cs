using Bytez.Testing;
using Bytez.Engine.Metrics;
using Bytez.Engine.Generation;
using Bytez.Engine.Onnx.Generation;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Generation;

/// <summary>Tests that drive <see cref="TextGenerator"/> share one collection and its tiny decoder.</summary>
[CollectionDefinition(Name)]
public sealed class GenerationLoopCollection : ICollectionFixture<TinyDecoderFixture>
{
    public const string Name = "Generation loop";
}

/// <summary>The tiny GPT-2-style ONNX decoder (ChatML template, context 128), written and loaded once.</summary>
public sealed class TinyDecoderFixture : IDisposable
{
    private readonly OnnxDecoderTestFolder _folder = new();
    private readonly Lazy<OnnxDecoderInstance> _withoutTemplate;

    public TinyDecoderFixture()
    {
        Written = _folder.Write("tiny");
        Instance = Load(Written.Folder);
        _withoutTemplate = new(() =>
        {
            var copy = _folder.Write("no-template");
            var configPath = Path.Combine(copy.Folder, "tokenizer_config.json");
            var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
            config.Remove("chat_template");
            File.WriteAllText(configPath, config.ToJsonString());
            return Load(copy.Folder);
        });
    }

    public OnnxDecoderModel Written { get; }

    public OnnxDecoderInstance Instance { get; }

    /// <summary>A copy with no chat template in <c>tokenizer_config.json</c>, loaded on first use.</summary>
    public OnnxDecoderInstance WithoutTemplate => _withoutTemplate.Value;

    public void Dispose()
    {
        Instance.Dispose();
        if (_withoutTemplate.IsValueCreated)
        {
            _withoutTemplate.Value.Dispose();
        }

        _folder.Dispose();
    }

    private static OnnxDecoderInstance Load(string folder) => OnnxDecoderLoader.Load(
        OnnxDecoderTestFolder.Descriptor(folder), OnnxDecoderTestFolder.RuntimeOptions, OnnxDecoderOptions.Default, CancellationToken.None);
}

[Collection(GenerationLoopCollection.Name)]
public sealed class TextGeneratorTests(TinyDecoderFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private OnnxDecoderInstance Model => fixture.Instance;

    private int[] Prompt => Model.Tokenizer.Encode("Hello world, the quick brown fox", addSpecialTokens: true);

    /// <summary>Plain greedy decoding: no EOS at all, so nothing is suppressed and nothing stops early.</summary>
    private static GenerationSettings PlainGreedy(int n) => new() { MaxNewTokens = n, EosTokenIds = [] };

    [Fact]
    public async Task GenerateAsync_MaxNewTokensWithEosImpossible_ExactlyNTokensAndLength()
    {
        var pieces = await Collect(Model, Prompt, new GenerationSettings { MaxNewTokens = 9, MinNewTokens = 9 });

        var last = pieces[^1];
        Assert.Equal(FinishReason.Length, last.Finish);
        Assert.Equal(9, last.GeneratedTokens);
        Assert.All(pieces[..^1], p => Assert.Null(p.Finish));
        Assert.All(pieces[..^1], p => Assert.NotEqual(string.Empty, p.Text));
    }

    [Fact]
    public async Task GenerateAsync_MaxLength_CountsThePrompt()
    {
        var prompt = Prompt;
        var pieces = await Collect(Model, prompt, new GenerationSettings { MaxLength = prompt.Length + 5, MinLength = prompt.Length + 5 });

        Assert.Equal(FinishReason.Length, pieces[^1].Finish);
        Assert.Equal(5, pieces[^1].GeneratedTokens);
    }

    [Fact]
    public async Task GenerateAsync_MaxNewTokensBeyondTheContext_StopsAtTheContext()
    {
        var prompt = Prompt;
        var pieces = await Collect(Model, prompt, new GenerationSettings { MaxNewTokens = 1000, EosTokenIds = [] });

        Assert.Equal(FinishReason.Length, pieces[^1].Finish);
        Assert.Equal(Model.ContextLength - prompt.Length, pieces[^1].GeneratedTokens);
    }

    [Fact]
    public async Task GenerateAsync_GreedyTwice_SameText()
    {
        var a = Text(await Collect(Model, Prompt, PlainGreedy(20)));
        var b = Text(await Collect(Model, Prompt, PlainGreedy(20)));

        Assert.Equal(a, b);
        Assert.Equal(Model.Tokenizer.Decode(await GreedyTokens(20), skipSpecialTokens: true), a);
    }

    [Fact]
    public async Task GenerateAsync_EosTokenIdOfGreedyStepK_StopsAtKPlusOneTokensWithEndOfSequence()
    {
        var greedy = await GreedyTokens(20);
        var k = FirstNewAfter(greedy, 3);

        var pieces = await Collect(Model, Prompt, new GenerationSettings { MaxNewTokens = 20, EosTokenIds = [greedy[k]] });

        Assert.Equal(FinishReason.EndOfSequence, pieces[^1].Finish);
        Assert.Equal(k + 1, pieces[^1].GeneratedTokens);
        Assert.Equal(Model.Tokenizer.Decode(greedy[..k], skipSpecialTokens: true), Text(pieces));
    }

    [Fact]
    public async Task GenerateAsync_EosTokenIdParam_OverridesTheModelsEos()
    {
        // With eos_token_id set, the model's own EOS tokens are ordinary tokens: a model EOS at step k does not stop.
        var greedy = await GreedyTokens(20);
        var k = FirstNewAfter(greedy, 3);

        var pieces = await Collect(Model, Prompt, new GenerationSettings { MaxNewTokens = 20, EosTokenIds = [greedy[k]] });
        var plain = await Collect(Model, Prompt, new GenerationSettings { MaxNewTokens = k, EosTokenIds = [] });

        Assert.Equal(Text(plain), Text(pieces));
    }

    [Fact]
    public async Task GenerateAsync_MinNewTokens_PreventsTheEarlyEos()
    {
        var greedy = await GreedyTokens(20);
        var k = FirstNewAfter(greedy, 3);

        var pieces = await Collect(Model, Prompt, new GenerationSettings { MaxNewTokens = 20, EosTokenIds = [greedy[k]], MinNewTokens = k + 2 });

        var last = pieces[^1];
        Assert.True(last.GeneratedTokens >= k + 2, $"Stopped after {last.GeneratedTokens} tokens, min_new_tokens {k + 2}.");
        Assert.True(last.Finish == FinishReason.Length ? last.GeneratedTokens == 20 : last.Finish == FinishReason.EndOfSequence);
    }

    [Fact]
    public async Task GenerateAsync_ModelEos_EndsTheSequenceWithoutItsText()
    {
        // The generation config's EOS (<|endoftext|>, <|im_end|>) applies when the request sets none: the sequence
        // ends at the first of them that plain greedy decoding produces, or runs to max_new_tokens.
        var pieces = await Collect(Model, Prompt, new GenerationSettings { MaxNewTokens = 60 });
        var greedy = await GreedyTokens(60);
        var eos = new HashSet<int>(Model.Defaults.EosTokenIds!);
        var at = Array.FindIndex(greedy, eos.Contains);

        if (at < 0)
        {
            Assert.Equal(FinishReason.Length, pieces[^1].Finish);
            Assert.Equal(60, pieces[^1].GeneratedTokens);
        }
        else
        {
            Assert.Equal(FinishReason.EndOfSequence, pieces[^1].Finish);
            Assert.Equal(at + 1, pieces[^1].GeneratedTokens);
        }
    }

    [Fact]
    public async Task GenerateAsync_StopStringInOneToken_OutputEndsAtItsFirstOccurrence()
    {
        var plain = await Collect(Model, Prompt, PlainGreedy(40));
        var text = Text(plain);

        // A character that occurs in the greedy text, not at its very start: the first letter found past position 3.
        var at = Enumerable.Range(3, text.Length - 3).First(i => char.IsLetterOrDigit(text[i]) || char.IsPunctuation(text[i]));
        var stop = text[at].ToString();
        var expected = text[..(text.IndexOf(stop, StringComparison.Ordinal) + stop.Length)];

        var pieces = await Collect(Model, Prompt, PlainGreedy(40) with { StopStrings = [stop] });

        Assert.Equal(FinishReason.StopString, pieces[^1].Finish);
        Assert.Equal(expected, Text(pieces));
    }

    [Fact]
    public async Task GenerateAsync_StopStringSpanningTwoTokens_OutputEndsAtItsEnd()
    {
        var plain = await Collect(Model, Prompt, PlainGreedy(40));
        var text = Text(plain);

        // The boundary between two pieces (one token each or more), taking the last character of one and the first
        // of the next, where that pair first occurs exactly at the boundary.
        string? stop = null;
        var boundary = 0;
        var offset = 0;
        for (var i = 0; i + 1 < plain.Count && stop is null; i++)
        {
            offset += plain[i].Text.Length;
            if (plain[i].Text.Length > 0 && plain[i + 1].Text.Length > 0 && offset >= 2)
            {
                var candidate = text.Substring(offset - 1, 2);
                if (!candidate.Contains('\uFFFD', StringComparison.Ordinal) && !char.IsSurrogate(candidate[0]) && !char.IsSurrogate(candidate[1])
                    && text.IndexOf(candidate, StringComparison.Ordinal) == offset - 1 && offset > 3)
                {
                    stop = candidate;
                    boundary = offset;
                }
            }
        }

        Assert.NotNull(stop);
        var pieces = await Collect(Model, Prompt, PlainGreedy(40) with { StopStrings = ["never produced \u0001", stop] });

        Assert.Equal(FinishReason.StopString, pieces[^1].Finish);
        Assert.Equal(text[..(boundary + 1)], Text(pieces));
    }

    [Fact]
    public async Task GenerateAsync_SeveralStopStrings_TheEarliestEndWins()
    {
        var text = Text(await Collect(Model, Prompt, PlainGreedy(40)));
        var late = text.Substring(text.Length - 4, 3);
        var early = text.Substring(4, 2);
        var end = Math.Min(text.IndexOf(late, StringComparison.Ordinal) + late.Length, text.IndexOf(early, StringComparison.Ordinal) + early.Length);

        var pieces = await Collect(Model, Prompt, PlainGreedy(40) with { StopStrings = [late, early] });

        Assert.Equal(FinishReason.StopString, pieces[^1].Finish);
        Assert.Equal(text[..end], Text(pieces));
    }

    [Fact]
    public async Task GenerateAsync_SameSeedTwice_SameText()
    {
        var settings = new GenerationSettings { DoSample = true, Seed = 5, TopK = 0, MaxNewTokens = 20, MinNewTokens = 20 };

        Assert.Equal(Text(await Collect(Model, Prompt, settings)), Text(await Collect(Model, Prompt, settings)));
    }

    [Fact]
    public async Task GenerateAsync_DifferentSeeds_DifferentText()
    {
        var texts = new List<string>();
        foreach (var seed in new long[] { 1, 2, 3, 4 })
        {
            texts.Add(Text(await Collect(Model, Prompt, new GenerationSettings { DoSample = true, Seed = seed, TopK = 0, MaxNewTokens = 20, MinNewTokens = 20 })));
        }

        Assert.Equal(texts.Count, texts.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task GenerateAsync_TinyMaxTime_StopsWithTime()
    {
        var pieces = await Collect(Model, Prompt, new GenerationSettings { MaxNewTokens = 100, MinNewTokens = 100, MaxTime = TimeSpan.FromTicks(1) });

        Assert.Equal(FinishReason.Time, pieces[^1].Finish);
        Assert.True(pieces[^1].GeneratedTokens < 100);
    }

    [Fact]
    public async Task GenerateAsync_PromptAsLongAsTheContext_BadInput()
    {
        var tooLong = Enumerable.Repeat(72, Model.ContextLength).ToArray();

        var e = await Assert.ThrowsAsync<EngineException>(() => Collect(Model, tooLong, PlainGreedy(5)));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains(Model.ContextLength.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        var longer = await Assert.ThrowsAsync<EngineException>(() => Collect(Model, [.. tooLong, .. tooLong], PlainGreedy(5)));
        Assert.Equal(EngineErrorKind.BadInput, longer.Kind);
    }

    [Fact]
    public async Task GenerateAsync_EmptyPrompt_BadInput()
    {
        var e = await Assert.ThrowsAsync<EngineException>(() => Collect(Model, [], PlainGreedy(5)));

        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
    }

    [Fact]
    public async Task GenerateAsync_CancelledMidGeneration_ThrowsAndMetricsCountIt()
    {
        using var metrics = new EngineMetrics();
        using var recorder = new MetricsRecorder(metrics.Meter);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var seen = 0;
        var generated = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var piece in TextGenerator.GenerateAsync(Model, Prompt, new GenerationSettings { MaxNewTokens = 100, MinNewTokens = 100 }, 0, metrics, cts.Token))
            {
                Assert.Equal(1, recorder.Sum("bytez.sequences.active"));
                generated = piece.GeneratedTokens;
                if (++seen == 3)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.Equal(3, seen);
        Assert.Equal(0, recorder.Sum("bytez.sequences.active"));
        Assert.Equal(1, recorder.Sum("bytez.sequences.cancelled"));
        Assert.Equal(Prompt.Length, recorder.Sum("bytez.tokens.prompt"));
        Assert.Equal(generated, recorder.Sum("bytez.tokens.generated")); // the tokens of the pieces seen, none after
        Assert.InRange(generated, 3, 100);
    }

    [Fact]
    public async Task GenerateAsync_ConsumerStopsEarly_SequenceEndsNotCancelled()
    {
        using var metrics = new EngineMetrics();
        using var recorder = new MetricsRecorder(metrics.Meter);
        await foreach (var piece in TextGenerator.GenerateAsync(Model, Prompt, PlainGreedy(50), 0, metrics, Ct))
        {
            break;
        }

        Assert.Equal(0, recorder.Sum("bytez.sequences.active"));
        Assert.Equal(0, recorder.Sum("bytez.sequences.cancelled"));
        Assert.Equal(1, recorder.Count("bytez.tokens.generated"));
    }

    [Fact]
    public async Task GenerateAsync_Pieces_CarryPromptTokensAndCountsThatEndAtTheBudget()
    {
        var pieces = await Collect(Model, Prompt, PlainGreedy(7));

        Assert.All(pieces, p => Assert.Equal(Prompt.Length, p.PromptTokens));
        Assert.Equal(7, pieces[^1].GeneratedTokens);
        Assert.Equal(FinishReason.Length, pieces[^1].Finish);
        Assert.True(pieces.Zip(pieces.Skip(1)).All(p => p.First.GeneratedTokens < p.Second.GeneratedTokens), "token counts grow piece by piece");
    }

    [Fact]
    public async Task GenerateAsync_Logprobs_OnePerTokenMatchingALogSoftmaxOfTheModelsLogits()
    {
        var settings = PlainGreedy(6) with { Logprobs = true, TopLogprobs = 3 };
        var pieces = await Collect(Model, Prompt, settings);
        var logprobs = pieces.SelectMany(p => p.Logprobs ?? []).ToList();

        // One entry per generated token, in order; greedy picks the most likely token, so it heads its own top list.
        Assert.Equal(6, logprobs.Count);
        var tokens = Prompt.ToList();
        using var sequence = Model.CreateSequence();
        var logits = (await sequence.ForwardAsync(Prompt, Ct)).ToArray();
        foreach (var entry in logprobs)
        {
            var max = logits.Max();
            var logNorm = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
            Assert.Equal(logits[entry.TokenId] - logNorm, entry.Logprob, 1e-4);
            Assert.Equal(3, entry.Top.Count);
            Assert.Equal(entry.TokenId, entry.Top[0].TokenId);
            Assert.True(entry.Top[0].Logprob >= entry.Top[1].Logprob && entry.Top[1].Logprob >= entry.Top[2].Logprob);
            Assert.Equal(Model.Tokenizer.Decode([entry.TokenId], skipSpecialTokens: false), entry.Token);
            logits = (await sequence.ForwardAsync(new[] { entry.TokenId }, Ct)).ToArray();
        }

        Assert.Equal(string.Concat(pieces.Select(p => p.Text)), Model.Tokenizer.Decode([.. logprobs.Select(l => l.TokenId)], skipSpecialTokens: true));
    }

    [Fact]
    public async Task GenerateAsync_MultiByteCharacters_PiecesNeverSplitACharacter()
    {
        // Sampling from a random byte-level model produces arbitrary bytes; pieces must still hold whole characters.
        for (var seed = 0; seed < 4; seed++)
        {
            var pieces = await Collect(Model, Prompt, new GenerationSettings { DoSample = true, Seed = seed, TopK = 0, MaxNewTokens = 40, MinNewTokens = 40 });
            foreach (var piece in pieces.Where(p => p.Text.Length > 0))
            {
                Assert.False(char.IsHighSurrogate(piece.Text[^1]), "A piece ends inside a surrogate pair.");
                Assert.False(char.IsLowSurrogate(piece.Text[0]), "A piece starts inside a surrogate pair.");
            }
        }
    }

    /// <summary>Greedy tokens straight from the sequence seam (plain argmax, nothing banned).</summary>
    private async Task<int[]> GreedyTokens(int n)
    {
        using var sequence = Model.CreateSequence();
        var logits = await sequence.ForwardAsync(Prompt, Ct);
        var tokens = new int[n];
        for (var i = 0; i < n; i++)
        {
            var span = logits.Span;
            var best = 0;
            for (var t = 1; t < span.Length; t++)
            {
                if (span[t] > span[best])
                {
                    best = t;
                }
            }

            tokens[i] = best;
            logits = await sequence.ForwardAsync(new[] { best }, Ct);
        }

        return tokens;
    }

    /// <summary>The first step at or after <paramref name="from"/> whose token did not appear at an earlier step.</summary>
    private static int FirstNewAfter(int[] tokens, int from)
    {
        for (var k = from; k < tokens.Length; k++)
        {
            if (Array.IndexOf(tokens, tokens[k], 0, k) < 0)
            {
                return k;
            }
        }

        throw new InvalidOperationException($"Greedy decoding repeats itself: {string.Join(", ", tokens)}");
    }

    internal static async Task<List<GenerationPiece>> Collect(IGenerativeInstance model, int[] prompt, GenerationSettings settings)
    {
        var pieces = new List<GenerationPiece>();
        await foreach (var piece in TextGenerator.GenerateAsync(model, prompt, settings, 0, cancellationToken: TestContext.Current.CancellationToken))
        {
            pieces.Add(piece);
        }

        return pieces;
    }

    internal static string Text(IEnumerable<GenerationPiece> pieces) => string.Concat(pieces.Select(p => p.Text));
}

/// <summary>The same loop over llama.cpp (a tiny SentencePiece GGUF), where it is cheap.</summary>
[Collection(GenerationLoopCollection.Name)]
public sealed class TextGeneratorGgufTests(TinyGgufFixture gguf) : IClassFixture<TinyGgufFixture>
{
    private int[] Prompt => gguf.Instance.Tokenizer.Encode("Hello world, the quick brown fox", addSpecialTokens: true);

    [Fact]
    public async Task GenerateAsync_GgufMaxNewTokensWithEosImpossible_ExactlyNTokensAndLength()
    {
        var pieces = await TextGeneratorTests.Collect(gguf.Instance, Prompt, new GenerationSettings { MaxNewTokens = 7, MinNewTokens = 7 });

        Assert.Equal(FinishReason.Length, pieces[^1].Finish);
        Assert.Equal(7, pieces[^1].GeneratedTokens);
    }

    [Fact]
    public async Task GenerateAsync_GgufSameSeedTwice_SameTextAndOtherSeedsDiffer()
    {
        GenerationSettings Seeded(long seed) => new() { DoSample = true, Seed = seed, TopK = 0, MaxNewTokens = 12, MinNewTokens = 12 };

        var a = TextGeneratorTests.Text(await TextGeneratorTests.Collect(gguf.Instance, Prompt, Seeded(9)));
        var b = TextGeneratorTests.Text(await TextGeneratorTests.Collect(gguf.Instance, Prompt, Seeded(9)));
        var others = new List<string>();
        foreach (var seed in new long[] { 10, 11, 12 })
        {
            others.Add(TextGeneratorTests.Text(await TextGeneratorTests.Collect(gguf.Instance, Prompt, Seeded(seed))));
        }

        Assert.Equal(a, b);
        Assert.Equal(4, others.Append(a).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task GenerateAsync_GgufStopString_OutputEndsAtItsFirstOccurrence()
    {
        var settings = new GenerationSettings { MaxNewTokens = 24, EosTokenIds = [] };
        var text = TextGeneratorTests.Text(await TextGeneratorTests.Collect(gguf.Instance, Prompt, settings));
        Assert.True(text.Length > 6, $"Greedy text too short: '{text}'.");
        var stop = text.Substring(3, 3);

        var pieces = await TextGeneratorTests.Collect(gguf.Instance, Prompt, settings with { StopStrings = [stop] });

        Assert.Equal(FinishReason.StopString, pieces[^1].Finish);
        Assert.Equal(text[..(text.IndexOf(stop, StringComparison.Ordinal) + 3)], TextGeneratorTests.Text(pieces));
    }
}
