namespace Bytez.Engine.Tests;

public sealed class MachineCoresTests
{
    [Fact]
    public void PhysicalFrom_CoresWithoutSiblings_IsEveryProcessor()
    {
        Assert.Equal(2, MachineCores.PhysicalFrom(2, ["0", "1"]));
    }

    [Fact]
    public void PhysicalFrom_TwoThreadsPerCore_IsHalf()
    {
        // 4 cores of 2 threads each, listed the two ways Linux writes them.
        string[] lists = ["0,4", "1,5", "2-3", "2-3", "0,4", "1,5", "6-7", "6-7"];
        Assert.Equal(4, MachineCores.PhysicalFrom(8, lists));
    }

    [Fact]
    public void PhysicalFrom_ContainerLimitBelowTheMachine_DividesTheLimit()
    {
        // A 16-thread host (8 cores) running the process with a limit of 4 processors: 2 cores' worth.
        var lists = Enumerable.Range(0, 16).Select(i => $"{i % 8},{(i % 8) + 8}").ToArray();
        Assert.Equal(2, MachineCores.PhysicalFrom(4, lists));
    }

    [Fact]
    public void PhysicalFrom_OneProcessorOnAnSmtHost_IsStillOne()
    {
        Assert.Equal(1, MachineCores.PhysicalFrom(1, ["0,1", "0,1"]));
    }

    [Fact]
    public void PhysicalFrom_UnknownTopology_IsEveryProcessor()
    {
        Assert.Equal(6, MachineCores.PhysicalFrom(6, []));
        Assert.Equal(6, MachineCores.PhysicalFrom(6, ["", " "]));
    }

    [Fact]
    public void Physical_ThisMachine_IsBetweenOneAndTheLogicalProcessors()
    {
        Assert.InRange(MachineCores.Physical, 1, MachineCores.Logical);
    }
}
