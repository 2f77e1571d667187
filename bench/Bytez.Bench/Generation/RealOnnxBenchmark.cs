using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Bytez.Engine.Generation;
using Bytez.Engine.Onnx.Generation;
using Bytez.Testing.TinyModels;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Bench.Generation;

/// <summary>
/// <c>generation-onnx-real</c>: one stream on the SmolLM2-135M-shaped ONNX decoder (random weights, written once into a
/// cache folder; <c>--quant</c> fp32, int8 (dynamic, <c>model_quantized.onnx</c>) or q4 (MatMulNBits,
/// <c>model_q4.onnx</c>)), the same 512-token prompt and greedy decoding everywhere: (1) the bare ONNX Runtime loop,
/// (A) ONNX Runtime GenAI's generator loop on the same files, (2) our engine in process (the server's instance, its
/// decoder sequence plus argmax), (3) our server over HTTP (SDK streaming). All rows use the engine's intra-op threads.
/// Prompt processing = prompt tokens / time to first token; decode = tokens after the first / the time after it.
/// </summary>
internal static class RealOnnxBenchmark
{
    private const string ModelId = "bench/smollm2-135m-shape-onnx";
    private const int PromptTokens = 512;

    public static async Task<int> RunAsync(bool quick, string quant, string? cache, string? outputPath, int? threadsOverride = null)
    {
#if BENCH_NO_HTTP
        _ = quick;
        _ = quant;
        _ = cache;
        _ = outputPath;
        _ = threadsOverride;
        await Task.CompletedTask.ConfigureAwait(false);
        Console.Error.WriteLine("generation-onnx-real needs the server and the SDK; build without -p:BenchHttp=false.");
        return 2;
#else
        if (!BenchModels.OnnxQuantizations.TryGetValue(quant, out var weights))
        {
            Console.Error.WriteLine($"--quant {quant}: expected one of {string.Join(", ", BenchModels.OnnxQuantizations.Keys)}.");
            return 2;
        }

        var dtype = OnnxDecoderModelWriter.DtypeOf(weights);
        var total = Stopwatch.StartNew();
        var settings = quick ? new GenerationRunSettings(Quick: true, Passes: 1, Warmups: 1, NewTokens: 16) : new GenerationRunSettings(Quick: false, Passes: 5, Warmups: 1, NewTokens: 64);
        cache ??= Path.Combine(Path.GetTempPath(), "bytez-bench-models");
        Log($"Writing (once) the SmolLM2-135M-shaped ONNX decoder ({quant}) into {cache}...");
        var written = Stopwatch.StartNew();
        var (folder, onnxPath) = BenchModels.EnsureSmolLm2Onnx(cache, weights);
        Log($"  ready in {written.Elapsed.TotalSeconds:F1} s: {onnxPath} ({new FileInfo(onnxPath).Length / 1e6:F0} MB)");
        // The server's home under the cache folder, not at the top of the temporary folder: in one run on the shared
        // machine its models directory vanished mid-run (the watcher then drops a model only when its folder is gone).
        var work = Path.Combine(cache, "work-onnx-real-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            Log("Starting the server...");
            await using var server = await Http.GenerationServer.StartAsync(Path.Combine(work, "home"), [(folder, ModelId)],
                [.. ThreadSettings(threadsOverride), "--Bytez:OnnxDecoder:PrefixCache=false"]).ConfigureAwait(false);
            var engine = server.Engine;
            // The variant as a request's params.dtype picks it: its own descriptor (org/name:q4) and instance.
            var listed = engine.Catalog.Find(ModelId) ?? throw new InvalidOperationException($"The server's catalog has no {ModelId}.");
            var descriptor = Bytez.Engine.ModelVariants.Select(listed, dtype);
            var memoryStarted = ServerMeasures.ResidentMegabytes();
            var loading = Stopwatch.StartNew();
            var instance = (IGenerativeInstance)await engine.GetInstanceAsync(descriptor, CancellationToken.None).ConfigureAwait(false);
            var engineLoadMs = loading.Elapsed.TotalMilliseconds;
            var memoryEngine = ServerMeasures.ResidentMegabytes();
            Log($"  engine loaded the model in {loading.Elapsed.TotalSeconds:F1} s");
            var threads = server.OnnxDecoder.EffectiveThreads;
            var n = settings.NewTokens;

            // A prompt of exactly 512 tokens: letters no merge of the tiny tokenizer joins, one byte token each.
            var random = new Random(42);
            const string letters = "bcdfgkmpquvwxyz";
            var promptText = new string([.. Enumerable.Range(0, PromptTokens).Select(_ => letters[random.Next(letters.Length)])]);
            var prompt = instance.Tokenizer.Encode(promptText, addSpecialTokens: true);
            var banned = (instance.Defaults.EosTokenIds ?? instance.Tokenizer.EosTokenIds).ToHashSet();

            using var bare = new BareOnnxDecoder(onnxPath, threads);
            var memoryBare = ServerMeasures.ResidentMegabytes();
            OnnxGenAiDecoder? genAi = null;
            string genAiStatus;
            double genAiLoadMs = double.NaN, memoryGenAi = double.NaN;
            try
            {
                loading.Restart();
                genAi = new OnnxGenAiDecoder(folder, threads);
                genAiLoadMs = loading.Elapsed.TotalMilliseconds;
                memoryGenAi = ServerMeasures.ResidentMegabytes();
                genAiStatus = "loaded";
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                genAiStatus = $"FAILED to load: {e.GetType().Name}: {e.Message}";
                Log($"  ONNX Runtime GenAI {genAiStatus}");
            }

            var rows = new List<GenerationScenario>
            {
                new("(1)", $"bare ONNX Runtime loop (BareOnnxDecoder: InferenceSession, KV cache fed back, argmax), {threads} intra-op thread(s)",
                    () => Task.FromResult(bare.Generate(prompt, n, banned, _ => string.Empty, 1)), isBaseline: true),
            };
            if (genAi is not null)
            {
                rows.Add(new("(A)", $"ONNX Runtime GenAI 0.18.0 generator loop (AppendTokens, GenerateNextToken; greedy), {threads} intra-op thread(s)",
                    () => Task.FromResult(genAi.Generate(prompt, n))));
            }

            // The engine's own loader and options, on an instance the scheduler does not manage: the server's instance
            // can be unloaded by the idle sweep while a row that holds no lease runs on it (seen: a disposed instance,
            // then a crash inside ONNX Runtime).
            using var own = OnnxDecoderLoader.Load(descriptor, server.Onnx, server.OnnxDecoder with { PrefixCache = false });
            if (own.ModelPath != onnxPath)
            {
                throw new InvalidOperationException($"The engine loaded {own.ModelPath}, not {onnxPath}.");
            }

            rows.Add(new("(2)", "engine in process: an instance from the engine's loader (server options), IDecoderSequence.ForwardAsync + argmax",
                () => SequenceLoopAsync(own, prompt, n, banned)));
            rows.Add(new("(3)", "server: HTTP streaming through the SDK's StreamAsync (text prompt tokenized by the server)",
                () => server.StreamAsync(ModelId, promptText, n, 1, dtype)));

            Log($"{rows.Count} rows × ({settings.Warmups} warm-up + {settings.Passes} passes), prompt {prompt.Length} tokens, {n} new tokens...");
            await GenerationBenchmark.RunInterleavedAsync(rows, settings).ConfigureAwait(false);

            // (5) K concurrent streams on a short prompt through the server, and GenAI's own batch of K; (6) time to
            // first token of sequential 512-token requests through the server (its prefix cache off for the whole run).
            const int shortTokens = 16;
            var shortText = promptText[..shortTokens];
            var shortPrompt = instance.Tokenizer.Encode(shortText, addSpecialTokens: true);
            Log($"(5) aggregate tokens/s of {string.Join('/', ServerMeasures.StreamCounts)} streams, {n} new tokens after a {shortPrompt.Length}-token prompt...");
            var serverStreams = await ServerMeasures.AggregatesAsync(settings.Passes, async () => (await server.StreamAsync(ModelId, shortText, n, 1, dtype).ConfigureAwait(false)).Tokens).ConfigureAwait(false);
            Dictionary<int, double>? genAiStreams = null;
            string genAiBatch = genAi is null ? "GenAI did not load" : "GenAI 0.18 batch (batch_size, prompts appended as one flat array)";
            if (genAi is not null)
            {
                try
                {
                    genAiStreams = [];
                    foreach (var k in ServerMeasures.StreamCounts)
                    {
                        var rates = new List<double>();
                        for (int p = -1; p < settings.Passes; p++)
                        {
                            Harness.Settle();
                            var start = Stopwatch.GetTimestamp();
                            var made = genAi.GenerateBatch(shortPrompt, n, k);
                            if (p >= 0)
                            {
                                rates.Add(made * 1000.0 / Harness.Milliseconds(start, Stopwatch.GetTimestamp()));
                            }
                        }

                        genAiStreams[k] = Stats.Median(rates);
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    genAiStreams = null;
                    genAiBatch = $"GenAI 0.18 batch FAILED: {e.GetType().Name}: {e.Message}";
                    Log("  " + genAiBatch);
                }
            }

            genAi?.Dispose();
            int ttftRequests = settings.Quick ? 5 : 30;
            Log($"(6) time to first token: {ttftRequests} sequential {prompt.Length}-token requests, prefix cache off...");
            var ttft = await ServerMeasures.FirstTokenTimesAsync(ttftRequests, async _ => (await server.StreamAsync(ModelId, promptText, 2, 1, dtype).ConfigureAwait(false)).FirstMs).ConfigureAwait(false);
            var memoryAfter = ServerMeasures.ResidentMegabytes();
            var extra = Extra(settings, shortPrompt.Length, serverStreams, genAiStreams, genAiBatch, prompt.Length, ttft,
                [memoryStarted, memoryEngine, memoryBare, memoryGenAi, memoryAfter], engineLoadMs, genAiLoadMs);

            var markdown = Report(settings, quant, descriptor.ParameterCount, folder, onnxPath, threads, prompt.Length, genAiStatus, rows, instance, total.Elapsed.TotalSeconds) + extra;
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

    private static string Report(GenerationRunSettings settings, string quant, long parameters, string folder, string onnxPath, int threads, int promptTokens, string genAiStatus,
        List<GenerationScenario> rows, IGenerativeInstance instance, double seconds)
    {
        var inv = CultureInfo.InvariantCulture;
        var o = BenchModels.SmolLm2Options;
        var md = new StringBuilder();
        md.AppendLine(inv, $"## Generation at SmolLM2-135M size, ONNX {quant} ({(settings.Quick ? "QUICK smoke run on a shared, noisy machine — not a measurement" : "full run")})");
        md.AppendLine();
        md.AppendLine(inv, $"- Machine: {Environment.ProcessorCount} cores, {Machine.CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, ONNX Runtime {OrtEnv.Instance().GetVersionString()}, ONNX Runtime GenAI 0.18.0 ({genAiStatus}); load average at the end {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        md.AppendLine(inv, $"- Model: random weights, SmolLM2-135M's shapes as a Llama ONNX decoder in the onnx-community layout (`onnx/{Path.GetFileName(onnxPath)}`, Optimum I/O names, `genai_config.json` beside it): {o.Layers} layers, hidden {o.Hidden}, MLP {o.IntermediateSize}, {o.Heads} heads / {o.KeyValueHeads} KV heads, vocabulary {OnnxDecoderModelWriter.VocabularyOf(o):N0}, tied embeddings (std {o.EmbeddingStd}; attention-output and MLP-down weights × {o.ResidualOutputScale:F3}); {parameters / 1e6:F1} M parameters, {new FileInfo(onnxPath).Length / 1e6:F0} MB (cache `{folder}`, never committed)");
        md.AppendLine(inv, $"- One stream, greedy, prompt {promptTokens} tokens, exactly {settings.NewTokens} new tokens (end-of-sequence masked; GenAI: `min_length`); {threads} intra-op thread(s) on every row (the engine's decoder threads); {settings.Warmups} warm-up, median of {settings.Passes} pass(es), rows interleaved. Prompt processing = prompt tokens / time to first token.");
        md.AppendLine();
        md.AppendLine("| row | path | TTFT ms | prompt tok/s | decode tok/s | decode vs (1) | greedy tokens equal (1) |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---|");
        var baseline = rows.First(r => r.IsBaseline);
        var reference = baseline.First?.Ids;
        var referenceText = reference is null ? null : instance.Tokenizer.Decode([.. reference], true);
        foreach (var row in rows)
        {
            if (row.Error is not null)
            {
                md.AppendLine(inv, $"| {row.Part} | {row.Name} | — | — | — | — | FAILED: {row.Error} |");
                continue;
            }

            string equal;
            if (row == baseline)
            {
                equal = "(reference)";
            }
            else if (row.First?.Ids is { } ids)
            {
                equal = reference is not null && ids.SequenceEqual(reference) ? "yes (ids)" : $"NO: first difference at token {FirstDifference(ids, reference)}";
            }
            else
            {
                equal = row.First?.Text == referenceText ? "yes (text)" : "NO (text differs)";
            }

            md.AppendLine(inv, $"| {row.Part} | {row.Name} | {row.FirstMs:F0} | {promptTokens * 1000.0 / row.FirstMs:F0} | {row.DecodeTokensPerSecond:F1} | {row.DecodeTokensPerSecond / baseline.DecodeTokensPerSecond:F2}× | {equal} |");
        }

        md.AppendLine();
        if (reference is not null)
        {
            md.AppendLine(inv, $"Reference greedy ids (1): {string.Join(' ', reference)}; distinct: {reference.Distinct().Count()}.");
            md.AppendLine();
        }

        md.AppendLine(inv, $"Run time {seconds:F0} s.");
        return md.ToString();
    }

    private static int FirstDifference(IReadOnlyList<int> a, IReadOnlyList<int>? b)
    {
        if (b is null)
        {
            return 0;
        }

        var i = 0;
        while (i < a.Count && i < b.Count && a[i] == b[i])
        {
            i++;
        }

        return i;
    }

    private static async Task<GenerationRun> SequenceLoopAsync(IGenerativeInstance instance, int[] prompt, int n, HashSet<int> banned)
    {
        var clock = new StreamClock();
        var ids = new List<int>(n);
        using var sequence = instance.CreateSequence();
        var logits = await sequence.ForwardAsync(prompt, CancellationToken.None).ConfigureAwait(false);
        var next = new int[1];
        while (true)
        {
            var span = logits.Span;
            var best = -1;
            for (var i = 0; i < span.Length; i++)
            {
                if (!banned.Contains(i) && (best < 0 || span[i] > span[best]))
                {
                    best = i;
                }
            }

            ids.Add(best);
            clock.Token();
            if (ids.Count == n)
            {
                break;
            }

            next[0] = best;
            logits = await sequence.ForwardAsync(next, CancellationToken.None).ConfigureAwait(false);
        }

        return clock.Finish(ids.Count, string.Empty, ids, 1);
    }

    private static void Log(string message) => Console.Error.WriteLine(message);

    /// <summary>Rows (5) to (8): concurrent streams, time to first token, resident memory, load time.</summary>
    private static string Extra(GenerationRunSettings settings, int shortTokens, Dictionary<int, double> server, Dictionary<int, double>? genAi, string genAiBatch,
        int promptTokens, List<double> ttft, double[] memory, double engineLoadMs, double genAiLoadMs)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine(c, $"Concurrent streams{(settings.Quick ? " (smoke, loaded machine — not a measurement)" : string.Empty)}: aggregate tokens/s = all streams' tokens / wall clock, a {shortTokens}-token prompt and {settings.NewTokens} new tokens per stream, greedy, median of {settings.Passes} pass(es) after a warm-up; (×) = over 1 stream:");
        sb.AppendLine();
        sb.AppendLine("| | path | 1 stream tok/s | 4 streams tok/s | 8 streams tok/s |");
        sb.AppendLine("|---|---|---:|---:|---:|");
        sb.AppendLine(c, $"| (5) | {genAiBatch} | {ServerMeasures.Cell(genAi, 1)} | {ServerMeasures.Cell(genAi, 4)} | {ServerMeasures.Cell(genAi, 8)} |");
        sb.AppendLine(c, $"| (5') | server: K concurrent SDK streams (continuous batching of the decode steps) | {ServerMeasures.Cell(server, 1)} | {ServerMeasures.Cell(server, 4)} | {ServerMeasures.Cell(server, 8)} |");
        sb.AppendLine();
        sb.AppendLine("| | measure | value |");
        sb.AppendLine("|---|---|---:|");
        sb.AppendLine(c, $"| (6) | time to first token through the server, {ttft.Count} sequential {promptTokens}-token requests, prefix cache off: p50 / p99 ms | {Stats.Percentile(ttft, 0.5):F0} / {Stats.Percentile(ttft, 0.99):F0} |");
        sb.AppendLine(c, $"| (7) | resident memory of the bench process (server in process; VmRSS MB): started / + engine load / + bare session / + GenAI model / total after the runs (GenAI disposed, the engine's own row-(2) instance still loaded) | {memory[0]:F0} / +{memory[1] - memory[0]:F0} / +{memory[2] - memory[1]:F0} / +{memory[3] - memory[2]:F0} / {memory[4]:F0} |");
        sb.AppendLine(c, $"| (8) | load: engine (first GetInstanceAsync) / ONNX Runtime GenAI (new Model) ms, ratio | {engineLoadMs:F0} / {genAiLoadMs:F0} = {engineLoadMs / genAiLoadMs:F2}× |");
        return sb.ToString();
    }

    /// <summary>The server's command-line setting for <c>--threads</c>, none when the engine's default is measured.</summary>
    private static string[] ThreadSettings(int? threads) => threads is { } t ? [$"--Bytez:OnnxDecoder:Threads={t}"] : [];
}
