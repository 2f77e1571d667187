using System.Diagnostics;
using System.Globalization;
using System.Text;
using Bytez.Engine;
using Bytez.Engine.Embedded;
using Bytez.Engine.Onnx;

namespace Bytez.Bench.Memory;

/// <summary>
/// <c>memory [--quick] [--out file.md]</c>: resident memory that loading one embedding instance adds, for each embedded
/// model, 1, 2 and 4 sessions, weights shared or not. Each load runs in a fresh child process (this program with
/// <c>memory-child</c>), settings alternating, and the median of the rounds is reported with its ratio to the weights.
/// </summary>
internal static class MemoryBenchmark
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Runs the comparison and prints (and optionally writes) a markdown table.</summary>
    public static async Task<int> RunAsync(bool quick, string? output)
    {
        var models = EmbeddedModels.EnsureExtracted(ModelsFolder());
        var rounds = quick ? 1 : 5;
        var rows = new List<string>();
        var clock = Stopwatch.StartNew();
        foreach (var model in models)
        {
            foreach (var sessions in new[] { 1, 2, 4 })
            {
                var growth = new Dictionary<bool, List<double>> { [false] = [], [true] = [] };
                for (var round = 0; round < rounds; round++)
                {
                    // Alternate which setting goes first, so drift of the machine falls on both.
                    foreach (var share in round % 2 == 0 ? new[] { false, true } : [true, false])
                    {
                        growth[share].Add(await MeasureInChildAsync(model.Id, sessions, share).ConfigureAwait(false));
                    }
                }

                var weights = model.WeightBytes / (double)(1 << 20);
                var separate = Median(growth[false]);
                var shared = Median(growth[true]);
                rows.Add(string.Create(Inv,
                    $"| {model.Id} | {sessions} | {weights:F1} | {separate:F0} ({separate / weights:F2} ×) | {shared:F0} ({shared / weights:F2} ×) | {1 - (shared / separate):P0} |"));
                Console.Error.WriteLine(rows[^1]);
            }
        }

        var md = new StringBuilder();
        md.AppendLine(quick ? "### Result: embedding instance memory (quick smoke run: not for quoting)" : "### Result: embedding instance memory (full run)");
        md.AppendLine();
        md.AppendLine(Inv, $"- Command: `dotnet run -c Release --project bench/Bytez.Bench -- memory{(quick ? " --quick" : string.Empty)}`");
        md.AppendLine(Inv, $"- Machine: {Environment.ProcessorCount} cores, {Machine.CpuModel()}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        md.AppendLine(Inv, $"- Each cell: resident memory added by loading one instance (`OnnxRuntime.LoadAsync`, after a full GC, from `/proc/self/status` VmRSS) in a fresh process; median of {rounds} rounds, settings alternating. × = over the weights' file size.");
        md.AppendLine(Inv, $"- Total run time {clock.Elapsed.TotalSeconds:F0} s.");
        md.AppendLine();
        md.AppendLine("| model | sessions | weights MiB | separate copies MiB | shared weights MiB | saving |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            md.AppendLine(row);
        }

        Console.WriteLine(md.ToString());
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, md.ToString()).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>The child side: loads one instance with the given settings and prints the resident growth in MiB.</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        var modelId = args[1];
        var sessions = int.Parse(args[2], Inv);
        var share = bool.Parse(args[3]);
        var model = EmbeddedModels.EnsureExtracted(ModelsFolder()).Single(m => m.Id == modelId);
        var runtime = new OnnxRuntime(new OnnxRuntimeOptions { Sessions = sessions, ShareWeights = share });
        Settle();
        var before = ResidentMiB();
        using var instance = await runtime.LoadAsync(model, CancellationToken.None).ConfigureAwait(false);
        Settle();
        var after = ResidentMiB();
        Console.WriteLine((after - before).ToString("F1", Inv));
        GC.KeepAlive(instance);
        return 0;
    }

    private static async Task<double> MeasureInChildAsync(string modelId, int sessions, bool share)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // Under `dotnet Bytez.Bench.dll` the host needs the assembly; the apphost does not.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(MemoryBenchmark).Assembly.Location);
        }

        foreach (var argument in new[] { "memory-child", modelId, sessions.ToString(Inv), share.ToString() })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var text = await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"memory-child {modelId} {sessions} {share} exited with {process.ExitCode}: {text}");
        }

        return double.Parse(text.Trim().Split('\n')[^1], Inv);
    }

    private static string ModelsFolder() => Path.Combine(Path.GetTempPath(), "bytez-bench-models");

    private static void Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static double ResidentMiB()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], Inv) / 1024.0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
