using Bytez.Server.Observability;

namespace Bytez.Server.Tests.Observability;

/// <summary>The cap on key names in the usage counters' labels.</summary>
public sealed class UsageMetricsTests
{
    [Fact]
    public void KeyLabel_PastTheCap_IsOther_AndKeysSeenBeforeKeepTheirName()
    {
        using var metrics = new UsageMetrics(meterFactory: null, maxKeyLabels: 2, modelLabel: id => id);

        Assert.Equal("alice", metrics.KeyLabel("alice"));
        Assert.Equal("bob", metrics.KeyLabel("bob"));
        Assert.Equal(UsageMetrics.OtherKey, metrics.KeyLabel("carol"));
        Assert.Equal("alice", metrics.KeyLabel("alice"));
        Assert.Equal(UsageMetrics.OtherKey, metrics.KeyLabel("dave"));
    }
}
