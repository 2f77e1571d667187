using System.Diagnostics;
using System.Globalization;
using System.Text;
using Bytez.Bench.Generation;

namespace Bytez.Bench.Http;

/// <summary>
/// <c>openai-overhead</c>: what the OpenAI-compatible chat route adds over the Bytez route for the same generation.
/// One real server in this process on loopback with the tiny ONNX decoder; the same short greedy chat (same
/// messages, exactly N new tokens, not streamed) is sent through <c>POST /models/v2/{model}</c> and through
/// <c>POST /v1/chat/completions</c>, alternating request by request so both see the same machine load; the p50 and
/// p90 of each, and the p50 difference (aim: under 1 ms).
/// </summary>
internal static class OpenAiOverheadBenchmark
{
    private const string ModelId = "bench/tiny-onnx";
    private const int NewTokens = 4;

    public static async Task<int> RunAsync(bool quick, string? output)
    {
        var work = Directory.CreateTempSubdirectory("bytez-bench-openai-").FullName;
        try
        {
            var onnx = Bytez.Testing.TinyModels.OnnxDecoderModelWriter.Write(Path.Combine(work, "tiny-onnx"), BenchModels.OnnxOptions);
            await using var server = await GenerationServer.StartAsync(Path.Combine(work, "home"), [(onnx.Folder, ModelId)]).ConfigureAwait(false);
            using var http = new HttpClient(new SocketsHttpHandler()) { BaseAddress = server.BaseAddress };
            http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + server.Key);
            const string messages = """[{"role": "user", "content": "Say something short."}]""";
            var bytez = $$"""{"messages": {{messages}}, "params": {"max_new_tokens": {{NewTokens}}, "min_new_tokens": {{NewTokens}}, "do_sample": false} }""";
            var openAi = $$"""{"model": "{{ModelId}}", "messages": {{messages}}, "max_tokens": {{NewTokens}}, "min_tokens": {{NewTokens}}, "temperature": 0}""";
            var bytezPath = "/models/v2/" + ModelId;
            const string openAiPath = "/v1/chat/completions";

            var warmup = quick ? 10 : 50;
            var iterations = quick ? 100 : 2000;
            for (var i = 0; i < warmup; i++)
            {
                await TimeAsync(http, bytezPath, bytez).ConfigureAwait(false);
                await TimeAsync(http, openAiPath, openAi).ConfigureAwait(false);
            }

            var a = new List<double>(iterations);
            var b = new List<double>(iterations);
            for (var i = 0; i < iterations; i++)
            {
                // Alternate which goes first, so neither always follows the other.
                if (i % 2 == 0)
                {
                    a.Add(await TimeAsync(http, bytezPath, bytez).ConfigureAwait(false));
                    b.Add(await TimeAsync(http, openAiPath, openAi).ConfigureAwait(false));
                }
                else
                {
                    b.Add(await TimeAsync(http, openAiPath, openAi).ConfigureAwait(false));
                    a.Add(await TimeAsync(http, bytezPath, bytez).ConfigureAwait(false));
                }
            }

            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture, $"#### OpenAI chat route vs Bytez route: the same greedy chat, {NewTokens} new tokens, tiny ONNX decoder, {iterations} requests each{(quick ? " (quick run, indicative only)" : "")}");
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine.CpuModel()}, {Environment.ProcessorCount} cores; load average {Load()}.");
            report.AppendLine();
            report.AppendLine("| Route | p50 ms | p90 ms |");
            report.AppendLine("|---|---:|---:|");
            report.AppendLine(CultureInfo.InvariantCulture, $"| Bytez `POST /models/v2/{{model}}` | {Percentile(a, 0.5):0.000} | {Percentile(a, 0.9):0.000} |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| OpenAI `POST /v1/chat/completions` | {Percentile(b, 0.5):0.000} | {Percentile(b, 0.9):0.000} |");
            var added = Percentile(b, 0.5) - Percentile(a, 0.5);
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture, $"OpenAI adds {added:0.000} ms at p50 (aim: < 1 ms): {(added < 1 ? "met" : "NOT met")}.");
            Console.WriteLine(report);
            if (output is not null)
            {
                await File.AppendAllTextAsync(output, report + Environment.NewLine).ConfigureAwait(false);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<double> TimeAsync(HttpClient http, string path, string json)
    {
        var started = Stopwatch.GetTimestamp();
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
        }

        return elapsed;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static string Load() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
}
