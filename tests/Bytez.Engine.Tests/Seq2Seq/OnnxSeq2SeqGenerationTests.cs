using Bytez.Engine.Generation;
using Bytez.Testing.TinyModels;
using static Bytez.Testing.TinyModels.OnnxSeq2SeqModelWriter;

namespace Bytez.Engine.Tests.Seq2Seq;

/// <summary>
/// Greedy search, the logits processors and streaming on the tiny encoder-decoder of <see cref="OnnxSeq2SeqModelWriter"/>,
/// in real ONNX Runtime sessions. Expected texts follow from the model's design: start → a → b → c → end, each step's
/// chosen logit 10 against 0 (a's &lt;pad&gt; 12 is a bad word in the Marian-style configuration), later letters end
/// (10) or go on to the next letter (5), an <c>m</c> in the source adds 7 to <c>d</c>.
/// </summary>
public sealed class OnnxSeq2SeqGenerationTests : IDisposable
{
    private const string Greedy = """{"num_beams": 1}""";
    private readonly Seq2SeqTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private OnnxSeq2SeqModelOptions Counter(Seq2SeqWriterLayout layout = Seq2SeqWriterLayout.Merged) =>
        new() { Layout = layout, GenerationConfig = MarianStyleGenerationConfig() };

    [Theory]
    [InlineData(Seq2SeqWriterLayout.Merged)]
    [InlineData(Seq2SeqWriterLayout.Split)]
    [InlineData(Seq2SeqWriterLayout.NoCache)]
    public async Task Greedy_EveryLayout_FollowsTheTableToTheEnd(Seq2SeqWriterLayout layout)
    {
        var model = _folder.Load(Counter(layout));
        var tokens = await Seq2SeqGenerator.GenerateTokensAsync(Seq2SeqTestFolder.Prepare(model, "a b", Greedy), TestContext.Current.CancellationToken);
        Assert.Equal([Id("a"), Id("b"), Id("c"), Id("</s>")], tokens.Single());
        Assert.Equal(["a b c"], await Seq2SeqTestFolder.GenerateAsync(model, "a b", Greedy));
    }

    [Theory]
    [InlineData(Seq2SeqWriterLayout.Merged)]
    [InlineData(Seq2SeqWriterLayout.Split)]
    [InlineData(Seq2SeqWriterLayout.NoCache)]
    public async Task Source_AnMInTheSource_ReachesEveryStepThroughTheCrossAttentionCache(Seq2SeqWriterLayout layout)
    {
        // After c: d 5 + 7 = 12 beats the end (10); after d: the end 10 beats d 7 and e 5.
        var model = _folder.Load(Counter(layout));
        Assert.Equal(["a b c d"], await Seq2SeqTestFolder.GenerateAsync(model, "m a", Greedy));
    }

    [Fact]
    public async Task Config_BartFieldNames_GiveTheCacheShape()
    {
        var model = _folder.Load(Counter() with { BartConfig = true });
        Assert.Equal(2, model.Heads);
        Assert.Equal(8, model.HeadDim);
        Assert.Equal(["a b c"], await Seq2SeqTestFolder.GenerateAsync(model, "a", Greedy));
    }

    [Fact]
    public async Task PipelineDefaults_FourBeams_SameAnswerOnAClearTable()
    {
        var model = _folder.Load(Counter());
        var request = Seq2SeqTestFolder.Prepare(model, "a", "{}");
        Assert.Equal(4, request.Settings.NumBeams);
        Assert.Equal(64, request.MaxLength); // max_new_tokens 256 + the start token, capped by the 64 positions
        Assert.Equal(["a b c"], await Seq2SeqGenerator.GenerateAsync(request, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("""{"num_beams": 1, "min_length": 6}""")] // decoder length, start included: the end is banned until 6 tokens
    [InlineData("""{"num_beams": 1, "min_new_tokens": 5}""")]
    public async Task MinLength_BlocksTheEndUntilReached(string json)
    {
        var model = _folder.Load(Counter());
        Assert.Equal(["a b c d e"], await Seq2SeqTestFolder.GenerateAsync(model, "a", json));
    }

    [Fact]
    public async Task MaxNewTokens_CutsTheSequence()
    {
        var model = _folder.Load(Counter());
        Assert.Equal(["a b"], await Seq2SeqTestFolder.GenerateAsync(model, "a", """{"num_beams": 1, "max_new_tokens": 2}"""));
        Assert.Equal(["a b"], await Seq2SeqTestFolder.GenerateAsync(model, "a", """{"num_beams": 1, "max_new_tokens": null, "max_length": 3}"""));
    }

    [Fact]
    public async Task BadWords_ModelConfigBlocksPad_RequestReplacesThem()
    {
        // Without the bad word, a → <pad> (12) → a → <pad> → a; <pad> is skipped when decoding.
        var bare = _folder.Load(new OnnxSeq2SeqModelOptions());
        Assert.Equal(["a a a"], await Seq2SeqTestFolder.GenerateAsync(bare, "a", """{"num_beams": 1, "max_new_tokens": 5}"""));

        var marian = _folder.Load(Counter());
        Assert.Equal(["a b c"], await Seq2SeqTestFolder.GenerateAsync(marian, "a", Greedy));

        // c banned after b: every other logit of b's row is 0, the first allowed is </s> (id 1).
        Assert.Equal(["a b"], await Seq2SeqTestFolder.GenerateAsync(marian, "a", """{"num_beams": 1, "bad_words_ids": [[0], [5]]}"""));
    }

    [Fact]
    public async Task ForcedBos_ForcesTheFirstToken()
    {
        var model = _folder.Load(Counter());
        Assert.Equal(["h"], await Seq2SeqTestFolder.GenerateAsync(model, "a", $$"""{"num_beams": 1, "forced_bos_token_id": {{Id("h")}}}"""));
    }

    [Fact]
    public async Task ForcedEos_EndsAtTheLastPosition()
    {
        var model = _folder.Load(Counter());
        var request = Seq2SeqTestFolder.Prepare(model, "a", """{"num_beams": 1, "max_new_tokens": 2, "forced_eos_token_id": 1}""");
        var tokens = await Seq2SeqGenerator.GenerateTokensAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal([Id("a"), Id("</s>")], tokens.Single());
    }

    [Fact]
    public async Task SuppressTokens_AndBeginSuppressTokens_Applied()
    {
        var model = _folder.Load(Counter());

        // a suppressed at the first step only: start's row is 0 elsewhere, so </s> (id 1) is the first allowed.
        Assert.Equal([""], await Seq2SeqTestFolder.GenerateAsync(model, "a", $$"""{"num_beams": 1, "begin_suppress_tokens": [{{Id("a")}}]}"""));

        // b suppressed always: after a, every other logit is 0 but <pad> (a bad word), so </s>.
        Assert.Equal(["a"], await Seq2SeqTestFolder.GenerateAsync(model, "a", $$"""{"num_beams": 1, "suppress_tokens": [{{Id("b")}}]}"""));
    }

    [Fact]
    public async Task NoRepeatNgram_StopsACycle()
    {
        // e → f (10, end 4), f → e (10, end 3): forced to start at e, it cycles; with no bigram repeated, e cannot go to f again.
        var table = CounterTable();
        table[Id("e")] = new float[VocabularySize];
        table[Id("e")][Id("f")] = 10;
        table[Id("e")][Id("</s>")] = 4;
        table[Id("f")] = new float[VocabularySize];
        table[Id("f")][Id("e")] = 10;
        table[Id("f")][Id("</s>")] = 3;
        var model = _folder.Load(Counter() with { Table = table });
        var cycle = $$"""{"num_beams": 1, "forced_bos_token_id": {{Id("e")}}, "max_new_tokens": 6""";
        Assert.Equal(["e f e f e f"], await Seq2SeqTestFolder.GenerateAsync(model, "a", cycle + "}"));
        Assert.Equal(["e f e"], await Seq2SeqTestFolder.GenerateAsync(model, "a", cycle + """, "no_repeat_ngram_size": 2}"""));
    }

    [Fact]
    public async Task Stream_Greedy_PiecesMakeTheText()
    {
        var model = _folder.Load(Counter());
        var pieces = new List<GenerationPiece>();
        await foreach (var piece in Seq2SeqGenerator.StreamAsync(Seq2SeqTestFolder.Prepare(model, "a", Greedy), TestContext.Current.CancellationToken))
        {
            pieces.Add(piece);
        }

        Assert.Equal("a b c", string.Concat(pieces.Select(p => p.Text)));
        Assert.True(pieces.Count >= 3);
        Assert.Equal(FinishReason.EndOfSequence, pieces[^1].Finish);
        Assert.Equal(4, pieces[^1].GeneratedTokens);
    }

    [Fact]
    public async Task Prefix_FromTaskSpecificParams_PutBeforeTheSource()
    {
        // The summarization prefix "m " puts an m in the source, which adds d (as above); other tasks get no prefix.
        var tsp = new System.Text.Json.Nodes.JsonObject { ["summarization"] = new System.Text.Json.Nodes.JsonObject { ["prefix"] = "m ", ["num_beams"] = 1 } };
        var model = _folder.Load(Counter() with { TaskSpecificParams = tsp });
        Assert.Equal(["a b c d"], await Seq2SeqTestFolder.GenerateAsync(model, "a", "{}", "summarization"));
        Assert.Equal(["a b c"], await Seq2SeqTestFolder.GenerateAsync(model, "a", Greedy, "text2text-generation"));

        var withConfigPrefix = _folder.Load(Counter() with { Prefix = "m " });
        Assert.Equal(["a b c d"], await Seq2SeqTestFolder.GenerateAsync(withConfigPrefix, "a", Greedy));
    }

    [Fact]
    public void BadInput_TextLongerThanThePositions_Refused()
    {
        var model = _folder.Load(Counter());
        var e = Assert.Throws<EngineException>(() => Seq2SeqTestFolder.Prepare(model, string.Join(' ', Enumerable.Repeat("a", 80)), Greedy));
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
        Assert.Contains("64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadInput_SamplingWithBeams_NotSupported()
    {
        var model = _folder.Load(Counter());
        var e = Assert.Throws<EngineException>(() => Seq2SeqTestFolder.Prepare(model, "a", """{"do_sample": true}"""));
        Assert.Equal(EngineErrorKind.NotSupported, e.Kind);
        Assert.Contains("num_beams", e.Message, StringComparison.Ordinal);
    }
}
