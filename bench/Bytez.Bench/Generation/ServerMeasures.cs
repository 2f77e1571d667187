using System.Diagnostics;
using System.Globalization;

namespace Bytez.Bench.Generation;

/// <summary>
/// The measures the real-size generation benches (<c>generation-real</c>, <c>generation-onnx-real</c>) take through the
/// server beside their one-stream rows: aggregate tokens/s of K concurrent streams, time to first token percentiles
/// over sequential requests, and this process's resident memory (the server runs in the bench process).
/// </summary>
internal static class ServerMeasures
{
    /// <summary>The stream counts of the concurrency rows; 1 is the base of the ratio.</summary>
    public static readonly int[] StreamCounts = [1, 4, 8];

    /// <summary>
    /// Aggregate tokens/s of <paramref name="streams"/> requests started together: every stream's tokens / the wall
    /// clock from the start to the last stream's end (the short prompt's prefill included, so it is decode-dominated).
    /// </summary>
    public static async Task<double> AggregateAsync(int streams, Func<Task<int>> stream)
    {
        var start = Stopwatch.GetTimestamp();
        var counts = await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => Task.Run(stream))).ConfigureAwait(false);
        return counts.Sum() * 1000.0 / Harness.Milliseconds(start, Stopwatch.GetTimestamp());
    }

    /// <summary>The median over <paramref name="passes"/> of <see cref="AggregateAsync"/> for each of <see cref="StreamCounts"/>, after one warm-up each.</summary>
    public static async Task<Dictionary<int, double>> AggregatesAsync(int passes, Func<Task<int>> stream) =>
        (await InterleavedAggregatesAsync(passes, [("server", k => AggregateAsync(k, stream))]).ConfigureAwait(false))["server"];

    /// <summary>
    /// The median over <paramref name="passes"/> of each path's aggregate tokens/s at each of <see cref="StreamCounts"/>,
    /// after one warm-up each; the paths and stream counts are interleaved within every pass (the order rotated from
    /// pass to pass), so that drift of a noisy machine falls on every path alike.
    /// </summary>
    /// <param name="passes">Measured passes.</param>
    /// <param name="paths">Each path's name and its measure: aggregate tokens/s of K streams.</param>
    public static async Task<Dictionary<string, Dictionary<int, double>>> InterleavedAggregatesAsync(
        int passes, IReadOnlyList<(string Name, Func<int, Task<double>> Aggregate)> paths)
    {
        var cells = paths.SelectMany(p => StreamCounts.Select(k => (p.Name, p.Aggregate, K: k))).ToList();
        var runs = cells.ToDictionary(c => (c.Name, c.K), _ => new List<double>());
        foreach (var cell in cells)
        {
            await cell.Aggregate(cell.K).ConfigureAwait(false);
        }

        for (int p = 0; p < passes; p++)
        {
            for (int i = 0; i < cells.Count; i++)
            {
                var cell = cells[(i + (p * paths.Count)) % cells.Count];
                Harness.Settle();
                runs[(cell.Name, cell.K)].Add(await cell.Aggregate(cell.K).ConfigureAwait(false));
            }
        }

        return paths.ToDictionary(p => p.Name, p => StreamCounts.ToDictionary(k => k, k => Stats.Median(runs[(p.Name, k)])));
    }

    /// <summary>Times to first token of <paramref name="count"/> sequential requests (after one warm-up), in ms.</summary>
    public static async Task<List<double>> FirstTokenTimesAsync(int count, Func<int, Task<double>> request)
    {
        await request(-1).ConfigureAwait(false);
        var times = new List<double>(count);
        for (int i = 0; i < count; i++)
        {
            times.Add(await request(i).ConfigureAwait(false));
        }

        return times;
    }

    /// <summary>This process's resident memory (VmRSS from <c>/proc/self/status</c>) in MB, after an aggressive full collection; NaN where there is no /proc.</summary>
    public static double ResidentMegabytes()
    {
        // Aggressive: the collector decommits the memory it freed, so garbage from before (the model writer's) does
        // not stay in the resident set and blur the deltas.
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        try
        {
            var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return double.NaN;
        }
    }

    /// <summary>A markdown cell for an aggregate rate: its tokens/s and its ratio to the one-stream rate.</summary>
    public static string Cell(Dictionary<int, double>? rates, int k) =>
        rates is null || !rates.TryGetValue(k, out var r) ? "—" : string.Create(CultureInfo.InvariantCulture, $"{r:F1} ({r / rates[1]:F2}×)");
}
