using System.Globalization;

namespace Bytez.Engine;

/// <summary>
/// The cores this process may use, for sizing runtime threads: <see cref="Logical"/> processors and an estimate of the
/// <see cref="Physical"/> cores behind them (simultaneous multithreading counted once), as llama.cpp and ONNX Runtime
/// size their own defaults.
/// </summary>
public static class MachineCores
{
    private static readonly Lazy<int> PhysicalCores = new(() => PhysicalFrom(Environment.ProcessorCount, ReadSiblingLists()));

    /// <summary>Logical processors this process may use (<see cref="Environment.ProcessorCount"/>, which honours a container's CPU limit and the affinity mask).</summary>
    public static int Logical => Environment.ProcessorCount;

    /// <summary>
    /// Physical cores this process may use: <see cref="Logical"/> divided by the threads each core runs (read from
    /// Linux's CPU topology; 1 where it cannot be read), at least 1. A decode step's threads wait for each other, so two
    /// threads sharing a core slow it down rather than speed it up: this is the thread count for one model's compute.
    /// </summary>
    public static int Physical => PhysicalCores.Value;

    /// <summary>
    /// Physical cores from <paramref name="logical"/> usable processors and the <c>thread_siblings_list</c> of each
    /// online CPU (such as <c>0,8</c> or <c>0-1</c>): the threads per core is the online CPUs over the distinct lists.
    /// </summary>
    /// <param name="logical">The logical processors the process may use.</param>
    /// <param name="siblingLists">One sibling list per online CPU; empty when the topology is unknown.</param>
    public static int PhysicalFrom(int logical, IReadOnlyList<string> siblingLists)
    {
        ArgumentNullException.ThrowIfNull(siblingLists);
        logical = Math.Max(1, logical);
        var cpus = siblingLists.Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
        var cores = cpus.Distinct(StringComparer.Ordinal).Count();
        if (cores == 0)
        {
            return logical;
        }

        var threadsPerCore = Math.Max(1, (int)Math.Round(cpus.Count / (double)cores, MidpointRounding.AwayFromZero));
        return Math.Max(1, logical / threadsPerCore);
    }

    private static string[] ReadSiblingLists()
    {
        try
        {
            var root = "/sys/devices/system/cpu";
            if (!Directory.Exists(root))
            {
                return [];
            }

            var lists = new List<string>();
            foreach (var cpu in Directory.EnumerateDirectories(root, "cpu*"))
            {
                var name = Path.GetFileName(cpu);
                if (name.Length <= 3 || !int.TryParse(name.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    continue;
                }

                var siblings = Path.Combine(cpu, "topology", "thread_siblings_list");
                if (File.Exists(siblings))
                {
                    lists.Add(File.ReadAllText(siblings));
                }
            }

            return [.. lists];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
