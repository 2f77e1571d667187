using Bytez.Engine.Generation;
using Bytez.Testing.TinyModels;
using static Bytez.Testing.TinyModels.OnnxSeq2SeqModelWriter;

namespace Bytez.Engine.Tests.Seq2Seq;

/// <summary>
/// Beam search on tiny encoder-decoders whose probabilities are set by design (logits ln p, every other -10 000), in
/// real ONNX Runtime sessions. The expected sequences and scores are worked out from the tables in each test.
/// </summary>
public sealed class BeamSearchTests : IDisposable
{
    private readonly Seq2SeqTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>
    /// The two-step trap: start → a 0.6 / b 0.4; a → c 0.55 / d 0.45; b → e 0.99 / f 0.01; c, d, f → end; e → end only when
    /// b is in the row's own history (history bias +40 on the end against e's own -20 and g's 0), so a beam that got
    /// another row's cache would go on to g. Greedy: "a c" (p 0.33); beam: "b e" (p 0.396).
    /// </summary>
    private OnnxSeq2SeqModelOptions Trap(Seq2SeqWriterLayout layout) => new()
    {
        Layout = layout,
        Table = Table(
            ("<pad>", "a", MathF.Log(0.6f)), ("<pad>", "b", MathF.Log(0.4f)),
            ("a", "c", MathF.Log(0.55f)), ("a", "d", MathF.Log(0.45f)),
            ("b", "e", MathF.Log(0.99f)), ("b", "f", MathF.Log(0.01f)),
            ("c", "</s>", 0), ("d", "</s>", 0), ("f", "</s>", 0), ("g", "</s>", 0),
            ("e", "</s>", -20), ("e", "g", 0)),
        SourceBias = Bias(),
        HistoryBias = Bias(("b", "</s>", 40)),
    };

    [Theory]
    [InlineData(Seq2SeqWriterLayout.Merged)]
    [InlineData(Seq2SeqWriterLayout.Split)]
    [InlineData(Seq2SeqWriterLayout.NoCache)]
    public async Task TwoStepTrap_BeamFindsTheLikelierSequence_GreedyDoesNot(Seq2SeqWriterLayout layout)
    {
        var model = _folder.Load(Trap(layout));
        Assert.Equal(["a c"], await Seq2SeqTestFolder.GenerateAsync(model, "a", """{"num_beams": 1}"""));
        Assert.Equal(["b e"], await Seq2SeqTestFolder.GenerateAsync(model, "a", """{"num_beams": 2}"""));
        Assert.Equal(["b e"], await Seq2SeqTestFolder.GenerateAsync(model, "a", "{}")); // the pipeline's 4 beams
        Assert.Equal(["b e", "a c"], await Seq2SeqTestFolder.GenerateAsync(model, "a", """{"num_beams": 2, "num_return_sequences": 2}"""));
    }

    [Fact]
    public async Task TwoStepTrap_Scores_AreLogProbabilitiesOverLengthToThePenalty()
    {
        var model = _folder.Load(Trap(Seq2SeqWriterLayout.Merged));
        var request = Seq2SeqTestFolder.Prepare(model, "a", """{"num_beams": 2, "length_penalty": 2.0}""");
        using var decoding = await model.EncodeAsync(request.Source, TestContext.Current.CancellationToken);
        var hypotheses = await BeamSearch.RunAsync(
            decoding, [request.DecoderStartTokenId], request.Settings, request.EosTokenIds, request.MaxLength, VocabularySize, TestContext.Current.CancellationToken);

        // Three generated tokens each (end included): ln(0.4 · 0.99) / 3², ln(0.6 · 0.55) / 3².
        Assert.Equal([Id("b"), Id("e"), Id("</s>")], hypotheses[0].Tokens);
        Assert.Equal(Math.Log(0.4 * 0.99) / 9, hypotheses[0].Score, 1e-4);
        Assert.Equal([Id("a"), Id("c"), Id("</s>")], hypotheses[1].Tokens);
        Assert.Equal(Math.Log(0.6 * 0.55) / 9, hypotheses[1].Score, 1e-4);
    }

    /// <summary>
    /// Lengths differ: start → a 0.6 → end (score ln 0.6 / 2^lp) or b 0.4 → e → f → end (ln 0.4 / 4^lp). The short one wins
    /// with length_penalty 0 (-0.51 against -0.92), the long one with 1 (-0.229 against -0.255).
    /// </summary>
    [Theory]
    [InlineData(1.0, "b e f", "a")]
    [InlineData(0.0, "a", "b e f")]
    [InlineData(2.0, "b e f", "a")]
    public async Task LengthPenalty_DecidesBetweenShortAndLong(double lengthPenalty, string first, string second)
    {
        var model = _folder.Load(new OnnxSeq2SeqModelOptions
        {
            Table = Table(
                ("<pad>", "a", MathF.Log(0.6f)), ("<pad>", "b", MathF.Log(0.4f)),
                ("a", "</s>", 0), ("b", "e", 0), ("e", "f", 0), ("f", "</s>", 0)),
            SourceBias = Bias(),
        });
        var json = $$"""{"num_beams": 2, "num_return_sequences": 2, "length_penalty": {{lengthPenalty.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}""";
        Assert.Equal([first, second], await Seq2SeqTestFolder.GenerateAsync(model, "a", json));
        Assert.Equal(["a"], await Seq2SeqTestFolder.GenerateAsync(model, "a", """{"num_beams": 1}"""));
    }

    [Fact]
    public async Task NoRepeatNgram_AppliesToEveryBeam()
    {
        // The cycle e ↔ f of the counter table (see the greedy test): beams see the same bigram ban.
        var table = CounterTable();
        table[Id("e")] = new float[VocabularySize];
        table[Id("e")][Id("f")] = 10;
        table[Id("e")][Id("</s>")] = 4;
        table[Id("f")] = new float[VocabularySize];
        table[Id("f")][Id("e")] = 10;
        table[Id("f")][Id("</s>")] = 3;
        var model = _folder.Load(new OnnxSeq2SeqModelOptions { Table = table, GenerationConfig = MarianStyleGenerationConfig() });
        Assert.Equal(["e f e"], await Seq2SeqTestFolder.GenerateAsync(
            model, "a", $$"""{"num_beams": 3, "forced_bos_token_id": {{Id("e")}}, "max_new_tokens": 6, "no_repeat_ngram_size": 2}"""));
    }

    [Fact]
    public void NumReturnSequences_MoreThanBeams_Refused()
    {
        var model = _folder.Load(Trap(Seq2SeqWriterLayout.Merged));
        var e = Assert.Throws<EngineException>(() => Seq2SeqTestFolder.Prepare(model, "a", """{"num_beams": 2, "num_return_sequences": 3}"""));
        Assert.Equal(EngineErrorKind.BadInput, e.Kind);
    }

    [Fact]
    public async Task Stream_WithBeams_OnePieceOfTheBestSequence()
    {
        var model = _folder.Load(Trap(Seq2SeqWriterLayout.Merged));
        var pieces = new List<GenerationPiece>();
        await foreach (var piece in Seq2SeqGenerator.StreamAsync(Seq2SeqTestFolder.Prepare(model, "a", """{"num_beams": 2}"""), TestContext.Current.CancellationToken))
        {
            pieces.Add(piece);
        }

        Assert.Equal("b e", Assert.Single(pieces).Text);
        Assert.Equal(FinishReason.EndOfSequence, pieces[0].Finish);
    }
}
