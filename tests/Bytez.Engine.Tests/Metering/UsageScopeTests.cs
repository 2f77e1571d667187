using Bytez.Engine;
using Bytez.Engine.Metering;

namespace Bytez.Engine.Tests.Metering;

/// <summary>The caller's usage scope: reports reach its sink within its async flow only, and not after it ended.</summary>
public sealed class UsageScopeTests
{
    [Fact]
    public async Task Report_InTheScopesFlow_ReachesItsSink_AndNotAfterEnd()
    {
        var seen = new List<ModelUsage>();
        await Task.Run(async () =>
        {
            using var scope = UsageScope.Begin(seen.Add);
            await Task.Yield();
            UsageScope.Report(new ModelUsage("org/model", Requests: 1, InferenceTime: TimeSpan.FromSeconds(1)));
            await Task.Run(() => UsageScope.Report(new ModelUsage("org/model", GeneratedTokens: 3)), TestContext.Current.CancellationToken);
            scope.End();
            UsageScope.Report(new ModelUsage("org/model", GeneratedTokens: 100));
        }, TestContext.Current.CancellationToken);

        Assert.Equal([new ModelUsage("org/model", Requests: 1, InferenceTime: TimeSpan.FromSeconds(1)), new ModelUsage("org/model", GeneratedTokens: 3)], seen);
    }

    [Fact]
    public async Task Report_OutsideAnyScope_GoesNowhere_AndAnotherFlowsScopeIsNotSeen()
    {
        var seen = new List<ModelUsage>();
        var started = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var holder = Task.Run(async () =>
        {
            using var scope = UsageScope.Begin(seen.Add);
            started.SetResult();
            await release.Task;
        }, TestContext.Current.CancellationToken);
        await started.Task;

        Assert.Null(UsageScope.Current);
        UsageScope.Report(new ModelUsage("org/model", Requests: 1));
        release.SetResult();
        await holder;

        Assert.Empty(seen);
    }

    [Fact]
    public async Task ThrowIfGenerationRefused_ThrowsTheScopesRefusal_OnlyWhenSet()
    {
        await Task.Run(() =>
        {
            using var scope = UsageScope.Begin(_ => { });
            UsageScope.ThrowIfGenerationRefused();
            scope.GenerationRefusal = EngineException.Overloaded("Rate limit exceeded: budget spent.", TimeSpan.FromHours(1));

            var error = Assert.Throws<EngineException>(UsageScope.ThrowIfGenerationRefused);

            Assert.Equal(EngineErrorKind.Overloaded, error.Kind);
            Assert.Equal(TimeSpan.FromHours(1), error.RetryAfter);
        }, TestContext.Current.CancellationToken);
    }
}
