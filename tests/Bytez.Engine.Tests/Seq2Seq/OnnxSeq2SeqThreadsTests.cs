using Bytez.Engine.Onnx;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.Tests.Seq2Seq;

/// <summary>
/// How an encoder-decoder instance sizes its threads (<see cref="OnnxThreadPlan"/>), on the tiny model of
/// <see cref="OnnxSeq2SeqModelWriter"/> in real ONNX Runtime sessions: a wide session per graph when the budget is
/// wider than a shared session, a lone request's runs take the whole budget, concurrent requests' runs one thread each.
/// </summary>
public sealed class OnnxSeq2SeqThreadsTests : IDisposable
{
    private const string Greedy = """{"num_beams": 1}""";
    private readonly Seq2SeqTestFolder _folder = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    private static OnnxSeq2SeqModelOptions Counter(Seq2SeqWriterLayout layout = Seq2SeqWriterLayout.Merged) =>
        new() { Layout = layout, GenerationConfig = OnnxSeq2SeqModelWriter.MarianStyleGenerationConfig() };

    [Theory]
    [InlineData(Seq2SeqWriterLayout.Merged)]
    [InlineData(Seq2SeqWriterLayout.Split)]
    public async Task BudgetOfTwo_TwoSessionsPerGraph_AndTheWideOnesAnswerAsDesigned(Seq2SeqWriterLayout layout)
    {
        var model = _folder.Load(Counter(layout), new OnnxRuntimeOptions { Seq2SeqThreads = 2, IntraOpThreads = 1 });

        Assert.Equal(new OnnxThreadPlan(2, 1), model.ThreadPlan);
        Assert.Equal(2, model.SessionsPerGraph);
        Assert.Equal(["a b c"], await Seq2SeqTestFolder.GenerateAsync(model, "a b", Greedy)); // a lone request: the wide sessions
        Assert.Equal(0, model.OpenRequests);
    }

    [Fact]
    public async Task BudgetOfOne_OneSessionPerGraph()
    {
        var model = _folder.Load(Counter(), new OnnxRuntimeOptions { Seq2SeqThreads = 1 });

        Assert.Equal(1, model.SessionsPerGraph);
        Assert.Equal(0, model.SharedWeightBytes);
        Assert.False(model.ThreadPlan.HasLoneSessions);
        Assert.Equal(["a b c"], await Seq2SeqTestFolder.GenerateAsync(model, "a b", Greedy));
    }

    [Fact]
    public async Task Steps_LoneRequestNeedsTheWholeBudget_TwoRequestsOneThreadEach()
    {
        var model = _folder.Load(Counter(), new OnnxRuntimeOptions { Seq2SeqThreads = 2, IntraOpThreads = 1 });
        var source = model.Tokenizer.Encode("a", addSpecialTokens: true);
        var start = new[] { model.Info.DecoderStartTokenId ?? 0 };

        using var first = await model.EncodeAsync(source, Ct);
        Assert.Equal(1, model.OpenRequests);

        // Alone, a step waits for both threads: with one of them taken it cannot start.
        var taken = await model.Budget.AcquireAsync(lone: false, Ct);
        var step = first.StepAsync(start, Ct).AsTask();
        Assert.False(step.IsCompleted);
        taken.Dispose();
        Assert.Equal(model.Info.VocabularySize, (await step).Length);
        Assert.Equal(0, model.Budget.ThreadsInUse);

        // With a second request open, each step takes one thread: it runs beside a run holding the other.
        using (var second = await model.EncodeAsync(source, Ct))
        {
            Assert.Equal(2, model.OpenRequests);
            using (await model.Budget.AcquireAsync(lone: false, Ct))
            {
                var logits = await first.StepAsync(new[] { OnnxSeq2SeqModelWriter.Id("a") }, Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
                Assert.Equal(model.Info.VocabularySize, logits.Length);
            }
        }

        Assert.Equal(1, model.OpenRequests);
        first.Dispose();
        Assert.Equal(0, model.OpenRequests);
    }
}
