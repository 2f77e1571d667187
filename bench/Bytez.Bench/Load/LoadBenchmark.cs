using Bytez.Bench.Generation;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Bytez.Engine.Embedded;
using Bytez.Engine.Tokenization;
using Bytez.Protocol;
using Bytez.Testing.TinyModels;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Bench.Load;

/// <summary>
/// Instances, batching and load, in one run: (1) embeddings per second with 1, 4, 16, 64 concurrent SDK clients against
/// two servers (dynamic batching on / off) and a bare ONNX Runtime session at its best batch size; (2) generation with
/// 1, 4, 8 concurrent streams against two servers (continuous batching on / off) on the tiny GGUF and ONNX decoders;
/// (3) cold start of MiniLM (DELETE, then a run or a load) against a bare session creation.
/// </summary>
internal static partial class LoadBenchmark
{
    private static readonly int[] ClientCounts = [1, 4, 16, 64];
    private static readonly int[] StreamCounts = [1, 4, 8];
    private static readonly int[] BareBatches = [8, 16];
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(LoadRunSettings settings, string? outputPath, bool embeddingsOnly = false)
    {
        var total = Stopwatch.StartNew();
        var md = new StringBuilder();
        md.AppendLine("### Result: instances, batching and load" + (settings.Quick ? " (quick smoke run: not for quoting)" : " (full run)"));
        md.AppendLine();
        md.AppendLine(Inv, $"- Command: `dotnet run -c Release --project bench/Bytez.Bench -- load{(settings.Quick ? " --quick" : string.Empty)}{(embeddingsOnly ? " --embeddings-only" : string.Empty)}`");
        md.AppendLine(Inv, $"- Machine: {Environment.ProcessorCount} cores, {Machine.CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, ONNX Runtime {OrtEnv.Instance().GetVersionString()}");
        md.AppendLine("- Client and servers share the machine's cores (everything in one process, loopback HTTP/1.1, one `BytezClient` per simulated client or stream).");
        var totalLine = md.Length;

        await EmbeddingsAsync(settings, md).ConfigureAwait(false);
        if (!embeddingsOnly)
        {
            await GenerationAsync(settings, md).ConfigureAwait(false);
            await ColdStartAsync(settings, md).ConfigureAwait(false);
        }

        md.Insert(totalLine, string.Create(Inv, $"- Total run time {total.Elapsed.TotalSeconds:F0} s.{Environment.NewLine}"));
        var markdown = md.ToString();
        Console.WriteLine(markdown);
        if (outputPath is not null)
        {
            await File.WriteAllTextAsync(outputPath, markdown).ConfigureAwait(false);
            Log($"Wrote {outputPath}");
        }

        return 0;
    }

    // --- (1) Embeddings ------------------------------------------------------------------------------------------------

    private static async Task EmbeddingsAsync(LoadRunSettings settings, StringBuilder md)
    {
        var sentences = Corpus.Load(settings.SentenceLimit);
        var modelsRoot = Path.Combine(Path.GetTempPath(), "bytez-bench-models");
        Log($"Embeddings: extracting the model into {modelsRoot} (once per machine)...");
        var descriptor = EmbeddedModels.EnsureExtracted(modelsRoot, EmbeddedModels.MiniLM);
        var onnxPath = Path.Combine(descriptor.Path, "onnx", "model.onnx");
        var tokenizer = BertWordPieceTokenizer.FromDirectory(descriptor.Path);
        var maxLength = EmbeddedModels.MiniLM.MaxSequenceLength;
        var id = EmbeddedModels.MiniLM.Id;
        var cores = Math.Max(1, Environment.ProcessorCount);

        Log("Embeddings: starting two servers (dynamic batching on / off) and the bare sessions...");
        await using var on = await LoadServer.StartAsync("on", modelsRoot, null, "Bytez:Onnx:DynamicBatching=true").ConfigureAwait(false);
        await using var off = await LoadServer.StartAsync("off", modelsRoot, null, "Bytez:Onnx:DynamicBatching=false").ConfigureAwait(false);
        var bare = Enumerable.Range(0, cores).Select(_ => new BareSession(onnxPath, 1)).ToArray();
        try
        {
            var rows = new List<LoadRow>();
            var serverRows = new Dictionary<(string Server, int Clients), LoadRow>();
            foreach (var server in new[] { on, off })
            {
                var models = Enumerable.Range(0, ClientCounts.Max()).Select(_ => server.NewClient().Model(id)).ToArray();
                var first = await models[0].RunAsync(sentences[0]).ConfigureAwait(false);
                if (!first.IsSuccess)
                {
                    throw new InvalidOperationException($"The server ({server.Label}) could not embed: {first.Error}");
                }

                foreach (var clients in ClientCounts)
                {
                    var row = new LoadRow(
                        "embed " + server.Label,
                        $"server, dynamic batching {server.Label}, {clients} client(s), 1 sentence/request",
                        sentences.Count,
                        r => EmbedPassAsync(r, models, sentences, clients));
                    rows.Add(row);
                    serverRows[(server.Label, clients)] = row;
                }
            }

            // The same server at 16 connections from wrk, a C load generator in its own process (when installed): the
            // HTTP client's own cost is then far below the SDK's, which shares this process with the server.
            var wrk = WrkRow(on, id, sentences, settings);
            if (wrk is not null)
            {
                rows.Add(wrk);
            }

            var bareRows = new List<(int Batch, LoadRow Row)>();
            foreach (var batch in BareBatches)
            {
                var row = new LoadRow("embed bare", $"bare ORT, {cores} sessions × 1 thread, grouped by length, batch {batch}", sentences.Count, async _ =>
                {
                    var sw = Stopwatch.StartNew();
                    await BareRunner.EmbedAsync(bare, tokenizer, maxLength, sentences, batch, groupByLength: true).ConfigureAwait(false);
                    return sw.Elapsed.TotalSeconds;
                });
                rows.Add(row);
                bareRows.Add((batch, row));
            }

            Log($"Embeddings: {rows.Count} rows × ({settings.Warmups} warm-up + {settings.Passes} passes) of {sentences.Count} sentences, interleaved...");
            await LoadHarness.RunInterleavedAsync(rows, settings.Warmups, settings.Passes).ConfigureAwait(false);
            var batchOn = await BatchSizesAsync(on).ConfigureAwait(false);
            var batchOff = await BatchSizesAsync(off).ConfigureAwait(false);

            var best = bareRows.MaxBy(b => b.Row.PerSecond);
            md.AppendLine();
            md.AppendLine("#### Embeddings: sentence-transformers/all-MiniLM-L6-v2, one sentence per request, concurrent SDK clients");
            md.AppendLine();
            md.AppendLine(Inv, $"- {sentences.Count} sentences of bench/data/sentences.txt per pass, shared by the clients (each takes the next sentence when its previous request returned); one `BytezClient` per client; each row: {settings.Warmups} warm-up pass, then the median of {settings.Passes} passes, all rows interleaved (order rotated every pass). p50/p99: per-request round trip over all recorded passes.");
            md.AppendLine(Inv, $"- Two servers from `BytezServer.Create`, started up front, differing only in `Bytez:Onnx:DynamicBatching` (true / false); engine options otherwise as registered: {on.Onnx.EffectiveSessions} sessions × {on.Onnx.IntraOpThreads} thread, MaxBatchSize {on.Onnx.MaxBatchSize}, MaxBatchWait {on.Onnx.MaxBatchWait.TotalMilliseconds} ms; scheduler defaults (16 requests per instance at once, queue 256).");
            md.AppendLine(Inv, $"- Reference: the bare ONNX Runtime session of the `embeddings` mode, {cores} sessions × 1 thread fed by {cores} workers, all sentences tokenized, sorted by length and batched (no HTTP, no per-request work); best of batch {string.Join(", ", BareBatches)}: batch {best.Batch}, {F1(best.Row.PerSecond)} sentences/s.");
            md.AppendLine("- CPU: the process's CPU time during a pass over (wall time × cores), median over the passes.");
            md.AppendLine();
            md.AppendLine("| clients | batching on: sentences/s | p50 ms | p99 ms | CPU | batching off: sentences/s | p50 ms | p99 ms | CPU | on / off | on / bare best | off / bare best |");
            md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var clients in ClientCounts)
            {
                var a = serverRows[("on", clients)];
                var b = serverRows[("off", clients)];
                md.AppendLine(Inv,
                    $"| {clients} | {F1(a.PerSecond)} | {F2(Stats.Median(a.LatenciesMs))} | {F2(Stats.Percentile(a.LatenciesMs, 0.99))} | {Stats.Median(a.CpuShare):P0} | " +
                    $"{F1(b.PerSecond)} | {F2(Stats.Median(b.LatenciesMs))} | {F2(Stats.Percentile(b.LatenciesMs, 0.99))} | {Stats.Median(b.CpuShare):P0} | " +
                    $"{F2(a.PerSecond / b.PerSecond)} | {F2(a.PerSecond / best.Row.PerSecond)} | {F2(b.PerSecond / best.Row.PerSecond)} |");
            }

            md.AppendLine();
            md.AppendLine("| bare reference | sentences/s | spread | CPU |");
            md.AppendLine("|---|---:|---:|---:|");
            foreach (var (_, row) in bareRows)
            {
                md.AppendLine(Inv, $"| {row.Name} | {F1(row.PerSecond)} | {row.Spread:P0} | {Stats.Median(row.CpuShare):P0} |");
            }

            var errors = rows.Sum(r => r.Errors);
            md.AppendLine();
            md.AppendLine(string.Create(Inv, $"- Failed requests: {errors}") + (errors > 0 ? $" (last: {rows.Last(r => r.Errors > 0).LastError})" : string.Empty));
            md.AppendLine(Inv, $"- Batch sizes the engine ran (`bytez_batch_size` from `/metrics`, whole run incl. warm-ups): batching on {batchOn}; batching off {batchOff}.");
            var at16 = serverRows[("on", 16)].PerSecond / best.Row.PerSecond;
            md.AppendLine(Inv, $"- **Aim: at 16 clients ≥ 0.9 × the bare best** — measured {F2(at16)} with dynamic batching on ({F2(serverRows[("off", 16)].PerSecond / best.Row.PerSecond)} off): {Met(at16 >= 0.9)}.");
            md.AppendLine(wrk is null
                ? "- wrk (a C load generator, `apt-get install wrk`) is not installed: no row with the client in a separate process."
                : string.Create(Inv, $"- Same server, batching on, **16 connections from wrk** (C, one thread, separate process; {WrkSeconds(settings)} s per pass, the sentences in turn, one per request; CPU column excludes wrk): {F1(wrk.PerSecond)} sentences/s, spread {wrk.Spread:P0}, = **{F2(wrk.PerSecond / best.Row.PerSecond)} × the bare best** (SDK clients in-process: {F2(at16)}). Every response 200."));
        }
        finally
        {
            foreach (var session in bare)
            {
                session.Dispose();
            }
        }
    }

    private static int WrkSeconds(LoadRunSettings settings) => settings.Quick ? 1 : 3;

    /// <summary>A row that runs wrk at 16 connections against the server, or <see langword="null"/> when wrk is not installed.</summary>
    private static LoadRow? WrkRow(LoadServer server, string modelId, IReadOnlyList<string> sentences, LoadRunSettings settings)
    {
        var wrk = new[] { "/usr/bin/wrk", "/usr/local/bin/wrk" }.FirstOrDefault(File.Exists);
        if (wrk is null)
        {
            return null;
        }

        // One JSON body per line for the script to send in turn; the key and content type as headers.
        var folder = Directory.CreateTempSubdirectory("bytez-bench-wrk-").FullName;
        var bodies = Path.Combine(folder, "bodies.jsonl");
        File.WriteAllLines(bodies, sentences.Select(t => JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = t })));
        var script = Path.Combine(folder, "embed.lua");
        File.WriteAllText(script, $$"""
            wrk.method = "POST"
            wrk.headers["Content-Type"] = "application/json"
            wrk.headers["Authorization"] = "Key {{server.Key}}"
            local bodies = {}
            for line in io.lines("{{bodies}}") do bodies[#bodies + 1] = line end
            local i = 0
            request = function()
              i = i % #bodies + 1
              return wrk.format(nil, nil, nil, bodies[i])
            end
            local shown = 0
            response = function(status, headers, body)
              if status ~= 200 and shown < 1 then print("first failure: " .. status .. " " .. body); shown = shown + 1 end
            end
            """);
        var url = new Uri(server.BaseAddress, modelId).AbsoluteUri;
        return new LoadRow("embed wrk", "server, dynamic batching on, 16 connections from wrk", sentences.Count, async row =>
        {
            var start = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "-t1", "-c16", $"-d{WrkSeconds(settings)}s", "--timeout", "10s", "-s", script, url })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
            await process.WaitForExitAsync().ConfigureAwait(false);
            var rate = WrkRate().Match(output);
            if (process.ExitCode != 0 || !rate.Success)
            {
                throw new InvalidOperationException($"wrk failed ({process.ExitCode}): {output}");
            }

            // A failed response is answered fast and would count as throughput: any failure ends the run.
            if (WrkNon2xx().Match(output) is { Success: true } failed)
            {
                throw new InvalidOperationException(
                    $"wrk saw {failed.Groups[1].Value} failed responses; {output.Split('\n').FirstOrDefault(l => l.StartsWith("first failure", StringComparison.Ordinal))}");
            }

            // The pass's time for this row's sentence count, at the rate wrk measured.
            return sentences.Count / double.Parse(rate.Groups[1].Value, Inv);
        });
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial System.Text.RegularExpressions.Regex WrkRate();

    [System.Text.RegularExpressions.GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial System.Text.RegularExpressions.Regex WrkNon2xx();

    private static async Task<double> EmbedPassAsync(LoadRow row, BytezModel[] models, IReadOnlyList<string> sentences, int clients)
    {
        var next = -1;
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < sentences.Count)
            {
                var start = Stopwatch.GetTimestamp();
                var result = await models[c].RunAsync(sentences[i]).ConfigureAwait(false);
                var ms = Harness.Milliseconds(start, Stopwatch.GetTimestamp());
                if (!result.IsSuccess)
                {
                    row.AddError(result.Error);
                    continue;
                }

                _ = result.GetEmbedding();
                row.AddLatency(ms);
            }
        })).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>The mean batch size per model from the server's Prometheus endpoint (sum / count of <c>bytez_batch_size</c>).</summary>
    private static async Task<string> BatchSizesAsync(LoadServer server)
    {
        try
        {
            using var http = new HttpClient();
            var text = await http.GetStringAsync(new Uri(server.BaseAddress, "/metrics")).ConfigureAwait(false);
            var sums = new Dictionary<string, double>();
            var counts = new Dictionary<string, double>();
            foreach (var line in text.Split('\n'))
            {
                var isSum = line.StartsWith("bytez_batch_size_sum", StringComparison.Ordinal);
                var isCount = line.StartsWith("bytez_batch_size_count", StringComparison.Ordinal);
                if (!isSum && !isCount)
                {
                    continue;
                }

                var brace = line.IndexOf('{', StringComparison.Ordinal);
                var close = line.LastIndexOf('}');
                var labels = brace >= 0 && close > brace ? line[(brace + 1)..close] : string.Empty;
                var value = double.Parse(line[(line.LastIndexOf(' ') + 1)..], Inv);
                var target = isSum ? sums : counts;
                target[labels] = target.GetValueOrDefault(labels) + value;
            }

            if (counts.Count == 0)
            {
                return "(no `bytez_batch_size` series)";
            }

            return string.Join("; ", counts.Where(c => c.Value > 0).Select(c =>
                string.Create(Inv, $"{c.Key.Replace("\"", string.Empty, StringComparison.Ordinal).Replace("otel_scope_name=Bytez.Engine,", string.Empty, StringComparison.Ordinal)}: {c.Value:N0} batches, mean {sums.GetValueOrDefault(c.Key) / c.Value:F2}")));
        }
        catch (HttpRequestException e)
        {
            return $"(metrics not read: {e.Message})";
        }
    }

    // --- (2) Generation ------------------------------------------------------------------------------------------------

    private static async Task GenerationAsync(LoadRunSettings settings, StringBuilder md)
    {
        var work = Path.Combine(Path.GetTempPath(), "bytez-bench-load-gen-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            Log("Generation: writing the tiny models (as the generation mode does)...");
            var (tinyGguf, tinyOnnx) = BenchModels.Write(work);
            var ggufOptions = BenchModels.GgufOptions;
            var onnxOptions = BenchModels.OnnxOptions;
            (string Path, string Id, string Title)[] models =
            [
                (tinyGguf.Path, "bench/tiny-gguf", $"tiny GGUF llama via llama.cpp ({ggufOptions.Layers} layers, d {ggufOptions.EmbeddingLength}, {tinyGguf.ParameterCount / 1e6:F1} M parameters)"),
                (tinyOnnx.Folder, "bench/tiny-onnx", $"tiny ONNX GPT-2-style decoder ({onnxOptions.Layers} layers, hidden {onnxOptions.Hidden}, {new FileInfo(tinyOnnx.OnnxPath).Length / 1e6:F0} MB)"),
            ];

            Log("Generation: starting two servers (continuous batching on / off)...");
            var registrations = models.Select(m => (m.Path, m.Id)).ToArray();
            await using var on = await LoadServer.StartAsync("on", null, registrations,
                "Bytez:LlamaCpp:ContinuousBatching=true", "Bytez:OnnxDecoder:ContinuousBatching=true").ConfigureAwait(false);
            await using var off = await LoadServer.StartAsync("off", null, registrations,
                "Bytez:LlamaCpp:ContinuousBatching=false", "Bytez:OnnxDecoder:ContinuousBatching=false").ConfigureAwait(false);
            var n = settings.NewTokens;
            var parameters = new ModelParameters { MaxNewTokens = n, MinNewTokens = n, DoSample = false, ReturnFullText = false };
            var rows = new List<LoadRow>();
            var byKey = new Dictionary<(string Model, string Server, int Streams), LoadRow>();
            var texts = new Dictionary<string, ConcurrentDictionary<string, int>>();
            foreach (var model in models)
            {
                texts[model.Id] = new ConcurrentDictionary<string, int>();
                foreach (var server in new[] { on, off })
                {
                    var clients = Enumerable.Range(0, StreamCounts.Max()).Select(_ => server.NewClient().Model(model.Id)).ToArray();
                    foreach (var streams in StreamCounts)
                    {
                        var seen = texts[model.Id];
                        var row = new LoadRow("gen " + server.Label, $"{model.Id}, continuous batching {server.Label}, {streams} stream(s) × {n} tokens", streams * n,
                            r => StreamPassAsync(r, clients, streams, parameters, n, seen));
                        rows.Add(row);
                        byKey[(model.Id, server.Label, streams)] = row;
                    }
                }
            }

            Log($"Generation: {rows.Count} rows × ({settings.Warmups} warm-up + {settings.GenerationPasses} passes), interleaved...");
            await LoadHarness.RunInterleavedAsync(rows, settings.Warmups, settings.GenerationPasses).ConfigureAwait(false);
            var batchOn = await BatchSizesAsync(on).ConfigureAwait(false);
            var batchOff = await BatchSizesAsync(off).ConfigureAwait(false);

            md.AppendLine();
            md.AppendLine("#### Generation: concurrent streams through the SDK's `StreamAsync`");
            md.AppendLine();
            md.AppendLine(Inv, $"- Same prompt as the `generation` mode, greedy, exactly {n} new tokens (`min_new_tokens` = `max_new_tokens`), `return_full_text` false; S streams start together, one `BytezClient` each. Tokens/s = S × {n} / wall time of the pass (median of {settings.GenerationPasses} passes after {settings.Warmups} warm-up, all rows interleaved). TTFT: request start to first non-empty text piece; latency: request start to last piece, per stream, over all recorded passes.");
            md.AppendLine(Inv, $"- Two servers, differing only in `Bytez:LlamaCpp:ContinuousBatching` and `Bytez:OnnxDecoder:ContinuousBatching` (true / false); llama.cpp {on.LlamaCpp.EffectiveThreads} thread(s), {on.LlamaCpp.SequencesPerContext} sequences per context; ONNX decoder {on.Onnx.IntraOpThreads} intra-op thread(s).");
            md.AppendLine(Inv, $"- Batch sizes the engine ran (`bytez_batch_size` from `/metrics`, whole run): on {batchOn}; off {batchOff}.");
            foreach (var model in models)
            {
                md.AppendLine();
                md.AppendLine(Inv, $"##### {model.Id}: {model.Title}");
                md.AppendLine();
                md.AppendLine("| streams | batching | tokens/s | × 1 stream | TTFT p50 ms | latency p50 ms | latency p99 ms | CPU | spread |");
                md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
                foreach (var label in new[] { "on", "off" })
                {
                    var one = byKey[(model.Id, label, 1)].PerSecond;
                    foreach (var streams in StreamCounts)
                    {
                        var row = byKey[(model.Id, label, streams)];
                        md.AppendLine(Inv,
                            $"| {streams} | {label} | {F1(row.PerSecond)} | {F2(row.PerSecond / one)} | {F1(Stats.Median(row.FirstMs))} | {F1(Stats.Median(row.LatenciesMs))} | {F1(Stats.Percentile(row.LatenciesMs, 0.99))} | {Stats.Median(row.CpuShare):P0} | {row.Spread:P0} |");
                    }
                }

                var ratioOn = byKey[(model.Id, "on", 8)].PerSecond / byKey[(model.Id, "on", 1)].PerSecond;
                var ratioOff = byKey[(model.Id, "off", 8)].PerSecond / byKey[(model.Id, "off", 1)].PerSecond;
                var failed = rows.Where(r => r.Name.StartsWith(model.Id + ",", StringComparison.Ordinal)).Sum(r => r.Errors);
                md.AppendLine();
                md.AppendLine(Inv, $"- **Aim: 8 streams ≥ 2.5 × one stream** — continuous batching on: {F2(ratioOn)} ({Met(ratioOn >= 2.5)}); off: {F2(ratioOff)}. 8 streams on / off: {F2(byKey[(model.Id, "on", 8)].PerSecond / byKey[(model.Id, "off", 8)].PerSecond)}.");
                md.AppendLine(Inv, $"- Distinct generated texts over all streams of all rows (greedy, so 1 expected): {texts[model.Id].Count}; failed streams: {failed}.");
            }
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
    }

    private static async Task<double> StreamPassAsync(
        LoadRow row, BytezModel[] clients, int streams, ModelParameters parameters, int n, ConcurrentDictionary<string, int> texts)
    {
        var sw = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, streams).Select(s => Task.Run(async () =>
        {
            try
            {
                var clock = new Generation.StreamClock();
                var text = new StringBuilder();
                await foreach (var piece in clients[s].StreamAsync(Generation.GenerationBenchmark.Prompt, parameters).ConfigureAwait(false))
                {
                    clock.Piece(piece);
                    text.Append(piece);
                }

                var run = clock.Finish(n, text.ToString(), null, 1);
                texts.AddOrUpdate(run.Text, 1, (_, c) => c + 1);
                row.AddLatency(run.TotalMs, run.FirstMs);
            }
            catch (Exception e) when (e is BytezException or HttpRequestException or IOException)
            {
                row.AddError(e.Message);
            }
        })).ToArray();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return sw.Elapsed.TotalSeconds;
    }

    // --- (3) Cold start ------------------------------------------------------------------------------------------------

    private static async Task ColdStartAsync(LoadRunSettings settings, StringBuilder md)
    {
        var modelsRoot = Path.Combine(Path.GetTempPath(), "bytez-bench-models");
        var descriptor = EmbeddedModels.EnsureExtracted(modelsRoot, EmbeddedModels.MiniLM);
        var onnxPath = Path.Combine(descriptor.Path, "onnx", "model.onnx");
        var id = EmbeddedModels.MiniLM.Id;
        const string Sentence = "The quick brown fox jumps over the lazy dog.";

        Log("Cold start: starting a fresh server (default options)...");
        var startClock = Stopwatch.StartNew();
        await using var server = await LoadServer.StartAsync("cold", modelsRoot, null).ConfigureAwait(false);
        var serverStartMs = startClock.Elapsed.TotalMilliseconds;
        var model = server.NewClient().Model(id);
        var firstEver = Stopwatch.StartNew();
        var firstResult = await model.RunAsync(Sentence).ConfigureAwait(false);
        var firstEverMs = firstEver.Elapsed.TotalMilliseconds;
        if (!firstResult.IsSuccess)
        {
            throw new InvalidOperationException($"The cold-start server could not embed: {firstResult.Error}");
        }

        var sessions = server.Onnx.EffectiveSessions;
        var instancesAfterDelete = new ConcurrentBag<int>();
        var rows = new List<LoadRow>
        {
            new("cold", "server: DELETE, then the first RunAsync (a run creates the cluster)", 1, async r =>
            {
                await DeleteAsync(model, r, instancesAfterDelete).ConfigureAwait(false);
                var sw = Stopwatch.StartNew();
                var result = await model.RunAsync(Sentence).ConfigureAwait(false);
                var seconds = sw.Elapsed.TotalSeconds;
                if (!result.IsSuccess)
                {
                    r.AddError(result.Error);
                }

                return seconds;
            }),
            new("cold", "server: DELETE, then LoadAsync (PUT, GET every 5 ms until running)", 1, async r =>
            {
                await DeleteAsync(model, r, instancesAfterDelete).ConfigureAwait(false);
                var sw = Stopwatch.StartNew();
                var result = await model.LoadAsync(pollInterval: TimeSpan.FromMilliseconds(5)).ConfigureAwait(false);
                var seconds = sw.Elapsed.TotalSeconds;
                if (!result.IsSuccess)
                {
                    r.AddError(result.Error);
                }

                return seconds;
            }),
            new("cold", "server: a warm RunAsync of the same sentence (reference)", 1, async r =>
            {
                var sw = Stopwatch.StartNew();
                var result = await model.RunAsync(Sentence).ConfigureAwait(false);
                var seconds = sw.Elapsed.TotalSeconds;
                if (!result.IsSuccess)
                {
                    r.AddError(result.Error);
                }

                return seconds;
            }),
            new("cold", "bare: new InferenceSession(model.onnx), the engine's session options, 1 session", 1, _ =>
            {
                var sw = Stopwatch.StartNew();
                using var options = EngineSessionOptions();
                using var session = new InferenceSession(onnxPath, options);
                return Task.FromResult(sw.Elapsed.TotalSeconds);
            }),
            new("cold", $"bare: {sessions} sessions (shared pre-packed weights) + tokenizer + first embedding", 1, _ =>
            {
                var sw = Stopwatch.StartNew();
                using var options = EngineSessionOptions();
                using var prepacked = new PrePackedWeightsContainer();
                var list = new List<InferenceSession>();
                try
                {
                    for (var i = 0; i < sessions; i++)
                    {
                        list.Add(new InferenceSession(onnxPath, options, prepacked));
                    }

                    var tokenizer = BertWordPieceTokenizer.FromDirectory(descriptor.Path);
                    var ids = tokenizer.Encode(Sentence, EmbeddedModels.MiniLM.MaxSequenceLength).Ids.Select(t => (long)t).ToArray();
                    long[] shape = [1, ids.Length];
                    using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
                    using var maskValue = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, ids.Length).ToArray(), shape);
                    using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape);
                    using var runOptions = new RunOptions();
                    using var outputs = list[0].Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [idsValue, maskValue, typesValue], ["last_hidden_state"]);
                    return Task.FromResult(sw.Elapsed.TotalSeconds);
                }
                finally
                {
                    foreach (var s in list)
                    {
                        s.Dispose();
                    }
                }
            }),
        };

        Log($"Cold start: {rows.Count} rows × ({settings.Warmups} warm-up + {settings.ColdStarts} repeats), interleaved...");
        await LoadHarness.RunInterleavedAsync(rows, settings.Warmups, settings.ColdStarts).ConfigureAwait(false);

        var bareOne = rows[3].MedianMs;
        md.AppendLine();
        md.AppendLine("#### Cold start: sentence-transformers/all-MiniLM-L6-v2");
        md.AppendLine();
        md.AppendLine(Inv, $"- A fresh server (default options: {sessions} sessions × {server.Onnx.IntraOpThreads} thread) started in {serverStartMs:F0} ms; its very first run (cluster created by the run, first load of the model in this server) took {firstEverMs:F0} ms.");
        md.AppendLine(Inv, $"- Then each row {settings.Warmups} warm-up + the median of {settings.ColdStarts} repeats, interleaved. The server rows first shut the cluster down (`ShutdownAsync`, DELETE, untimed) and time the run or the load alone. Instances the cluster still reported right after DELETE: {(instancesAfterDelete.IsEmpty ? "none read" : string.Join(", ", instancesAfterDelete.Distinct().Order()))} (−1 = no cluster).");
        md.AppendLine();
        md.AppendLine("| configuration | median ms | min ms | max ms | × bare 1 session |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            md.AppendLine(Inv, $"| {row.Name} | {F1(row.MedianMs)} | {F1(row.Seconds.Min() * 1000)} | {F1(row.Seconds.Max() * 1000)} | {F2(row.MedianMs / bareOne)} |");
        }

        var failed = rows.Sum(r => r.Errors);
        md.AppendLine();
        md.AppendLine(string.Create(Inv, $"- Cold start through a run / bare creation of the same sessions + first embedding: {F2(rows[0].MedianMs / rows[4].MedianMs)}; through LoadAsync: {F2(rows[1].MedianMs / rows[4].MedianMs)}. Failed calls: {failed}") + (failed > 0 ? $" (last: {rows.Last(r => r.Errors > 0).LastError})" : "."));
    }

    private static async Task DeleteAsync(BytezModel model, LoadRow row, ConcurrentBag<int> instances)
    {
        var deleted = await model.ShutdownAsync().ConfigureAwait(false);
        if (!deleted.IsSuccess)
        {
            row.AddError("DELETE: " + deleted.Error);
        }

        var status = await model.StatusAsync().ConfigureAwait(false);
        instances.Add(status.IsSuccess ? status.Output!.Instances : -1);
    }

    private static SessionOptions EngineSessionOptions()
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    private static string F1(double value) => double.IsNaN(value) ? "–" : value.ToString("F1", Inv);

    private static string F2(double value) => double.IsNaN(value) ? "–" : value.ToString("F2", Inv);

    private static string Met(bool met) => met ? "**met**" : "not met";

    private static void Log(string message) => Console.Error.WriteLine(message);

}
