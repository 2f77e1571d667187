using System.Diagnostics;
using System.Globalization;
using System.Text;
using Bytez.Engine;
using Bytez.Engine.Generation;

namespace Bytez.Bench.Generation;

/// <summary>
/// <c>generation-real</c>: prompt processing and one-stream decode speed on random-weight GGUF models of real shapes
/// (<see cref="RealGgufShape"/>, in F16, Q8_0 or Q4_K_M from <see cref="RealGgufModels"/>), (1) llama.cpp called
/// directly through LLamaSharp's low-level API (<see cref="LlamaDirectLoop"/>) with the engine's threads and batch size,
/// (2) our engine's decoder sequence on the server's own instance (<see cref="IDecoderSequence.ForwardAsync"/> + argmax:
/// the runtime below the sampler), (3) our server over HTTP through the SDK, all on the same token ids, passes
/// interleaved (the prefix cache off for (2) and (3), which repeat one prompt); then (4) a chat's first and second turn
/// through the server with the prefix cache on: a ~1,000-token history, then the same history, the reply and a new
/// question, time to first token of each.
/// </summary>
internal static class RealGgufBenchmark
{
    public const int PromptTokens = 512;

    /// <summary>The history of the chat of row (4), in the server's tokens (at least).</summary>
    public const int HistoryTokens = 1000;

    private const string PromptSource =
        "The history of the lighthouse keeper's island is long and curious. Ships passed the rocks every night, and the " +
        "keeper wrote down each one in a book: its name, its flag, the hour, the weather and what it carried. In winter " +
        "the storms came from the north and the light had to burn without rest; in summer the fishermen came to trade " +
        "bread, salt and news for the oil and the rope that the supply boat brought twice a month. ";

    public static async Task<int> RunAsync(bool quick, string modelName, string quant, string? cache, string? outputPath, int? threadsOverride = null, bool streamsOnly = false)
    {
#if BENCH_NO_HTTP
        _ = (quick, modelName, quant, cache, outputPath, threadsOverride, streamsOnly);
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
            await using var server = await Http.GenerationServer.StartAsync(Path.Combine(work, "home"), [(file, id)], [.. threadsOverride is { } t ? [$"--Bytez:LlamaCpp:Threads={t}"] : Array.Empty<string>(), .. Environment.GetEnvironmentVariable("BYTEZ_BENCH_SERVER_ARGS")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? []]).ConfigureAwait(false);
            var engine = server.Engine;
            var descriptor = engine.Catalog.Find(id) ?? throw new InvalidOperationException($"The server's catalog has no {id}.");
            LlamaDirectLoop.WarmPageCache(file);
            var memory = new Memory { Started = ServerMeasures.ResidentMegabytes() };
            var loadClock = Stopwatch.StartNew();
            var instance = (IGenerativeInstance)await engine.GetInstanceAsync(descriptor, CancellationToken.None).ConfigureAwait(false);
            var engineLoadMs = loadClock.Elapsed.TotalMilliseconds;
            memory.EngineLoaded = ServerMeasures.ResidentMegabytes();
            int threads = server.LlamaCpp.EffectiveThreads, batch = server.LlamaCpp.BatchSize;
            loadClock.Restart();
            using var direct = new LlamaDirectLoop(file, (uint)instance.ContextLength, (uint)batch, threads);
            var directLoadMs = loadClock.Elapsed.TotalMilliseconds;
            memory.DirectLoaded = ServerMeasures.ResidentMegabytes();
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

            // The short prompt of rows (1s)-(3s) and (5): decode-dominated, with little to attend to.
            var shortText = promptText[..Math.Min(promptText.Length, 64)];
            var shortPrompt = direct.Tokenize(shortText);
            var serverShortTokens = instance.Tokenizer.Encode(shortText, addSpecialTokens: true).Length;

            var rows = new List<Row>
            {
                new("(1)", $"llama.cpp direct (LLamaSharp low-level: one LLamaBatch of the prompt, then 1-token llama_decode + argmax), {threads} threads, n_batch = n_ubatch {batch}",
                    () => Task.FromResult(direct.Run(prompt, newTokens))),
                new("(1')", $"llama.cpp direct, the same loop in a context shaped as the engine's ({sequences} sequences × {instance.ContextLength} cells, kv_unified off; sequence 0 used; not a ratio base)",
                    () => Task.FromResult(directShaped.Run(prompt, newTokens))),
                new("(2)", "engine: the server's instance, IDecoderSequence.ForwardAsync + argmax (no sampler, no detokenizer)",
                    () => WithoutPrefixCache(server, () => EngineAsync(instance, prompt, newTokens, banned))),
                new("(3)", $"server: HTTP streaming through the SDK (prompt as text, {serverPromptTokens} tokens after the server's tokenization; prefill = prompt tokens / time to first token)",
                    () => WithoutPrefixCache(server, () => ServerAsync(server, id, promptText, serverPromptTokens, newTokens))),
                new("(1s)", $"as (1), a {shortPrompt.Length}-token prompt (decode with little to attend to; compare the short rows with each other)",
                    () => Task.FromResult(direct.Run(shortPrompt, newTokens))),
                new("(1's)", $"as (1'), the engine-shaped context, a {shortPrompt.Length}-token prompt",
                    () => Task.FromResult(directShaped.Run(shortPrompt, newTokens))),
                new("(2s)", $"as (2), the engine, a {shortPrompt.Length}-token prompt",
                    () => WithoutPrefixCache(server, () => EngineAsync(instance, shortPrompt, newTokens, banned))),
                new("(3s)", $"as (3), the server, a {serverShortTokens}-token prompt",
                    () => WithoutPrefixCache(server, () => ServerAsync(server, id, shortText, serverShortTokens, newTokens))),
            };

            if (streamsOnly)
            {
                rows.Clear(); // only (5): the concurrency rows
            }

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

            Log($"(4) chat turns: {warmups} warm-up + {passes} passes...");
            var history = new StringBuilder();
            while (instance.Tokenizer.Encode(history.ToString(), addSpecialTokens: true).Length < HistoryTokens)
            {
                history.Append(PromptSource);
            }

            // (5) K concurrent streams on a short prompt (decode-dominated): llama.cpp direct with K sequences in one
            // batch, in a context sized for the run and in one shaped as the engine's, and the server; interleaved.
            Log($"(5) aggregate tokens/s of {string.Join('/', ServerMeasures.StreamCounts)} streams, {newTokens} new tokens after a {shortPrompt.Length}-token prompt...");
            Dictionary<string, Dictionary<int, double>> streamRates;
            using (var batched = new LlamaDirectLoop(file, (uint)(shortPrompt.Length + newTokens + 16), (uint)batch, threads, (uint)ServerMeasures.StreamCounts.Max()))
            {
                memory.DirectBatched = ServerMeasures.ResidentMegabytes();
                Func<int, Task<double>> Direct(LlamaDirectLoop loop) => k =>
                {
                    var start = Stopwatch.GetTimestamp();
                    var made = loop.RunBatched(shortPrompt, newTokens, k);
                    return Task.FromResult(made * 1000.0 / Harness.Milliseconds(start, Stopwatch.GetTimestamp()));
                };

                server.LlamaCpp.PrefixCache = false;
                try
                {
                    streamRates = await ServerMeasures.InterleavedAggregatesAsync(passes,
                    [
                        ("direct", Direct(batched)),
                        ("shaped", Direct(directShaped)),
                        ("server", k => ServerMeasures.AggregateAsync(k, async () => (await server.StreamAsync(id, shortText, newTokens, 1).ConfigureAwait(false)).Tokens)),
                    ]).ConfigureAwait(false);
                }
                finally
                {
                    server.LlamaCpp.PrefixCache = true;
                }
            }

            if (streamsOnly)
            {
                var streamsTable = Extra(quick, shortPrompt.Length, newTokens, passes, streamRates, sequences, instance.ContextLength, serverPromptTokens, [], memory, engineLoadMs, directShaped);
                streamsTable = streamsTable[..streamsTable.IndexOf("| | measure |", StringComparison.Ordinal)];
                Console.WriteLine(streamsTable);
                if (outputPath is not null)
                {
                    await File.WriteAllTextAsync(outputPath, streamsTable).ConfigureAwait(false);
                }

                return 0;
            }

            int ttftRequests = quick ? 5 : 30;
            Log($"(6) time to first token: {ttftRequests} sequential {serverPromptTokens}-token requests, prefix cache off...");
            List<double> ttft;
            server.LlamaCpp.PrefixCache = false;
            try
            {
                ttft = await ServerMeasures.FirstTokenTimesAsync(ttftRequests, async _ => (await server.StreamAsync(id, promptText, 2, 1).ConfigureAwait(false)).FirstMs).ConfigureAwait(false);
            }
            finally
            {
                server.LlamaCpp.PrefixCache = true;
            }

            var turns = new List<ChatTurns>();
            for (int p = -warmups; p < passes; p++)
            {
                Harness.Settle();
                var turn = await ChatTurnsAsync(server, id, instance, history.ToString(), p + warmups, newTokens).ConfigureAwait(false);
                if (p >= 0)
                {
                    turns.Add(turn);
                }
            }

            memory.AfterRuns = ServerMeasures.ResidentMegabytes();
            var markdown = Report(shape, quant, file, rows, prompt.Length, newTokens, passes, threads, batch, instance.ContextLength,
                engineLoadMs, directLoadMs, total.Elapsed.TotalSeconds, turns) +
                Extra(quick, shortPrompt.Length, newTokens, passes, streamRates, sequences, instance.ContextLength, serverPromptTokens, ttft, memory, engineLoadMs, directShaped);
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

#if !BENCH_NO_HTTP
    /// <summary>Runs a pass with the server's prefix cache off (rows that repeat one prompt measure its whole prefill).</summary>
    private static async Task<PrefillDecodeRun> WithoutPrefixCache(Http.GenerationServer server, Func<Task<PrefillDecodeRun>> pass)
    {
        server.LlamaCpp.PrefixCache = false;
        try
        {
            return await pass().ConfigureAwait(false);
        }
        finally
        {
            server.LlamaCpp.PrefixCache = true;
        }
    }

    /// <summary>
    /// (4): a new chat (its first words numbered by <paramref name="pass"/>, so no earlier pass's prefix matches) with a
    /// long history, streamed through the server; then its second turn, the first turn's prompt and reply followed by
    /// a new question. The prefix cache keeps the first turn's cells, so the second decodes only what is new.
    /// </summary>
    private static async Task<ChatTurns> ChatTurnsAsync(Http.GenerationServer server, string id, IGenerativeInstance instance, string history, int pass, int n)
    {
        var cache = (IPrefixCachingInstance)instance;
        var observer = cache.PrefixReuseObserver;
        int reused = 0;
        cache.PrefixReuseObserver = tokens =>
        {
            reused = tokens;
            observer?.Invoke(tokens);
        };
        try
        {
            string first = string.Create(CultureInfo.InvariantCulture, $"Chat number {pass} of the keepers' log.\n") + history +
                "\nUser: What did the keeper write down for each ship?\nAssistant:";
            var one = await server.StreamAsync(id, first, n, 1).ConfigureAwait(false);
            int firstReused = reused;
            reused = 0;
            string second = first + one.Text + "\nUser: And what did the supply boat bring in winter?\nAssistant:";
            var two = await server.StreamAsync(id, second, n, 1).ConfigureAwait(false);
            return new ChatTurns(
                instance.Tokenizer.Encode(first, addSpecialTokens: true).Length, one.FirstMs, firstReused,
                instance.Tokenizer.Encode(second, addSpecialTokens: true).Length, two.FirstMs, reused);
        }
        finally
        {
            cache.PrefixReuseObserver = observer;
        }
    }
#endif

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
        int threads, int batch, int context, double engineLoadMs, double directLoadMs, double seconds, List<ChatTurns> turns)
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
            sb.AppendLine(c, $"- direct's greedy ids vary: {directIds.Distinct().Count()} distinct of {directIds.Count} ({string.Join(' ', directIds.Take(16))}{(directIds.Count > 16 ? " ..." : string.Empty)})");
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

        if (turns.Count > 0)
        {
            double t1 = Stats.Median(turns.Select(t => t.FirstMs).ToList()), t2 = Stats.Median(turns.Select(t => t.SecondMs).ToList());
            ChatTurns last = turns[^1];
            sb.AppendLine();
            sb.AppendLine(c, $"Chat turns through the server (HTTP streaming through the SDK, prefix cache on, {newTokens} new tokens a turn, median of {turns.Count} fresh chats):");
            sb.AppendLine();
            sb.AppendLine("| | turn | prompt tokens | reused from the cache | time to first token ms | × first turn |");
            sb.AppendLine("|---|---|---:|---:|---:|---:|");
            sb.AppendLine(c, $"| (4) | first: a {last.FirstTokens}-token history and a question | {last.FirstTokens} | {last.FirstReused} | {t1:F1} | 1.00 |");
            sb.AppendLine(c, $"| (4') | second: the first turn, its reply and a new question | {last.SecondTokens} | {last.SecondReused} | {t2:F1} | {t2 / t1:F2} |");
        }

        sb.AppendLine();
        sb.AppendLine(c, $"Run took {seconds:F0} s.");
        return sb.ToString();
    }

    private static void Log(string message) => Console.Error.WriteLine(message);

    /// <summary>Rows (5) to (8): concurrent streams, time to first token, resident memory, load time.</summary>
    private static string Extra(bool quick, int shortTokens, int newTokens, int passes, Dictionary<string, Dictionary<int, double>> rates, int sequences, int cells,
        int promptTokens, List<double> ttft, Memory memory, double engineLoadMs, LlamaDirectLoop shaped)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine(c, $"Concurrent streams{(quick ? " (smoke, loaded machine — not a measurement)" : string.Empty)}: aggregate tokens/s = all streams' tokens / wall clock, a {shortTokens}-token prompt and {newTokens} new tokens per stream, greedy, prefix cache off, median of {passes} passes after a warm-up; (×) = over 1 stream:");
        sb.AppendLine();
        sb.AppendLine("| | path | 1 stream tok/s | 4 streams tok/s | 8 streams tok/s |");
        sb.AppendLine("|---|---|---:|---:|---:|");
        var (direct, shapedRates, server) = (rates["direct"], rates["shaped"], rates["server"]);
        sb.AppendLine(c, $"| (5) | llama.cpp direct: K sequences (n_seq_max {ServerMeasures.StreamCounts.Max()}, {shortTokens + newTokens + 16} cells each) in one llama_batch per step | {ServerMeasures.Cell(direct, 1)} | {ServerMeasures.Cell(direct, 4)} | {ServerMeasures.Cell(direct, 8)} |");
        sb.AppendLine(c, $"| (5s) | llama.cpp direct as (5), in the context shaped as the engine's ({sequences} sequences × {cells} cells, the context of (1')) | {ServerMeasures.Cell(shapedRates, 1)} | {ServerMeasures.Cell(shapedRates, 4)} | {ServerMeasures.Cell(shapedRates, 8)} |");
        sb.AppendLine(c, $"| (5') | server: K concurrent SDK streams | {ServerMeasures.Cell(server, 1)} | {ServerMeasures.Cell(server, 4)} | {ServerMeasures.Cell(server, 8)} |");
        sb.AppendLine();
        sb.AppendLine("The three paths of (5) are interleaved: every pass measures each path at each stream count, the order rotated from pass to pass.");
        sb.AppendLine();
        sb.AppendLine(c, $"| | measure | value |");
        sb.AppendLine("|---|---|---:|");
        sb.AppendLine(c, $"| (6) | time to first token through the server, {ttft.Count} sequential {promptTokens}-token requests, prefix cache off: p50 / p99 ms | {Stats.Percentile(ttft, 0.5):F0} / {Stats.Percentile(ttft, 0.99):F0} |");
        sb.AppendLine(c, $"| (7) | resident memory of the bench process (server in process; VmRSS MB): started / + engine load / + llama.cpp direct (2 contexts) / total with the 8-sequence direct context / total after the runs | {memory.Started:F0} / +{memory.EngineLoaded - memory.Started:F0} / +{memory.DirectLoaded - memory.EngineLoaded:F0} / {memory.DirectBatched:F0} / {memory.AfterRuns:F0} |");
        double directMs = shaped.WeightsLoadMs + shaped.ContextMs;
        sb.AppendLine(c, $"| (8) | load, the file in the page cache for both: engine (first GetInstanceAsync) / llama.cpp direct as shaped as the engine's, (1'): llama_model_load (mmap) {shaped.WeightsLoadMs:F0} ms + its context {shaped.ContextMs:F0} ms; ratio (aim ≤ 1.1 for qwen2.5-0.5b) | {engineLoadMs:F0} / {directMs:F0} = {engineLoadMs / directMs:F2}× |");
        return sb.ToString();
    }

    /// <summary>Resident memory (MB) at the points of row (7).</summary>
    private sealed class Memory
    {
        public double Started { get; init; }

        public double EngineLoaded { get; set; }

        public double DirectLoaded { get; set; }

        public double DirectBatched { get; set; }

        public double AfterRuns { get; set; }
    }

    /// <summary>One chat of row (4): each turn's prompt tokens, time to first token and tokens reused from the prefix cache.</summary>
    private sealed record ChatTurns(int FirstTokens, double FirstMs, int FirstReused, int SecondTokens, double SecondMs, int SecondReused);

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
