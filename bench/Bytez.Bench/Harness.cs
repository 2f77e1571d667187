using System.Diagnostics;

namespace Bytez.Bench;

/// <summary>How much to run: the full benchmark or the seconds-long smoke version (<c>--quick</c>).</summary>
internal sealed record RunSettings(bool Quick, int Passes, int Warmups, int SentenceLimit)
{
    public static RunSettings Full { get; } = new(Quick: false, Passes: 7, Warmups: 1, SentenceLimit: int.MaxValue);

    public static RunSettings QuickRun { get; } = new(Quick: true, Passes: 1, Warmups: 1, SentenceLimit: 16);
}

/// <summary>One timed configuration: a pass embeds every sentence once.</summary>
internal sealed class Scenario(string part, string name, int? batch, int items, Func<Task> pass)
{
    public string Part { get; } = part;

    public string Name { get; } = name;

    public int? Batch { get; } = batch;

    public int Items { get; } = items;

    public Func<Task> Pass { get; } = pass;

    public List<double> Seconds { get; } = [];

    public double MedianSeconds => Stats.Median(Seconds);

    public double PerSecond => Seconds.Count == 0 ? double.NaN : Items / MedianSeconds;

    /// <summary>Spread of the passes: (max - min) / median.</summary>
    public double Spread => Seconds.Count < 2 ? 0 : (Seconds.Max() - Seconds.Min()) / MedianSeconds;
}

internal static class Stats
{
    public static double Median(IReadOnlyCollection<double> values) => Percentile(values, 0.5);

    /// <summary>Nearest-rank percentile (p in 0..1) with linear interpolation between ranks.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = p * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }
}

/// <summary>
/// Runs scenarios side by side: every scenario gets its warm-ups, then the passes go round-robin (pass 1 of each,
/// then pass 2 of each, ...), with the order rotated every pass, so that a noisy minute hits all of them alike.
/// </summary>
internal static class Harness
{
    public static async Task RunInterleavedAsync(IReadOnlyList<Scenario> scenarios, RunSettings settings)
    {
        foreach (var scenario in scenarios)
        {
            for (var w = 0; w < settings.Warmups; w++)
            {
                await scenario.Pass().ConfigureAwait(false);
            }
        }

        for (var p = 0; p < settings.Passes; p++)
        {
            for (var i = 0; i < scenarios.Count; i++)
            {
                var scenario = scenarios[(i + p) % scenarios.Count];
                Settle();
                var stopwatch = Stopwatch.StartNew();
                await scenario.Pass().ConfigureAwait(false);
                scenario.Seconds.Add(stopwatch.Elapsed.TotalSeconds);
            }
        }

        foreach (var scenario in scenarios)
        {
            Console.Error.WriteLine($"  {scenario.Part} {scenario.Name,-62} {scenario.PerSecond,8:F1}/s  (spread {scenario.Spread:P0})");
        }
    }

    /// <summary>Collects garbage between passes so one pass does not pay for the previous one's allocations.</summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    public static double Milliseconds(long startTimestamp, long endTimestamp)
        => (endTimestamp - startTimestamp) * 1000.0 / Stopwatch.Frequency;
}
