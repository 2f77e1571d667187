using System.Runtime.InteropServices;

namespace Bytez.Bench;

/// <summary>What the reports say about the machine a run was measured on.</summary>
internal static class Machine
{
    /// <summary>The CPU's model name from <c>/proc/cpuinfo</c>, or the architecture where that is not readable.</summary>
    public static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }
}
