using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
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

    public static async Task<int> RunAsync(bool quick, bool classifierOnly, bool seq2seqOnly, string? cache, string? outputPath)
    {
        var total = Stopwatch.StartNew();
        var settings = quick ? new RunSettings(Quick: true, Passes: 1, Warmups: 1, SentenceLimit: 16) : new RunSettings(Quick: false, Passes: 3, Warmups: 1, SentenceLimit: 64);
        cache ??= Path.Combine(Path.GetTempPath(), "bytez-bench-models");
        var sentences = Corpus.Load(settings.SentenceLimit);
        Log($"Writing the random-weight models into {cache} (once per machine)...");
        var classifier = seq2seqOnly ? null : DistilBertClassifier.Ensure(cache);
        var translator = classifierOnly ? null : MarianTranslator.Ensure(cache);
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine(inv, $"## Text tasks: random-weight models of realistic shapes ({(quick ? "QUICK smoke run — not a measurement" : "full run")})");
        md.AppendLine();
        md.AppendLine(inv, $"- Machine: {Environment.ProcessorCount} cores, {Machine.CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, ONNX Runtime {OrtEnv.Instance().GetVersionString()}; load average at the start {LoadAverage()}");
        if (classifier is not null)
        {
            md.AppendLine(inv, $"- Models (cache {cache}, never committed): `{Path.GetFileName(classifier)}`, a DistilBERT-shaped classifier ({DistilBertClassifier.Layers} layers, hidden {DistilBertClassifier.Hidden}, {DistilBertClassifier.Heads} heads, FFN {DistilBertClassifier.FeedForward}, BERT uncased vocabulary, 2 labels; {ParameterCount(Path.Combine(classifier, "onnx", "model.onnx")) / 1e6:F1} M parameters)");
        }

        if (translator is not null)
        {
            md.AppendLine(inv, $"- `{Path.GetFileName(translator)}`, a Marian-shaped translator ({MarianTranslator.Layers}+{MarianTranslator.Layers} layers, d_model {MarianTranslator.Model}, {MarianTranslator.Heads} heads, FFN {MarianTranslator.FeedForward}, vocabulary {MarianTranslator.Vocabulary}; encoder file {ParameterCount(Path.Combine(translator, "onnx", "encoder_model.onnx")) / 1e6:F1} M parameters, merged decoder file {ParameterCount(Path.Combine(translator, "onnx", "decoder_model_merged.onnx")) / 1e6:F1} M, the shared embedding in both files as Optimum exports it)");
        }

        md.AppendLine(inv, $"- Each row: {settings.Warmups} warm-up pass, then the median of {settings.Passes} passes (classification: over {sentences.Count} sentences of bench/data/sentences.txt; seq2seq: see its section); all rows interleaved (pass 1 of every row, then pass 2, ..., the order rotated each pass). Spread = (slowest − fastest) / median.");
        md.AppendLine();

        if (classifier is not null)
        {
            await ClassificationAsync(classifier, sentences, settings, md).ConfigureAwait(false);
        }

        if (translator is not null)
        {
            await Seq2SeqAsync(translator, sentences.Take(quick ? 2 : 6).ToList(), quick ? 8 : 32, settings, md).ConfigureAwait(false);
        }

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
            if (batch == 8)
            {
                rows.Add(new("bare", $"bare ONNX Runtime, {perCore.Description}, **arrival order** (no grouping)", b, sentences.Count, () => perCore.ClassifyAsync(sentences, b, groupByLength: false)));
            }

            if (cores > 1)
            {
                rows.Add(new("bare", $"bare ONNX Runtime, {wide.Description}, grouped by length", b, sentences.Count, () => wide.ClassifyAsync(sentences, b)));
            }
        }

        string? serverDescription = null;
        int? agreeing = null;
        using var batchSizes = new BatchSizeListener();
#if !BENCH_NO_HTTP
        var server = await TextTaskServer.StartAsync([(folder, ClassifierId, "text-classification")], Clients).ConfigureAwait(false);
        await using (server.ConfigureAwait(false))
        {
            serverDescription = server.Description;
            var viaHttp = $"server over HTTP via SDK, {Clients} concurrent clients, 1 text/request";
            var inProcess = $"server's engine in process (`InferenceEngine.RunAsync`, no HTTP), {Clients} concurrent callers, 1 text/call";
            rows.Add(new("server", viaHttp, 1, sentences.Count,
                batchSizes.Counting(viaHttp, () => RunConcurrentAsync(Clients, sentences, (c, s) => server.RunAsync(c, ClassifierId, s)))));
            rows.Add(new("engine", inProcess, 1, sentences.Count,
                batchSizes.Counting(inProcess, () => RunConcurrentAsync(Clients, sentences, (_, s) =>
                    server.Engine.RunAsync(ClassifierId, new Bytez.Protocol.RunRequest { Text = s }, CancellationToken.None).AsTask()))));
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
            var engineRow = rows.First(r => r.Part == "engine");
            md.AppendLine(inv, $"**Server at {Clients} clients = {ratio:F2} × the best bare configuration** ({bestBare.Name}, batch {bestBare.Batch}); aim ≥ 0.90: {(ratio >= 0.9 ? "met" : "NOT met")}. The same engine in process without HTTP: {engineRow.PerSecond / bestBare.PerSecond:F2} ×.");
            md.AppendLine();
            md.AppendLine(inv, $"Batches the engine ran (`bytez.batch.size`, warm-up included): over HTTP {batchSizes.Describe(served.Name)}; in process {batchSizes.Describe(engineRow.Name)}.");
            md.AppendLine();
            md.AppendLine(inv, $"Server: {serverDescription}. Same best label from the server as from the bare session: {agreeing}/{sentences.Count}.");
            md.AppendLine();
        }
    }

    private static async Task Seq2SeqAsync(string folder, IReadOnlyList<string> texts, int newTokens, RunSettings settings, StringBuilder md)
    {
        var inv = CultureInfo.InvariantCulture;
        Log("seq2seq: loading the engine instance and the bare sessions...");
        // The seq2seq loader directly: the engine's model format does not route encoder-decoder folders to it yet.
        var descriptor = new Bytez.Engine.ModelDescriptor { Id = "bench/marian-translator", Task = "translation", Path = folder };
        var loaded = Bytez.Engine.Onnx.Seq2Seq.OnnxSeq2SeqLoader.Load(descriptor, new Bytez.Engine.Onnx.OnnxRuntimeOptions());
        var loneThreads = loaded.ThreadPlan.LoneThreads; // a lone stream's runs: the wide sessions (every core by default)
        using var engine = new TimedSeq2SeqInstance(loaded);
        using var bareOne = new BareTranslator(folder, 1);
        using var bareAll = new BareTranslator(folder, Math.Max(1, Environment.ProcessorCount));
        var tokenizer = engine.Tokenizer;
        var n = texts.Count * newTokens;

        Task EngineAsync(int beams) => Task.Run(async () =>
        {
            foreach (var text in texts)
            {
                var parameters = Parameters(newTokens, beams);
                var request = Bytez.Engine.Generation.Seq2SeqGenerator.Prepare(engine, text, "translation", parameters);
                await Bytez.Engine.Generation.Seq2SeqGenerator.GenerateTokensAsync(request, CancellationToken.None).ConfigureAwait(false);
            }
        });

        Task BareAsync(BareTranslator bare) => Task.Run(() =>
        {
            foreach (var text in texts)
            {
                bare.Generate(tokenizer, text, newTokens);
            }
        });

        // Where the time goes, summed over the timed passes of the two 1-thread greedy rows: inside ONNX Runtime (the
        // bare loop's runs; the engine instance's encoder and decoder calls) and the rest.
        var (bareWall, engineWall) = (0.0, 0.0);
        async Task Timed(Func<Task> pass, Action<double> add)
        {
            var sw = Stopwatch.StartNew();
            await pass().ConfigureAwait(false);
            add(sw.Elapsed.TotalSeconds);
        }

        var rows = new List<Scenario>
        {
            new("bare", $"bare ONNX Runtime encoder + merged-decoder loop, greedy, {bareOne.Description}", 1, n, () => Timed(() => BareAsync(bareOne), t => bareWall += t)),
            new("bare", $"bare ONNX Runtime encoder + merged-decoder loop, greedy, {bareAll.Description}", 1, n, () => BareAsync(bareAll)),
            new("engine", $"engine (Seq2SeqGenerator over OnnxSeq2SeqLoader.Load, default options: a lone stream on {loneThreads} thread{(loneThreads == 1 ? string.Empty : "s")}), greedy", 1, n, () => Timed(() => EngineAsync(1), t => engineWall += t)),
            new("engine", "engine, beam search, num_beams 4", 4, n, () => EngineAsync(4)),
        };
        Log($"seq2seq: {rows.Count} rows × ({settings.Warmups} warm-up + {settings.Passes} passes), interleaved...");
        var (beamEncode, beamSteps) = (0.0, 0.0);
        rows[3] = new("engine", rows[3].Name, 4, n, async () =>
        {
            var before = engine.Read();
            await EngineAsync(4).ConfigureAwait(false);
            var after = engine.Read();
            (beamEncode, beamSteps) = (beamEncode + after.Encode - before.Encode, beamSteps + after.Steps - before.Steps);
        });
        await Harness.RunInterleavedAsync(rows, settings).ConfigureAwait(false);
        var bareTimes = bareOne.Times;
        var engineTimes = engine.Read();
        var greedyEncode = engineTimes.Encode - beamEncode;
        var greedySteps = engineTimes.Steps - beamSteps;

        // The same tokens: greedy through the engine against the bare loop.
        var same = 0;
        var differences = new List<string>();
        foreach (var text in texts)
        {
            // The timed greedy row's own parameters: without num_beams 1 the pipeline's default of 4 beams would apply.
            var parameters = Parameters(newTokens, beams: 1);
            var request = Bytez.Engine.Generation.Seq2SeqGenerator.Prepare(engine, text, "translation", parameters);
            var viaEngine = (await Bytez.Engine.Generation.Seq2SeqGenerator.GenerateTokensAsync(request, CancellationToken.None).ConfigureAwait(false))[0];
            var viaBare = bareOne.Generate(tokenizer, text, newTokens);
            if (viaEngine.Take(newTokens - 1).SequenceEqual(viaBare.Take(newTokens - 1)))
            {
                same++;
                continue;
            }

            differences.Add(await ExplainDifferenceAsync(engine, bareOne, tokenizer, text, viaEngine, viaBare, newTokens).ConfigureAwait(false));
        }

        var bestBare = rows.Where(r => r.Part == "bare").MaxBy(r => r.PerSecond)!;
        var greedy = rows[2];
        var beam = rows[3];
        md.AppendLine(inv, $"### seq2seq: greedy tokens/s, engine vs a bare encoder-decoder loop; beam search (4 beams) vs greedy");
        md.AppendLine();
        md.AppendLine(inv, $"{texts.Count} source sentences per pass, exactly {newTokens} new tokens each (`min_new_tokens` = `max_new_tokens`; the bare loop masks EOS alike), one sequence at a time.");
        md.AppendLine();
        md.AppendLine("| configuration | beams | new tokens/s | × best bare | spread |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var bold = row == bestBare ? "**" : string.Empty;
            md.AppendLine(inv, $"| {row.Name} | {row.Batch} | {bold}{row.PerSecond:F1}{bold} | {row.PerSecond / bestBare.PerSecond:F2} | {row.Spread:P0} |");
        }

        md.AppendLine();
        var greedyRatio = greedy.PerSecond / bestBare.PerSecond;
        var sameThreadsRow = loneThreads == 1 ? rows[0] : rows[1];
        var sameThreads = greedy.PerSecond / sameThreadsRow.PerSecond;
        var beamCost = greedy.PerSecond / beam.PerSecond;
        md.AppendLine(inv, $"**Engine greedy = {greedyRatio:F2} × the best bare loop** ({bestBare.Name}); {sameThreads:F2} × the bare loop with the engine's thread count for a lone stream ({loneThreads}); aim ≥ 0.95: {(greedyRatio >= 0.95 ? "met" : "NOT met")}.");
        md.AppendLine();
        var passes = settings.Passes + settings.Warmups;
        md.AppendLine(inv, $"Where the time goes (greedy, all {passes} passes): the bare loop at 1 thread {bareWall:F2} s, of which {bareTimes.Encode:F2} s in the encoder runs and {bareTimes.Steps:F2} s in the decoder runs ({bareWall - bareTimes.Encode - bareTimes.Steps:F2} s around them); the engine {engineWall:F2} s, of which {greedyEncode:F2} s in the instance's encoder calls and {greedySteps:F2} s in its decoder steps ({engineWall - greedyEncode - greedySteps:F2} s in the generation loop: logits processors, argmax, bookkeeping; the engine's lone stream ran on {loneThreads} thread(s)). Per new token: bare at 1 thread {1000 * bareWall / (passes * n):F2} ms, engine {1000 * engineWall / (passes * n):F2} ms.");
        md.AppendLine();
        md.AppendLine(inv, $"**Beam search with 4 beams costs {beamCost:F2} × greedy per output token**; aim ≤ 2: {(beamCost <= 2 ? "met" : "NOT met")}.");
        md.AppendLine();
        md.AppendLine(inv, $"Greedy tokens identical between the engine and the bare loop: {same}/{texts.Count} sentences (the first {newTokens - 1}; the last is EOS in the engine, forced by `forced_eos_token_id` at the maximum length).");
        md.AppendLine();
        foreach (var difference in differences)
        {
            md.AppendLine(inv, $"- {difference}");
        }

        if (differences.Count > 0)
        {
            md.AppendLine();
        }
    }

    /// <summary>
    /// The <c>params</c> of every seq2seq request of the benchmark: exactly <paramref name="newTokens"/> new tokens and
    /// <paramref name="beams"/> beams, always given (the translation pipeline's default is 4 beams, so a request that
    /// leaves <c>num_beams</c> out runs beam search).
    /// </summary>
    private static JsonElement Parameters(int newTokens, int beams)
        => JsonDocument.Parse($$"""{"max_new_tokens": {{newTokens}}, "min_new_tokens": {{newTokens}}, "num_beams": {{beams}}, "early_stopping": false}""").RootElement;

    /// <summary>
    /// Where the engine's greedy tokens leave the bare loop's, and why: both are fed the engine's tokens (teacher
    /// forcing) and their raw logits compared step by step up to the first difference, where the bare loop's top two
    /// candidates are shown with their logits.
    /// </summary>
    private static async Task<string> ExplainDifferenceAsync(
        Bytez.Engine.Generation.ISeq2SeqInstance engine, BareTranslator bare, Bytez.Engine.Generation.ITextTokenizer tokenizer, string text,
        int[] viaEngine, int[] viaBare, int newTokens)
    {
        var inv = CultureInfo.InvariantCulture;
        var step = 0;
        while (viaEngine[step] == viaBare[step])
        {
            step++;
        }

        var bareLogits = new List<float[]>();
        bare.Generate(tokenizer, text, step + 1, viaEngine, (_, l) => bareLogits.Add(l.ToArray()));
        var source = tokenizer.Encode(text, addSpecialTokens: true);
        using var decoding = await engine.EncodeAsync(source, CancellationToken.None).ConfigureAwait(false);
        var maxDelta = 0f;
        var feed = new int[1];
        feed[0] = engine.Info.DecoderStartTokenId ?? 0;
        for (var k = 0; k <= step; k++)
        {
            var logits = (await decoding.StepAsync(feed, CancellationToken.None).ConfigureAwait(false)).Span;
            for (var v = 0; v < logits.Length; v++)
            {
                maxDelta = Math.Max(maxDelta, Math.Abs(logits[v] - bareLogits[k][v]));
            }

            feed[0] = viaEngine[k];
        }

        var at = bareLogits[step];
        var settings = Bytez.Engine.Generation.Seq2SeqGenerator.Prepare(engine, text, "translation",
            Parameters(newTokens, beams: 1)).Settings;
        var processed = at.ToArray();
        var prefix = new List<int> { engine.Info.DecoderStartTokenId ?? 0 };
        prefix.AddRange(viaEngine.Take(step));
        new Bytez.Engine.Generation.LogitsProcessors(settings, engine.Info.EosTokenIds ?? [], 1, newTokens + 1).Apply(processed, prefix);
        return string.Create(inv,
            $"first difference at new token {step + 1} of {newTokens}: engine {viaEngine[step]} (bare logit {at[viaEngine[step]]:G9}), bare {viaBare[step]} (bare logit {at[viaBare[step]]:G9}, after the engine's logits processors {processed[viaBare[step]]:G9}); the engine's raw logits differ from the bare session's by at most {maxDelta:G3} over steps 1..{step + 1}; settings: num_beams {settings.NumBeams}, no_repeat_ngram_size {settings.NoRepeatNgramSize}, repetition_penalty {settings.RepetitionPenalty}, bad_words_ids {settings.BadWordsIds.Count}, suppress_tokens {settings.SuppressTokens.Count}");
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
