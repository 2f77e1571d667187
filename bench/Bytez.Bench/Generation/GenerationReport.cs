using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Bench.Generation;

/// <summary>Writes the generation benchmark's results as Markdown.</summary>
internal sealed class GenerationReport(GenerationRunSettings settings, IReadOnlyList<GenerationModelResult> models, double totalSeconds, Uri server)
{
    private const double Aim = 0.95;

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine(inv, $"## Generation: one stream, direct runtime vs engine vs server ({(settings.Quick ? "QUICK smoke run — not a measurement" : "full run")})");
        md.AppendLine();
        md.AppendLine(inv, $"- Machine: {Environment.ProcessorCount} cores, {Machine.CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, ONNX Runtime {OrtEnv.Instance().GetVersionString()}, LLamaSharp {LlamaSharpVersion()} (CPU backend)");
        md.AppendLine(inv, $"- Prompt (the same on every row): \"{GenerationBenchmark.Prompt}\"; greedy (`do_sample` false); exactly {settings.NewTokens} new tokens (`min_new_tokens` = `max_new_tokens` = {settings.NewTokens}: end-of-sequence tokens are masked on every row); `return_full_text` false.");
        md.AppendLine(inv, $"- Each row: {settings.Warmups} warm-up generation, then the median of {settings.Passes} passes; the rows of one model run interleaved (pass 1 of every row, then pass 2, ..., the order rotated each pass). Spread = (slowest − fastest) / median of the decode speed.");
        md.AppendLine("- **TTFT** = from the call (prompt text in hand, tokenizing included) to the first non-empty piece of generated text; prefill included. Rows that see token ids, not text (the bare ONNX loop, the runtime-only row), take the time of the token with which that text appears (the first, unless it holds part of a UTF-8 character), so every row counts the same event.");
        md.AppendLine("  **decode tok/s** = tokens after the first text ÷ (time of the last piece − time of the first): the steady token rate, prefill excluded. **e2e tok/s** = N ÷ time of the last piece (prefill included). The end is the last piece's arrival, so work a path does after its last token (StatelessExecutor evaluates the token it just yielded) is not counted.");
        md.AppendLine("  Ratios are against row (1) of the same model: tok/s this ÷ tok/s (1); TTFT (1) ÷ TTFT this (so ≥ 1 is faster than direct, for every column).");
        md.AppendLine(inv, $"- (3) is the real server from `BytezServer.Create` in this process ({server}, Kestrel, HTTP/1.1, API-key auth, log level Warning, embedded models off), the models registered as `add-model` does; the SDK's `BytezModel.StreamAsync` reads the chunked response. Client and server share the {Environment.ProcessorCount} cores.");
        md.AppendLine("  **paired** = the median over passes of (this row's decode tok/s ÷ row (1)'s in the same pass): steadier than the ratio of medians when the machine drifts. **Δ ms/token** = the time per decoded token this row adds to (1)'s (from the medians).");
        md.AppendLine(inv, $"- Total run time {totalSeconds:F0} s.");
        md.AppendLine();

        var aims = new List<(string Model, GenerationScenario Row, double Decode, double Paired, double E2e, double Ttft)>();
        foreach (var model in models)
        {
            md.AppendLine(inv, $"### {model.Title}: {model.Description}");
            md.AppendLine();
            foreach (var line in model.Setup)
            {
                md.AppendLine(inv, $"- {line}");
            }

            md.AppendLine();
            var baseline = model.Rows.FirstOrDefault(r => r.IsBaseline && r.Error is null);
            md.AppendLine("| part | path | TTFT ms | decode tok/s | e2e tok/s | decode × (1) | paired decode × (1) | Δ ms/token vs (1) | e2e × (1) | TTFT (1) ÷ this | spread |");
            md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var row in model.Rows)
            {
                if (row.Error is not null)
                {
                    md.AppendLine(inv, $"| {row.Part} | {row.Name} | failed: {row.Error.Replace('|', '/')} | | | | | | | | |");
                    continue;
                }

                var decode = Ratio(row.DecodeTokensPerSecond, baseline?.DecodeTokensPerSecond);
                var e2e = Ratio(row.EndToEndTokensPerSecond, baseline?.EndToEndTokensPerSecond);
                var ttft = Ratio(baseline?.FirstMs, row.FirstMs);
                var paired = Paired(row, baseline);
                var delta = baseline is null ? double.NaN : (1000.0 / row.DecodeTokensPerSecond) - (1000.0 / baseline.DecodeTokensPerSecond);
                md.AppendLine(inv, $"| {row.Part} | {row.Name} | {row.FirstMs:F1} | {row.DecodeTokensPerSecond:F1} | {row.EndToEndTokensPerSecond:F1} | {decode:F2} | {paired:F2} | {delta:+0.000;−0.000} | {e2e:F2} | {ttft:F2} | {row.Spread:P0} |");
                if (!row.IsBaseline && (row.Part == "(3)" || row.Name.StartsWith("engine: TextGenerator", StringComparison.Ordinal)))
                {
                    aims.Add((model.Title, row, decode, paired, e2e, ttft));
                }
            }

            md.AppendLine();
            md.AppendLine(inv, $"Agreement with (1) (greedy, same prompt; the text of each row's first generation):");
            md.AppendLine();
            foreach (var row in model.Rows.Where(r => !r.IsBaseline && r.Error is null))
            {
                md.AppendLine(inv, $"- {row.Part} {row.Name}: {Compare(baseline?.First, row.First)}");
            }

            if (baseline?.First is { } first)
            {
                md.AppendLine(inv, $"- (1) text starts: `{Shorten(first.Text)}`");
            }

            md.AppendLine();
        }

        md.AppendLine("### Aims (one stream: ≥ 0.95 of the direct call)");
        md.AppendLine();
        md.AppendLine("| model | path | decode tok/s × (1) | paired decode × (1) | e2e tok/s × (1) | TTFT (1) ÷ this | aim met (decode and e2e tok/s ≥ 0.95) |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---|");
        foreach (var (model, row, decode, paired, e2e, ttft) in aims)
        {
            var met = decode >= Aim && e2e >= Aim;
            var label = row.Part == "(3)" ? "(3) server over HTTP via SDK" : "(2) engine TextGenerator";
            md.AppendLine(inv, $"| {model} | {label} | {decode:F2} | {paired:F2} | {e2e:F2} | {ttft:F2} | {(met ? "**met**" : "not met")}{(met && ttft < Aim ? " (tok/s; TTFT not)" : string.Empty)} |");
        }

        md.AppendLine();
        return md.ToString();
    }

    /// <summary>The median over passes of this row's decode speed ÷ the baseline's in the same pass (the rows of a pass run back to back).</summary>
    private static double Paired(GenerationScenario row, GenerationScenario? baseline)
    {
        if (baseline is null || row == baseline)
        {
            return baseline is null ? double.NaN : 1.0;
        }

        var ratios = row.Runs.Zip(baseline.Runs, (r, b) => r.DecodeTokensPerSecond / b.DecodeTokensPerSecond).ToList();
        return Stats.Median(ratios);
    }

    private static string Compare(GenerationRun? baseline, GenerationRun? other)
    {
        if (baseline is null || other is null)
        {
            return "not compared (no baseline)";
        }

        var parts = new List<string>();
        if (baseline.Text == other.Text)
        {
            parts.Add($"same text ({other.Text.Length} chars)");
        }
        else
        {
            var at = 0;
            while (at < baseline.Text.Length && at < other.Text.Length && baseline.Text[at] == other.Text[at])
            {
                at++;
            }

            parts.Add($"**text differs** from char {at} of {baseline.Text.Length} (this: `{Shorten(other.Text[at..])}`; (1): `{Shorten(baseline.Text[at..])}`)");
        }

        if (baseline.Ids is { } a && other.Ids is { } b)
        {
            parts.Add(a.SequenceEqual(b) ? $"same {b.Count} token ids" : $"**token ids differ** from index {a.Zip(b).TakeWhile(p => p.First == p.Second).Count()}");
        }

        if (other.TokensAtFirst != baseline.TokensAtFirst)
        {
            parts.Add($"first text with token {other.TokensAtFirst} vs {baseline.TokensAtFirst}");
        }

        if (other.Tokens != baseline.Tokens)
        {
            parts.Add($"**{other.Tokens} tokens vs {baseline.Tokens}**");
        }

        return string.Join("; ", parts);
    }

    private static string Shorten(string text)
    {
        var clean = text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal).Replace("|", "/", StringComparison.Ordinal);
        return clean.Length <= 60 ? clean : clean[..60] + "…";
    }

    private static string LlamaSharpVersion()
    {
        // The assembly and informational versions of LLamaSharp 0.30.0 read 0.0.0.0; the file version carries the release.
        var location = typeof(LLama.LLamaWeights).Assembly.Location;
        var version = string.IsNullOrEmpty(location) ? null : System.Diagnostics.FileVersionInfo.GetVersionInfo(location).FileVersion;
        return string.IsNullOrEmpty(version) || version.StartsWith("0.0.0", StringComparison.Ordinal) ? "(version not in the assembly; see Directory.Packages.props)" : version;
    }

    private static double Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? x / y : double.NaN;

}
