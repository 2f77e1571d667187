using Bytez.Engine.Onnx;

namespace Bytez.Engine.Tests;

/// <summary>
/// The sizing rule of an encoder-decoder instance's threads: a lone request gets every thread of the budget (the cores
/// by default), concurrent requests share sessions of <c>IntraOpThreads</c>, and the runs together never exceed the budget.
/// </summary>
public sealed class OnnxThreadPlanTests
{
    [Theory]
    // cores, Seq2SeqThreads, IntraOpThreads -> lone threads, shared threads, concurrent shared runs, wide sessions
    [InlineData(2, null, 1, 2, 1, 2, true)] // this machine: one stream uses both cores, two streams one each
    [InlineData(8, null, 1, 8, 1, 8, true)]
    [InlineData(1, null, 1, 1, 1, 1, false)] // one core: nothing wider to give a lone stream
    [InlineData(8, null, 2, 8, 2, 4, true)] // shared sessions of 2 threads: 4 of them fill 8 cores
    [InlineData(8, null, 3, 8, 3, 2, true)] // 2 × 3 = 6 ≤ 8: a third run would oversubscribe
    [InlineData(2, 1, 1, 1, 1, 1, false)] // a budget of one thread: the single-threaded engine of before
    [InlineData(16, 4, 1, 4, 1, 4, true)] // a budget below the cores (a shared machine)
    [InlineData(4, null, 8, 4, 4, 1, false)] // IntraOpThreads above the budget is held to it
    public void For_CoresAndOptions_GivesTheSessionsAndConcurrency(
        int cores, int? seq2SeqThreads, int intraOpThreads, int lone, int shared, int concurrent, bool wideSessions)
    {
        var plan = OnnxThreadPlan.For(cores, new OnnxRuntimeOptions { Seq2SeqThreads = seq2SeqThreads, IntraOpThreads = intraOpThreads });

        Assert.Equal(lone, plan.LoneThreads);
        Assert.Equal(shared, plan.SharedThreads);
        Assert.Equal(concurrent, plan.MaxConcurrentRuns);
        Assert.Equal(wideSessions, plan.HasLoneSessions);
    }

    [Fact]
    public void For_EveryCoreCountAndThreadSetting_NeverPlansMoreThreadsThanTheBudget()
    {
        for (var cores = 1; cores <= 64; cores++)
        {
            foreach (int? budget in new int?[] { null, 1, 2, 3, 7, 64 })
            {
                for (var intra = 1; intra <= 9; intra++)
                {
                    var plan = OnnxThreadPlan.For(cores, new OnnxRuntimeOptions { Seq2SeqThreads = budget, IntraOpThreads = intra });
                    var threads = budget ?? cores;
                    Assert.Equal(threads, plan.Threads);
                    Assert.True(plan.LoneThreads <= threads);
                    Assert.True(plan.SharedThreads * plan.MaxConcurrentRuns <= threads, $"{cores} cores, budget {budget}, {intra} intra-op threads");
                    Assert.True(plan.MaxConcurrentRuns >= 1);
                }
            }
        }
    }

    [Fact]
    public void Validate_Seq2SeqThreadsOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxRuntimeOptions { Seq2SeqThreads = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxRuntimeOptions { Seq2SeqThreads = 257 }.Validate());
        new OnnxRuntimeOptions { Seq2SeqThreads = 4 }.Validate();
    }
}
