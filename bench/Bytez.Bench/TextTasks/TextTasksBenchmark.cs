using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Bench.TextTasks;

/// <summary>
/// The text-task benchmark on realistic shapes with random weights, generated once into a cache folder: a
/// DistilBERT-shaped classifier through the real server at <see cref="Clients"/> concurrent clients vs bare ONNX Runtime
/// at its best batch size, all rows interleaved in one run.
/// </summary>
internal static class TextTasksBenchmark
{
    public const int Clients = 16;
    private const string ClassifierId = "bench/distilbert-classifier";
    private static readonly int[] BatchSizes = [1, 8, 16, 32];

    public static async Task<int> RunAsync(bool quick, string? cache, string? outputPath)
    {
        var total = Stopwatch.StartNew();
        var settings = quick ? new RunSettings(Quick: true, Passes: 1, Warmups: 1, SentenceLimit: 16) : new RunSettings(Quick: false, Passes: 3, Warmups: 1, SentenceLimit: 64);
        cache ??= Path.Combine(Path.GetTempPath(), "bytez-bench-models");
        var sentences = Corpus.Load(settings.SentenceLimit);
        Log($"Writing the random-weight models into {cache} (once per machine)...");
        var classifier = DistilBertClassifier.Ensure(cache);
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine(inv, $"## Text tasks: random-weight models of realistic shapes ({(quick ? "QUICK smoke run — not a measurement" : "full run")})");
        md.AppendLine();
        md.AppendLine(inv, $"- Machine: {Environment.ProcessorCount} cores, {Machine.CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, ONNX Runtime {OrtEnv.Instance().GetVersionString()}; load average at the start {LoadAverage()}");
        md.AppendLine(inv, $"- Models (cache {cache}, never committed): `{Path.GetFileName(classifier)}`, a DistilBERT-shaped classifier ({DistilBertClassifier.Layers} layers, hidden {DistilBertClassifier.Hidden}, {DistilBertClassifier.Heads} heads, FFN {DistilBertClassifier.FeedForward}, BERT uncased vocabulary, 2 labels; {ParameterCount(Path.Combine(classifier, "onnx", "model.onnx")) / 1e6:F1} M parameters)");
        md.AppendLine(inv, $"- Each row: {settings.Warmups} warm-up pass, then the median of {settings.Passes} passes over {sentences.Count} sentences of bench/data/sentences.txt; all rows interleaved (pass 1 of every row, then pass 2, ..., the order rotated each pass). Spread = (slowest − fastest) / median.");
        md.AppendLine();

        await ClassificationAsync(classifier, sentences, settings, md).ConfigureAwait(false);

        md.AppendLine(inv, $"Total run time {total.Elapsed.TotalSeconds:F0} s; load average at the end {LoadAverage()}.");
        var markdown = md.ToString();
        Console.WriteLine(markdown);
        if (outputPath is not null)
        {
            await File.WriteAllTextAsync(outputPath, markdown).ConfigureAwait(false);
            Log($"Written to {outputPath}");
        }

        return 0;
    }

    private static async Task ClassificationAsync(string folder, IReadOnlyList<string> sentences, RunSettings settings, StringBuilder md)
    {
        var inv = CultureInfo.InvariantCulture;
        var cores = Math.Max(1, Environment.ProcessorCount);
        Log("text-classification: loading the bare sessions and the server...");
        using var perCore = new BareClassifier(folder, cores, 1);
        using var wide = new BareClassifier(folder, 1, cores);
        var rows = new List<Scenario>();
        foreach (var batch in BatchSizes)
        {
            var b = batch;
            rows.Add(new("bare", $"bare ONNX Runtime, {perCore.Description}, grouped by length", b, sentences.Count, () => perCore.ClassifyAsync(sentences, b)));
            if (cores > 1)
            {
                rows.Add(new("bare", $"bare ONNX Runtime, {wide.Description}, grouped by length", b, sentences.Count, () => wide.ClassifyAsync(sentences, b)));
            }
        }

        string? serverDescription = null;
        int? agreeing = null;
#if !BENCH_NO_HTTP
        var server = await TextTaskServer.StartAsync([(folder, ClassifierId, "text-classification")], Clients).ConfigureAwait(false);
        await using (server.ConfigureAwait(false))
        {
            serverDescription = server.Description;
            rows.Add(new("server", $"server over HTTP via SDK, {Clients} concurrent clients, 1 text/request", 1, sentences.Count,
                () => RunConcurrentAsync(Clients, sentences, (c, s) => server.RunAsync(c, ClassifierId, s))));
            Log($"text-classification: {rows.Count} rows × ({settings.Warmups} warm-up + {settings.Passes} passes), interleaved...");
            await Harness.RunInterleavedAsync(rows, settings).ConfigureAwait(false);

            // The same answers: the server's label of each sentence against the bare session's.
            var bare = await perCore.ClassifyAsync(sentences, 8).ConfigureAwait(false);
            var labels = new[] { "NEGATIVE", "POSITIVE" };
            agreeing = 0;
            for (var i = 0; i < sentences.Count; i++)
            {
                var result = await server.RunAsync(0, ClassifierId, sentences[i]).ConfigureAwait(false);
                agreeing += result.GetLabels()[0].Label == labels[bare[i]] ? 1 : 0;
            }
        }
#else
        await Harness.RunInterleavedAsync(rows, settings).ConfigureAwait(false);
#endif

        var bestBare = rows.Where(r => r.Part == "bare").MaxBy(r => r.PerSecond)!;
        md.AppendLine("### text-classification: server at 16 clients vs bare ONNX Runtime at its best batch");
        md.AppendLine();
        md.AppendLine("| configuration | batch | texts/s | × best bare | spread |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var bold = row == bestBare ? "**" : string.Empty;
            md.AppendLine(inv, $"| {row.Name} | {row.Batch?.ToString(inv) ?? "–"} | {bold}{row.PerSecond:F1}{bold} | {row.PerSecond / bestBare.PerSecond:F2} | {row.Spread:P0} |");
        }

        md.AppendLine();
        var served = rows.FirstOrDefault(r => r.Part == "server");
        if (served is not null)
        {
            var ratio = served.PerSecond / bestBare.PerSecond;
            md.AppendLine(inv, $"**Server at {Clients} clients = {ratio:F2} × the best bare configuration** ({bestBare.Name}, batch {bestBare.Batch}); aim ≥ 0.90: {(ratio >= 0.9 ? "met" : "NOT met")}.");
            md.AppendLine();
            md.AppendLine(inv, $"Server: {serverDescription}. Same best label from the server as from the bare session: {agreeing}/{sentences.Count}.");
            md.AppendLine();
        }
    }

    /// <summary><paramref name="clients"/> workers, each sending the next text as soon as its previous one is answered.</summary>
    private static async Task RunConcurrentAsync(int clients, IReadOnlyList<string> texts, Func<int, string, Task> call)
    {
        var next = -1;
        var workers = new Task[clients];
        for (var c = 0; c < clients; c++)
        {
            var client = c;
            workers[c] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < texts.Count)
                {
                    await call(client, texts[i]).ConfigureAwait(false);
                }
            });
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private static long ParameterCount(string onnxPath)
    {
        var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnxPath));
        return model.Graph.Initializer.Where(t => t.DataType == (int)Onnx.TensorProto.Types.DataType.Float && t.Dims.Count > 0)
            .Sum(t => t.Dims.Aggregate(1L, (a, b) => a * b));
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static void Log(string message) => Console.Error.WriteLine(message);
}
