using Bytez.Engine.Onnx;

namespace Bytez.Engine.Tests;

/// <summary>
/// The gate of an encoder-decoder instance's runs: a lone request's run takes the whole budget, concurrent runs one
/// shared session's share each, first come first served, and the threads in use never exceed the budget.
/// </summary>
public sealed class OnnxThreadBudgetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static OnnxThreadBudget Budget(int cores) => new(OnnxThreadPlan.For(cores, new OnnxRuntimeOptions()));

    [Fact]
    public async Task Lone_TakesEveryThread_AndAnotherRunWaitsUntilItEnds()
    {
        var budget = Budget(4);
        var lone = await budget.AcquireAsync(lone: true, Ct);
        Assert.True(lone.Lone);
        Assert.Equal(4, budget.ThreadsInUse);

        var next = budget.AcquireAsync(lone: false, Ct);
        Assert.False(next.IsCompleted);
        Assert.Equal(1, budget.Waiting);

        lone.Dispose();
        using var shared = await next;
        Assert.False(shared.Lone);
        Assert.Equal(1, budget.ThreadsInUse);
    }

    [Fact]
    public async Task Shared_AtMostOnePerThread_TheRestWaitInOrder()
    {
        var budget = Budget(2);
        var first = await budget.AcquireAsync(lone: false, Ct);
        var second = await budget.AcquireAsync(lone: false, Ct);
        Assert.Equal(2, budget.ThreadsInUse);

        var third = budget.AcquireAsync(lone: false, Ct).AsTask();
        var fourth = budget.AcquireAsync(lone: false, Ct).AsTask();
        Assert.False(third.IsCompleted);
        Assert.False(fourth.IsCompleted);

        first.Dispose();
        var thirdGrant = await third;
        Assert.False(fourth.IsCompleted); // still waiting: the second and the third hold both threads
        Assert.Equal(2, budget.ThreadsInUse);
        second.Dispose();
        (await fourth).Dispose();
        thirdGrant.Dispose();
        Assert.Equal(0, budget.ThreadsInUse);
    }

    [Fact]
    public async Task Lone_WhileSharedRunsHold_WaitsForAllOfThem_AndLaterArrivalsQueueBehind()
    {
        var budget = Budget(2);
        var shared = await budget.AcquireAsync(lone: false, Ct);
        var lone = budget.AcquireAsync(lone: true, Ct).AsTask();
        var behind = budget.AcquireAsync(lone: false, Ct).AsTask(); // one thread is free, but the lone run came first
        Assert.False(lone.IsCompleted);
        Assert.False(behind.IsCompleted);

        shared.Dispose();
        var grant = await lone;
        Assert.True(grant.Lone);
        Assert.Equal(2, budget.ThreadsInUse);
        Assert.False(behind.IsCompleted);
        grant.Dispose();
        (await behind).Dispose();
    }

    [Fact]
    public async Task OneThreadBudget_LoneRunsShareTheOneSession()
    {
        var budget = new OnnxThreadBudget(OnnxThreadPlan.For(8, new OnnxRuntimeOptions { Seq2SeqThreads = 1 }));
        using var grant = await budget.AcquireAsync(lone: true, Ct);
        Assert.False(grant.Lone); // no wide sessions: the shared one
        Assert.Equal(1, budget.ThreadsInUse);
    }

    [Fact]
    public async Task Cancelled_WhileWaiting_LeavesTheQueue_AndTheNextIsServed()
    {
        var budget = Budget(1);
        var held = await budget.AcquireAsync(lone: false, Ct);
        using var cancel = new CancellationTokenSource();
        var cancelled = budget.AcquireAsync(lone: false, cancel.Token).AsTask();
        var next = budget.AcquireAsync(lone: false, Ct).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, budget.Waiting);
        held.Dispose();
        (await next).Dispose();
        Assert.Equal(0, budget.ThreadsInUse);
    }

    [Fact]
    public async Task ManyConcurrentRuns_NeverUseMoreThreadsThanTheBudget()
    {
        var budget = Budget(3);
        var most = 0;
        var runs = Enumerable.Range(0, 48).Select(i => Task.Run(async () =>
        {
            using var grant = await budget.AcquireAsync(lone: i % 5 == 0, Ct);
            var inUse = budget.ThreadsInUse;
            InterlockedMax(ref most, inUse);
            await Task.Yield();
        }, Ct));
        await Task.WhenAll(runs);

        Assert.InRange(most, 1, 3);
        Assert.Equal(0, budget.ThreadsInUse);
        Assert.Equal(0, budget.Waiting);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }
}
