using System.Runtime.InteropServices;
using Bytez.Engine.Scheduling;

namespace Bytez.Engine.Tests.Scheduling;

public sealed class MemoryReclaimerTests
{
    [Fact]
    public void FixMmapThreshold_IsSetOnGlibc_AndNowhereElse()
    {
        var glibc = OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var libc)
            && NativeLibrary.TryGetExport(libc, "mallopt", out _);

        // glibc answers 1 when it accepted the option; off glibc there is nothing to set and nothing is called.
        Assert.Equal(glibc, MemoryReclaimer.FixMmapThreshold());
    }

    [Fact]
    public void ReclaimNow_CountsEachReclaim()
    {
        var reclaimer = new MemoryReclaimer();
        reclaimer.ReclaimNow();
        reclaimer.ReclaimNow();
        Assert.Equal(2, reclaimer.Count);
    }
}
