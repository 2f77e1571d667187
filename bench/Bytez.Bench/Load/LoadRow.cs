using System.Diagnostics;

namespace Bytez.Bench.Load;

/// <summary>How much to run: passes, warm-ups, sentences per embedding pass, new tokens per stream, cold-start repeats.</summary>
internal sealed record LoadRunSettings(bool Quick, int Passes, int Warmups, int SentenceLimit, int NewTokens, int GenerationPasses, int ColdStarts)
{
    public static LoadRunSettings Full { get; } = new(Quick: false, Passes: 5, Warmups: 1, SentenceLimit: int.MaxValue, NewTokens: 64, GenerationPasses: 5, ColdStarts: 7);

    public static LoadRunSettings QuickRun { get; } = new(Quick: true, Passes: 1, Warmups: 1, SentenceLimit: 64, NewTokens: 16, GenerationPasses: 1, ColdStarts: 1);
}

/// <summary>
/// One timed configuration. A pass returns the seconds it measured itself (so that set-up inside a pass, such as the
/// DELETE before a cold start, is not timed) and records per-request latencies while <see cref="Recording"/>.
/// </summary>
internal sealed class LoadRow(string group, string name, int items, Func<LoadRow, Task<double>> pass)
{
    private readonly Lock _lock = new();

    public string Group { get; } = group;

    public string Name { get; } = name;

    /// <summary>Items (sentences, tokens, loads) one pass handles.</summary>
    public int Items { get; } = items;

    public Func<LoadRow, Task<double>> Pass { get; } = pass;

    /// <summary>False during warm-ups: latencies are not kept.</summary>
    public bool Recording { get; set; }

    public List<double> Seconds { get; } = [];

    /// <summary>Process CPU time of each pass over (wall time × cores): how busy the machine was.</summary>
    public List<double> CpuShare { get; } = [];

    public List<double> LatenciesMs { get; } = [];

    public List<double> FirstMs { get; } = [];

    public int Errors { get; private set; }

    public string? LastError { get; private set; }

    public double PerSecond => Seconds.Count == 0 ? double.NaN : Items / Stats.Median(Seconds);

    public double MedianMs => Stats.Median(Seconds) * 1000.0;

    public double Spread => Seconds.Count < 2 ? 0 : (Seconds.Max() - Seconds.Min()) / Stats.Median(Seconds);

    public void AddLatency(double ms, double? firstMs = null)
    {
        if (!Recording)
        {
            return;
        }

        lock (_lock)
        {
            LatenciesMs.Add(ms);
            if (firstMs is { } f)
            {
                FirstMs.Add(f);
            }
        }
    }

    public void AddError(string? error)
    {
        lock (_lock)
        {
            Errors++;
            LastError = error;
        }
    }
}

/// <summary>Warm-ups, then the passes round-robin with the order rotated every pass (as <see cref="Harness"/> does).</summary>
internal static class LoadHarness
{
    public static async Task RunInterleavedAsync(IReadOnlyList<LoadRow> rows, int warmups, int passes)
    {
        foreach (var row in rows)
        {
            row.Recording = false;
            for (var w = 0; w < warmups; w++)
            {
                await row.Pass(row).ConfigureAwait(false);
            }
        }

        using var process = Process.GetCurrentProcess();
        for (var p = 0; p < passes; p++)
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var row = rows[(i + p) % rows.Count];
                Harness.Settle();
                row.Recording = true;
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                row.Seconds.Add(await row.Pass(row).ConfigureAwait(false));
                var elapsed = wall.Elapsed.TotalSeconds;
                process.Refresh();
                row.CpuShare.Add((process.TotalProcessorTime - cpu).TotalSeconds / (elapsed * Environment.ProcessorCount));
                row.Recording = false;
            }
        }

        foreach (var row in rows)
        {
            var errors = row.Errors > 0 ? $"  ERRORS {row.Errors}: {row.LastError}" : string.Empty;
            Console.Error.WriteLine(
                $"  {row.Group,-10} {row.Name,-70} {row.PerSecond,9:F1}/s  median {row.MedianMs,8:F1} ms  p50 {Stats.Median(row.LatenciesMs),7:F1} ms  p99 {Stats.Percentile(row.LatenciesMs, 0.99),7:F1} ms  cpu {Stats.Median(row.CpuShare):P0}  (spread {row.Spread:P0}){errors}");
        }
    }
}
