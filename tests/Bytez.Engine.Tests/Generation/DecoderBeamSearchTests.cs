using Bytez.Engine.Generation;

namespace Bytez.Engine.Tests.Generation;

/// <summary>
/// Beam search on the tiny random ONNX decoder, beams as batch rows with their caches reordered each step. The oracle is
/// the single-sequence path (its own cache, no reordering): each returned sequence is fed again token by token and its
/// log-probabilities summed; the reported score must be that sum over length ** length_penalty.
/// </summary>
public sealed class DecoderBeamSearchTests : IDisposable
{
    private readonly OnnxDecoderTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(3, 1.0)]
    [InlineData(4, 2.0)]
    public async Task Beams_ScoresEqualTheSingleSequenceRecomputation(int beams, double lengthPenalty)
    {
        using var model = OnnxDecoderTestFolder.Load(_folder.Write("beams"));
        var prompt = model.Tokenizer.Encode("Hello there", addSpecialTokens: true);
        var settings = new GenerationSettings { NumBeams = beams, MaxNewTokens = 6, EosTokenIds = [], LengthPenalty = lengthPenalty };
        var hypotheses = await TextGenerator.BeamSearchAsync(model, prompt, settings, TestContext.Current.CancellationToken);

        Assert.Equal(beams, hypotheses.Count);
        Assert.Equal(beams, hypotheses.Select(h => string.Join(',', h.Tokens)).Distinct().Count());
        for (var i = 1; i < hypotheses.Count; i++)
        {
            Assert.True(hypotheses[i - 1].Score >= hypotheses[i].Score);
        }

        foreach (var hypothesis in hypotheses)
        {
            Assert.Equal(6, hypothesis.Tokens.Length);
            using var sequence = model.CreateSequence();
            var logits = (await sequence.ForwardAsync(prompt, TestContext.Current.CancellationToken)).ToArray();
            var sum = 0.0;
            foreach (var token in hypothesis.Tokens)
            {
                var max = logits.Max();
                sum += logits[token] - max - Math.Log(logits.Sum(x => Math.Exp(x - max)));
                logits = (await sequence.ForwardAsync(new[] { token }, TestContext.Current.CancellationToken)).ToArray();
            }

            Assert.Equal(sum / Math.Pow(6, lengthPenalty), hypothesis.Score, 1e-3);
        }
    }

    [Fact]
    public async Task Beams_TheBestIsAtLeastAsLikelyAsGreedy_OnThisModel()
    {
        using var model = OnnxDecoderTestFolder.Load(_folder.Write("greedy"));
        var prompt = model.Tokenizer.Encode("Hello there", addSpecialTokens: true);
        var greedy = new GenerationSettings { MaxNewTokens = 6, EosTokenIds = [] };
        var one = await TextGenerator.BeamSearchAsync(model, prompt, greedy with { NumBeams = 1 }, TestContext.Current.CancellationToken);
        var four = await TextGenerator.BeamSearchAsync(model, prompt, greedy with { NumBeams = 4 }, TestContext.Current.CancellationToken);

        // One beam is greedy search (same tokens as the generation loop); four keep greedy's path among their candidates.
        var pieces = new List<int>();
        using (var sequence = model.CreateSequence())
        {
            var logits = (await sequence.ForwardAsync(prompt, TestContext.Current.CancellationToken)).ToArray();
            for (var i = 0; i < 6; i++)
            {
                var token = Array.IndexOf(logits, logits.Max());
                pieces.Add(token);
                logits = (await sequence.ForwardAsync(new[] { token }, TestContext.Current.CancellationToken)).ToArray();
            }
        }

        Assert.Equal(pieces, one[0].Tokens);
        Assert.True(four[0].Score >= one[0].Score - 1e-5);
    }

    [Fact]
    public async Task GenerateAsync_WithBeams_OnePieceOfTheBest()
    {
        using var model = OnnxDecoderTestFolder.Load(_folder.Write("piece"));
        var prompt = model.Tokenizer.Encode("Hello there", addSpecialTokens: true);
        var settings = new GenerationSettings { NumBeams = 2, MaxNewTokens = 5, EosTokenIds = [] };
        var best = (await TextGenerator.BeamSearchAsync(model, prompt, settings, TestContext.Current.CancellationToken))[0];
        var pieces = new List<GenerationPiece>();
        await foreach (var piece in TextGenerator.GenerateAsync(model, prompt, settings, cancellationToken: TestContext.Current.CancellationToken))
        {
            pieces.Add(piece);
        }

        var full = model.Tokenizer.Decode([.. prompt, .. best.Tokens], skipSpecialTokens: true);
        var head = model.Tokenizer.Decode(prompt, skipSpecialTokens: true);
        Assert.Equal(full[head.Length..], Assert.Single(pieces).Text);
        Assert.Equal(FinishReason.Length, pieces[0].Finish);
    }
}
