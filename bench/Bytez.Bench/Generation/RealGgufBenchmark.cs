using System.Diagnostics;
using System.Globalization;
using System.Text;
using Bytez.Engine.Generation;

namespace Bytez.Bench.Generation;

/// <summary>
/// <c>generation-real</c>: prompt processing and one-stream decode speed on random-weight GGUF models of real shapes
/// (<see cref="RealGgufShape"/>, in F16, Q8_0 or Q4_K_M from <see cref="RealGgufModels"/>), (1) llama.cpp called
/// directly through LLamaSharp's low-level API (<see cref="LlamaDirectLoop"/>) with the engine's threads and batch size,
/// (2) our engine's decoder sequence on the server's own instance (<see cref="IDecoderSequence.ForwardAsync"/> + argmax:
/// the runtime below the sampler), (3) our server over HTTP through the SDK, all on the same token ids, passes
/// interleaved.
/// </summary>
internal static class RealGgufBenchmark
{
    public const int PromptTokens = 512;

    private const string PromptSource =
        "The history of the lighthouse keeper's island is long and curious. Ships passed the rocks every night, and the " +
        "keeper wrote down each one in a book: its name, its flag, the hour, the weather and what it carried. In winter " +
        "the storms came from the north and the light had to burn without rest; in summer the fishermen came to trade " +
        "bread, salt and news for the oil and the rope that the supply boat brought twice a month. ";

    public static async Task<int> RunAsync(bool quick, string modelName, string quant, string? cache, string? outputPath)
    {
#if BENCH_NO_HTTP
        _ = (quick, modelName, quant, cache, outputPath);
        await Task.CompletedTask.ConfigureAwait(false);
        Console.Error.WriteLine("generation-real needs the server and the SDK; build without -p:BenchHttp=false.");
        return 2;
#else
        var shape = RealGgufShape.All.FirstOrDefault(s => s.Name.Equals(modelName, StringComparison.OrdinalIgnoreCase));
        if (shape is null)
        {
            Console.Error.WriteLine($"unknown --model '{modelName}'; try: {string.Join(", ", RealGgufShape.All.Select(s => s.Name))}");
            return 2;
        }

        if (!RealGgufModels.Quantizations.ContainsKey(quant))
        {
            Console.Error.WriteLine($"unknown --quant '{quant}'; try: {string.Join(", ", RealGgufModels.Quantizations.Keys)}");
            return 2;
        }

        int newTokens = quick ? 16 : 128, warmups = 1, passes = quick ? 2 : 5;
        var total = Stopwatch.StartNew();
        cache ??= Path.Combine(Path.GetTempPath(), "bytez-bench-models");
        var file = RealGgufModels.Ensure(cache, shape, quant, Environment.ProcessorCount, Log);
        var work = Path.Combine(Path.GetTempPath(), "bytez-bench-real-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            const string id = "bench/real-gguf";
            Log("Starting the server...");
            await using var server = await Http.GenerationServer.StartAsync(Path.Combine(work, "home"), [(file, id)]).ConfigureAwait(false);
            var engine = server.Engine;
            var descriptor = engine.Catalog.Find(id) ?? throw new InvalidOperationException($"The server's catalog has no {id}.");
            var loadClock = Stopwatch.StartNew();
            var instance = (IGenerativeInstance)await engine.GetInstanceAsync(descriptor, CancellationToken.None).ConfigureAwait(false);
            var engineLoadMs = loadClock.Elapsed.TotalMilliseconds;
            int threads = server.LlamaCpp.EffectiveThreads, batch = server.LlamaCpp.BatchSize;
            loadClock.Restart();
            using var direct = new LlamaDirectLoop(file, (uint)instance.ContextLength, (uint)batch, threads);
            var directLoadMs = loadClock.Elapsed.TotalMilliseconds;
            var sequences = server.LlamaCpp.SequencesPerContext;
            using var directShaped = new LlamaDirectLoop(file, (uint)instance.ContextLength, (uint)batch, threads, (uint)sequences);

            // The same 512 ids for (1) and (2): llama.cpp's tokenization of a repeated paragraph, cut. The server gets
            // their text and tokenizes it itself (its count is reported).
            var source = new StringBuilder();
            while (source.Length < PromptTokens * 8)
            {
                source.Append(PromptSource);
            }

            var prompt = direct.Tokenize(source.ToString()).Take(PromptTokens).ToArray();
            var promptText = direct.Detokenize(prompt);
            var serverPromptTokens = instance.Tokenizer.Encode(promptText, addSpecialTokens: true).Length;
            var banned = instance.Tokenizer.EosTokenIds.ToHashSet();

            var rows = new List<Row>
            {
                new("(1)", $"llama.cpp direct (LLamaSharp low-level: one LLamaBatch of the prompt, then 1-token llama_decode + argmax), {threads} threads, n_batch = n_ubatch {batch}",
                    () => Task.FromResult(direct.Run(prompt, newTokens))),
                new("(1')", $"llama.cpp direct, the same loop in a context shaped as the engine's ({sequences} sequences × {instance.ContextLength} cells, kv_unified off; sequence 0 used; not a ratio base)",
                    () => Task.FromResult(directShaped.Run(prompt, newTokens))),
                new("(2)", "engine: the server's instance, IDecoderSequence.ForwardAsync + argmax (no sampler, no detokenizer)",
                    () => EngineAsync(instance, prompt, newTokens, banned)),
                new("(3)", $"server: HTTP streaming through the SDK (prompt as text, {serverPromptTokens} tokens after the server's tokenization; prefill = prompt tokens / time to first token)",
                    () => ServerAsync(server, id, promptText, serverPromptTokens, newTokens)),
            };

            Log($"{shape.Name} {quant}: {rows.Count} rows × ({warmups} warm-up + {passes} passes), {prompt.Length}-token prompt, {newTokens} new tokens...");
            foreach (var row in rows)
            {
                for (int w = 0; w < warmups; w++)
                {
                    row.First ??= await row.Pass().ConfigureAwait(false);
                }
            }

            for (int p = 0; p < passes; p++)
            {
                for (int i = 0; i < rows.Count; i++)
                {
                    var row = rows[(i + p) % rows.Count];
                    Harness.Settle();
                    row.Runs.Add(await row.Pass().ConfigureAwait(false));
                }
            }

            var markdown = Report(shape, quant, file, rows, prompt.Length, newTokens, passes, threads, batch, instance.ContextLength,
                engineLoadMs, directLoadMs, total.Elapsed.TotalSeconds);
            Console.WriteLine(markdown);
            if (outputPath is not null)
            {
                await File.WriteAllTextAsync(outputPath, markdown).ConfigureAwait(false);
                Log($"Wrote {outputPath}");
            }

            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }
#endif
    }

    private static async Task<PrefillDecodeRun> EngineAsync(IGenerativeInstance instance, int[] prompt, int n, HashSet<int> banned)
    {
        var ids = new List<int>(n);
        using var sequence = instance.CreateSequence();
        var start = Stopwatch.GetTimestamp();
        var logits = await sequence.ForwardAsync(prompt, CancellationToken.None).ConfigureAwait(false);
        ids.Add(Argmax(logits.Span, banned));
        var prefilled = Stopwatch.GetTimestamp();
        var next = new int[1];
        while (ids.Count < n)
        {
            next[0] = ids[^1];
            logits = await sequence.ForwardAsync(next, CancellationToken.None).ConfigureAwait(false);
            ids.Add(Argmax(logits.Span, banned));
        }

        return new PrefillDecodeRun(prompt.Length, Harness.Milliseconds(start, prefilled), Harness.Milliseconds(prefilled, Stopwatch.GetTimestamp()), ids);
    }

#if !BENCH_NO_HTTP
    private static async Task<PrefillDecodeRun> ServerAsync(Http.GenerationServer server, string id, string text, int promptTokens, int n)
    {
        var run = await server.StreamAsync(id, text, n, 1).ConfigureAwait(false);
        return new PrefillDecodeRun(promptTokens, run.FirstMs, run.TotalMs - run.FirstMs, new int[run.Tokens]);
    }
#endif

    private static int Argmax(ReadOnlySpan<float> logits, HashSet<int> banned)
    {
        int best = -1;
        for (int i = 0; i < logits.Length; i++)
        {
            if (!banned.Contains(i) && (best < 0 || logits[i] > logits[best]))
            {
                best = i;
            }
        }

        return best;
    }

    private static string Report(RealGgufShape shape, string quant, string file, List<Row> rows, int promptTokens, int newTokens, int passes,
        int threads, int batch, int context, double engineLoadMs, double directLoadMs, double seconds)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"### `{shape.Name}` {quant.ToUpperInvariant()} (random weights)");
        sb.AppendLine();
        sb.AppendLine(c, $"- model: {shape.Describe()}; `{Path.GetFileName(file)}` {new FileInfo(file).Length / 1e6:F0} MB");
        sb.AppendLine(c, $"- CPU: {Machine.CpuModel()}, {Environment.ProcessorCount} logical CPUs, shared with other work (noisy)");
        sb.AppendLine(c, $"- {threads} threads on both sides, n_batch = n_ubatch = {batch}, context {context} tokens per sequence, llama.cpp's default context parameters otherwise on every row");
        sb.AppendLine(c, $"- prompt {promptTokens} tokens, {newTokens} new tokens, greedy (EOG masked), median of {passes} interleaved passes after 1 warm-up");
        sb.AppendLine(c, $"- load: engine {engineLoadMs:F0} ms (first GetInstanceAsync), llama.cpp direct {directLoadMs:F0} ms (weights + context)");
        var direct = rows[0];
        var directIds = direct.First?.Ids;
        var engineIds = rows[2].First?.Ids;
        if (directIds is not null && engineIds is not null)
        {
            var same = directIds.Zip(engineIds).TakeWhile(p => p.First == p.Second).Count();
            sb.AppendLine(c, $"- greedy ids, engine vs direct: first {same} of {directIds.Count} equal");
        }

        sb.AppendLine();
        sb.AppendLine("| | path | prefill tok/s | × direct | decode tok/s | × direct |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|");
        double dp = direct.Median(r => r.PrefillTokensPerSecond), dd = direct.Median(r => r.DecodeTokensPerSecond);
        foreach (var row in rows)
        {
            double p = row.Median(r => r.PrefillTokensPerSecond), d = row.Median(r => r.DecodeTokensPerSecond);
            sb.AppendLine(c, $"| {row.Part} | {row.Name} | {p:F1} | {p / dp:F2} | {d:F1} | {d / dd:F2} |");
        }

        sb.AppendLine();
        sb.AppendLine(c, $"Run took {seconds:F0} s.");
        return sb.ToString();
    }

    private static void Log(string message) => Console.Error.WriteLine(message);

    private sealed class Row(string part, string name, Func<Task<PrefillDecodeRun>> pass)
    {
        public string Part { get; } = part;

        public string Name { get; } = name;

        public Func<Task<PrefillDecodeRun>> Pass { get; } = pass;

        public PrefillDecodeRun? First { get; set; }

        public List<PrefillDecodeRun> Runs { get; } = [];

        public double Median(Func<PrefillDecodeRun, double> value) => Stats.Median(Runs.Select(value).ToList());
    }
}
