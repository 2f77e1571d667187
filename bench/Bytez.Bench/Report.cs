using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Bytez.Engine.Tokenization;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Bench;

/// <summary>Collects the measurements of one run and writes them as Markdown.</summary>
internal sealed class Report(RunSettings settings, IReadOnlyList<string> sentences, BertWordPieceTokenizer tokenizer, int maxLength)
{
    public List<Scenario> Tokenization { get; } = [];

    public List<Scenario> Rows { get; } = [];

    public int TokenizerAgreement { get; set; }

    public float[][]? Reference { get; set; }

    public string EngineDefaults { get; set; } = string.Empty;

    public Agreement? EngineVsBare { get; set; }

    public Agreement? PeerVsBare { get; set; }

    public Agreement? HttpVsBare { get; set; }

    public string? HttpDescription { get; set; }

    public LatencyResult? Latency { get; set; }

    public double TotalSeconds { get; set; }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var tokens = sentences.Select(s => tokenizer.Encode(s, maxLength).Ids.Length).ToArray();
        var words = sentences.Select(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length).ToArray();
        md.AppendLine(inv, $"## Embeddings: sentence-transformers/all-MiniLM-L6-v2 ({(settings.Quick ? "QUICK smoke run — not a measurement" : "full run")})");
        md.AppendLine();
        md.AppendLine(inv, $"- Machine: {Environment.ProcessorCount} cores, {Machine.CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, ONNX Runtime {OrtEnv.Instance().GetVersionString()}");
        md.AppendLine(inv, $"- Sentences: {sentences.Count} from bench/data/sentences.txt ({words.Min()}–{words.Max()} words; {tokens.Average():F1} tokens on average, {tokens.Min()}–{tokens.Max()}, [CLS]/[SEP] included)");
        md.AppendLine(inv, $"- Each row: {settings.Warmups} warm-up pass, then the median of {settings.Passes} passes; all rows of the throughput table run interleaved (pass 1 of every row, then pass 2 of every row, ..., the order rotated each pass), so the machine's drift hits them alike. Spread = (slowest − fastest) / median.");
        md.AppendLine("- Tokenization is inside every row of (a) and (b) (the same tokenizer on both sides: the engine's `BertWordPieceTokenizer`), as are mean pooling and L2 normalization.");
        md.AppendLine(inv, $"- Total run time {TotalSeconds:F0} s.");
        md.AppendLine();

        md.AppendLine("### Tokenization alone (one thread)");
        md.AppendLine();
        md.AppendLine("| tokenizer | sentences/s |");
        md.AppendLine("|---|---:|");
        foreach (var row in Tokenization)
        {
            md.AppendLine(inv, $"| {row.Name} | {row.PerSecond:F0} |");
        }

        md.AppendLine();
        md.AppendLine(inv, $"Ids identical between the two: {TokenizerAgreement}/{sentences.Count}.");
        md.AppendLine();

        var bestBare = Rows.Where(r => r.Part == "(a)").MaxBy(r => r.PerSecond);
        md.AppendLine("### Throughput");
        md.AppendLine();
        md.AppendLine("| part | configuration | batch | sentences/s | × best (a) | spread |");
        md.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (var row in Rows)
        {
            var bold = row == bestBare ? "**" : string.Empty;
            md.AppendLine(inv, $"| {row.Part} | {row.Name} | {row.Batch?.ToString(inv) ?? "–"} | {bold}{row.PerSecond:F1}{bold} | {Ratio(row.PerSecond, bestBare?.PerSecond):F2} | {row.Spread:P0} |");
        }

        md.AppendLine();
        md.AppendLine(inv, $"Best (a): {bestBare?.Name}, batch {bestBare?.Batch}: {bestBare?.PerSecond:F1} sentences/s.");
        md.AppendLine();

        md.AppendLine("### (b) engine vs (a) bare session at equal batch size");
        md.AppendLine();
        md.AppendLine("| batch | (a) bare, same structure (N sessions × 1 thread) | (a) best bare at this batch | (b) engine EmbedAsync(all) | (b)/(a) same structure | (b)/(a) best at batch | aim ≥ 0.95 |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---|");
        var equalBatch = new List<(int Batch, double Same, double Best)>();
        foreach (var batch in Rows.Where(r => r.Part == "(b)" && r.Name.StartsWith("engine, EmbedAsync(all", StringComparison.Ordinal)).Select(r => r.Batch!.Value).Distinct())
        {
            var engine = Rows.First(r => r.Part == "(b)" && r.Batch == batch && r.Name.StartsWith("engine, EmbedAsync(all", StringComparison.Ordinal));
            var same = Rows.First(r => r.Part == "(a)" && r.Batch == batch && r.Name.Contains("sessions × 1 thread, grouped", StringComparison.Ordinal));
            var best = Rows.Where(r => r.Part == "(a)" && r.Batch == batch && !r.Name.Contains("arrival order", StringComparison.Ordinal)).MaxBy(r => r.PerSecond)!;
            var rs = engine.PerSecond / same.PerSecond;
            var rb = engine.PerSecond / best.PerSecond;
            equalBatch.Add((batch, rs, rb));
            md.AppendLine(inv, $"| {batch} | {same.PerSecond:F1} | {best.PerSecond:F1} | {engine.PerSecond:F1} | {rs:F2} | {rb:F2} | {Met(rb >= 0.95)} |");
        }

        md.AppendLine();
        var bestEngine = Rows.Where(r => r.Part == "(b)" && r.Name.StartsWith("engine, EmbedAsync(all", StringComparison.Ordinal)).MaxBy(r => r.PerSecond);
        md.AppendLine(inv, $"Best (b): {bestEngine?.Name}: {bestEngine?.PerSecond:F1} sentences/s = {Ratio(bestEngine?.PerSecond, bestBare?.PerSecond):F2} × best (a). Engine defaults: {EngineDefaults}.");
        md.AppendLine();

        md.AppendLine("### (c) server over HTTP through the SDK");
        md.AppendLine();
        var c16 = Rows.FirstOrDefault(r => r.Part == "(c)" && r.Name.Contains($"{EmbeddingsBenchmark.Clients} concurrent", StringComparison.Ordinal));
        var in16 = Rows.FirstOrDefault(r => r.Part == "(b)" && r.Name.Contains($"{EmbeddingsBenchmark.Clients} concurrent callers", StringComparison.Ordinal));
        var bestPeer = Rows.Where(r => r.Part == "(d)").MaxBy(r => r.PerSecond);
        double? overhead = null;
        if (Latency is null || c16 is null)
        {
            md.AppendLine("Not run: the SDK or the server did not build when this run was made (`-p:BenchHttp=false`).");
        }
        else
        {
            overhead = Stats.Median(Latency.HttpMs) - Stats.Median(Latency.EngineMs);
            md.AppendLine(inv, $"- Setup: {HttpDescription}");
            md.AppendLine(inv, $"- 1 client, one sentence per request, {Latency.HttpMs.Count} requests alternating with {Latency.EngineMs.Count} direct calls of the server's own engine instance on the same sentence:");
            md.AppendLine();
            md.AppendLine("| 1 client | median ms | p90 ms | p99 ms |");
            md.AppendLine("|---|---:|---:|---:|");
            md.AppendLine(inv, $"| SDK round trip (BytezClient → HTTP → server → engine) | {Stats.Median(Latency.HttpMs):F2} | {Stats.Percentile(Latency.HttpMs, 0.9):F2} | {Stats.Percentile(Latency.HttpMs, 0.99):F2} |");
            md.AppendLine(inv, $"| bare HttpClient POST, same request (no SDK; response bytes not parsed) | {Stats.Median(Latency.RawMs):F2} | {Stats.Percentile(Latency.RawMs, 0.9):F2} | {Stats.Percentile(Latency.RawMs, 0.99):F2} |");
            md.AppendLine(inv, $"| engine in process (same instance, `EmbedAsync([s])`) | {Stats.Median(Latency.EngineMs):F2} | {Stats.Percentile(Latency.EngineMs, 0.9):F2} | {Stats.Percentile(Latency.EngineMs, 0.99):F2} |");
            md.AppendLine();
            md.AppendLine(inv, $"- HTTP overhead = median SDK round trip − median engine call = **{overhead:F2} ms** (median of the per-sentence differences: {Latency.PairedOverheadMs:F2} ms). Aim < 1 ms: {Met(overhead < 1)}.");
            md.AppendLine(inv, $"- {EmbeddingsBenchmark.Clients} clients: {c16.PerSecond:F1} sentences/s over HTTP vs {in16?.PerSecond:F1} in process with {EmbeddingsBenchmark.Clients} concurrent callers ({Ratio(c16.PerSecond, in16?.PerSecond):F2}×); vs best (d) {bestPeer?.PerSecond:F1} ({Ratio(c16.PerSecond, bestPeer?.PerSecond):F2}×); vs best (a) {Ratio(c16.PerSecond, bestBare?.PerSecond):F2}×.");
        }

        md.AppendLine();
        md.AppendLine("### Aims");
        md.AppendLine();
        md.AppendLine("| aim | measured | met |");
        md.AppendLine("|---|---|---|");
        foreach (var (batch, same, best) in equalBatch)
        {
            md.AppendLine(inv, $"| (b)/(a) ≥ 0.95 at batch {batch} | {best:F2} vs best bare at batch {batch} ({same:F2} vs same structure) | {Met(best >= 0.95)} |");
        }

        md.AppendLine(inv, $"| best (b) / best (a) ≥ 0.95 | {Ratio(bestEngine?.PerSecond, bestBare?.PerSecond):F2} | {Met(Ratio(bestEngine?.PerSecond, bestBare?.PerSecond) >= 0.95)} |");
        md.AppendLine(overhead is { } o
            ? string.Create(inv, $"| HTTP overhead < 1 ms median at 1 client | {o:F2} ms | {Met(o < 1)} |")
            : "| HTTP overhead < 1 ms median at 1 client | not run | – |");
        md.AppendLine(c16 is not null
            ? string.Create(inv, $"| (c) at {EmbeddingsBenchmark.Clients} clients beats (d) | {c16.PerSecond:F1} vs {bestPeer?.PerSecond:F1} sentences/s ({Ratio(c16.PerSecond, bestPeer?.PerSecond):F2}×) | {Met(c16.PerSecond > bestPeer?.PerSecond)} |")
            : "| (c) at 16 clients beats (d) | not run | – |");
        md.AppendLine();

        md.AppendLine("### Agreement of the vectors (cosine to the bare session's)");
        md.AppendLine();
        md.AppendLine(inv, $"- (b) engine: {EngineVsBare?.Describe()}");
        if (HttpVsBare is not null)
        {
            md.AppendLine(inv, $"- (c) over HTTP: {HttpVsBare.Describe()}");
        }

        md.AppendLine(inv, $"- (d) peer: {PeerVsBare?.Describe()}");
        return md.ToString();
    }

    private static double Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? x / y : double.NaN;

    private static string Met(bool? met) => met == true ? "**met**" : "not met";

}
