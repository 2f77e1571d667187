using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Engine.LlamaCpp;
using Bytez.Engine.Onnx.Generation;
using Bytez.Protocol;
using Bytez.Testing.TinyModels;
using LLama.Extensions;
using EngineGenerationSettings = Bytez.Engine.Generation.GenerationSettings;

namespace Bytez.Bench.Generation;

/// <summary>How much to run: passes, warm-ups and the number of new tokens per generation.</summary>
internal sealed record GenerationRunSettings(bool Quick, int Passes, int Warmups, int NewTokens)
{
    public static GenerationRunSettings Full { get; } = new(Quick: false, Passes: 15, Warmups: 1, NewTokens: 128);

    public static GenerationRunSettings QuickRun { get; } = new(Quick: true, Passes: 1, Warmups: 1, NewTokens: 24);
}

/// <summary>One model measured: what it is and its rows.</summary>
internal sealed class GenerationModelResult(string title, string description)
{
    public string Title { get; } = title;

    public string Description { get; } = description;

    public List<string> Setup { get; } = [];

    public List<GenerationScenario> Rows { get; } = [];

    public int PromptTokens { get; set; }
}

/// <summary>
/// The generation benchmark: tokens per second and time to first token of one stream, on the same model, same prompt,
/// greedy, exactly N new tokens: (1) the engine's runtime called directly (LLamaSharp's own StatelessExecutor for GGUF,
/// a bare ONNX Runtime loop for ONNX), (2) our engine in process (the generation loop, and the task pipeline the
/// server runs), (3) our server over HTTP through the SDK's StreamAsync. All in one run, passes interleaved.
/// </summary>
internal static class GenerationBenchmark
{
    public const string Prompt =
        "The quick brown fox jumps over the lazy dog. Once upon a time, in a small town by the sea, there lived an old fisherman who";

    public static async Task<int> RunAsync(GenerationRunSettings settings, string? ggufPath, string? onnxFolder, string? outputPath, bool prefixOnly = false)
    {
#if BENCH_NO_HTTP
        _ = settings;
        _ = prefixOnly;
        _ = ggufPath;
        _ = onnxFolder;
        _ = outputPath;
        await Task.CompletedTask.ConfigureAwait(false);
        Console.Error.WriteLine("The generation benchmark needs the server and the SDK; build without -p:BenchHttp=false.");
        return 2;
#else
        var total = Stopwatch.StartNew();
        var work = Path.Combine(Path.GetTempPath(), "bytez-bench-gen-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            // --- The models: tiny ones written now in real formats, plus whatever the user points at -------------------
            Log("Writing the tiny models...");
            var (tinyGguf, tinyOnnx) = BenchModels.Write(work);
            var ggufOptions = BenchModels.GgufOptions;
            var onnxOptions = BenchModels.OnnxOptions;

            var models = new List<ModelCase>
            {
                new("bench/tiny-gguf", tinyGguf.Path, IsGguf: true,
                    $"tiny GGUF `llama` (GgufModelWriter, random F32 weights): GPT-2 byte-level BPE vocabulary ({tinyGguf.Tokens.Count:N0} tokens), " +
                    $"{ggufOptions.Layers} layers, d {ggufOptions.EmbeddingLength}, FFN {ggufOptions.FeedForwardLength}, {ggufOptions.Heads} heads / {ggufOptions.KeyValueHeads} KV heads, " +
                    $"{tinyGguf.ParameterCount / 1e6:F1} M parameters ({new FileInfo(tinyGguf.Path).Length / 1e6:F0} MB)"),
                new("bench/tiny-onnx", tinyOnnx.Folder, IsGguf: false,
                    $"tiny ONNX GPT-2-style decoder (OnnxDecoderModelWriter, Optimum layout, KV cache, random F32 weights): {onnxOptions.Layers} layers, hidden {onnxOptions.Hidden}, " +
                    $"{onnxOptions.Heads} heads, byte-level BPE vocabulary of {tinyOnnx.VocabularySize} tokens ({new FileInfo(tinyOnnx.OnnxPath).Length / 1e6:F0} MB)"),
            };
            if (ggufPath is not null)
            {
                models.Add(new("bench/user-gguf", Path.GetFullPath(ggufPath), IsGguf: true, $"user GGUF `{Path.GetFileName(ggufPath)}`"));
            }

            if (onnxFolder is not null)
            {
                models.Add(new("bench/user-onnx", Path.GetFullPath(onnxFolder), IsGguf: false, $"user ONNX decoder folder `{Path.GetFileName(Path.GetFullPath(onnxFolder).TrimEnd('/'))}`"));
            }

            // --- The server, with every model registered as add-model does ---------------------------------------------
            Log("Starting the server...");
            if (prefixOnly)
            {
                models.Clear();
            }

            // Every pass feeds the same prompt: the ONNX prefix cache is off here so that each pass measures the whole
            // prefill, as the direct side does. The second-turn rows run on a server of their own with it on (the default).
            await using var server = await Http.GenerationServer.StartAsync(
                Path.Combine(work, "home"), models.Select(m => (m.Path, m.Id)), "--Bytez:OnnxDecoder:PrefixCache=false").ConfigureAwait(false);
            server.LlamaCpp.PrefixCache = false; // every pass feeds the same prompt: measure its whole prefill, as the direct side does
            var results = new List<GenerationModelResult>();
            foreach (var model in models)
            {
                Log($"Model {model.Id}: loading...");
                results.Add(await MeasureModelAsync(server, model, settings).ConfigureAwait(false));
            }

            Log("Prefix caching: second chat turns...");
            var prefixModel = PrefixCacheBenchmark.Write(work, settings.Quick);
            string prefixSection;
            await using (var prefixServer = await Http.GenerationServer.StartAsync(Path.Combine(work, "prefix-home"), [(prefixModel.Folder, PrefixCacheBenchmark.ModelId)]).ConfigureAwait(false))
            {
                prefixSection = await PrefixCacheBenchmark.MeasureAsync(prefixServer, settings).ConfigureAwait(false);
            }

            var report = new GenerationReport(settings, results, total.Elapsed.TotalSeconds, server.BaseAddress);
            var markdown = (results.Count > 0 ? report.ToMarkdown() : string.Empty) + Environment.NewLine + prefixSection;
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
    private static async Task<GenerationModelResult> MeasureModelAsync(Http.GenerationServer server, ModelCase model, GenerationRunSettings settings)
    {
        var n = settings.NewTokens;
        var engine = server.Engine;
        var descriptor = engine.Catalog.Find(model.Id) ?? throw new InvalidOperationException($"The server's catalog has no {model.Id}.");
        var instance = (IGenerativeInstance)await engine.GetInstanceAsync(descriptor, CancellationToken.None).ConfigureAwait(false);
        var parameters = JsonSerializer.SerializeToElement(new ModelParameters
        {
            MaxNewTokens = n,
            MinNewTokens = n,
            DoSample = false,
            ReturnFullText = false,
        });
        var generation = EngineGenerationSettings.Parse(parameters, instance.Defaults, instance.VocabularySize);
        var banned = (generation.EosTokenIds ?? instance.Defaults.EosTokenIds ?? instance.Tokenizer.EosTokenIds).ToHashSet();
        var promptIds = instance.Tokenizer.Encode(Prompt, addSpecialTokens: true);
        var result = new GenerationModelResult(model.Id, model.Description) { PromptTokens = promptIds.Length };
        result.Setup.Add($"{descriptor.ParameterCount:N0} parameters, vocabulary {instance.VocabularySize:N0}, context {instance.ContextLength:N0}; prompt {promptIds.Length} tokens; {n} new tokens");
        var request = new RunRequest { Input = JsonSerializer.SerializeToElement(Prompt), Params = parameters, Stream = true };

        // A reference generation (untimed) tells how many tokens it takes for the first text to appear: a token may hold
        // part of a UTF-8 character, and then the first piece of text waits for the next. Rows that see ids count their
        // time to first token at that token, like the rows that see text.
        var reference = await SequenceLoopAsync(instance, n, banned, 1).ConfigureAwait(false);
        var detokenizer = new IncrementalDetokenizer(instance.Tokenizer, promptIds);
        var k = 1 + reference.Ids!.TakeWhile(id => detokenizer.Add(id).Length == 0).Count();
        result.Setup.Add(MeasureEngineParts(instance, generation, promptIds, reference.Ids!, banned));
        if (k > 1)
        {
            result.Setup.Add($"the first {k - 1} generated token(s) hold an incomplete UTF-8 character, so the first text appears with token {k}; every row's TTFT is taken there");
        }

        var disposables = new List<IDisposable>();
        var rows = result.Rows;
        try
        {
            if (model.IsGguf)
            {
                var file = LlamaCppRuntime.FindGgufFile(model.Path)!;
                var threads = server.LlamaCpp.EffectiveThreads;
                var direct = new LlamaDirect(file, (uint)instance.ContextLength, threads);
                disposables.Add(direct);
                direct.Parameters.ToLlamaContextParams(out var directParams);
                var ours = LLama.Native.LLamaContextParams.Default();
                var missing = direct.EndOfGeneration.Except(banned).ToList();
                result.Setup.Add(
                    $"llama.cpp through LLamaSharp, CPU backend; {threads} thread(s) on both sides (the engine's default `LlamaCppOptions.EffectiveThreads`); " +
                    $"flash attention: direct {directParams.llama_flash_attn_type}, engine {ours.llama_flash_attn_type}; " +
                    $"direct context {directParams.n_ctx} tokens × 1 sequence (made fresh by StatelessExecutor on every call), engine context {instance.ContextLength} tokens × {server.LlamaCpp.SequencesPerContext} sequences (kept)");
                if (missing.Count > 0)
                {
                    result.Setup.Add($"WARNING: end-of-generation tokens masked by the direct side but not by the engine: {string.Join(", ", missing)}");
                }

                rows.Add(new("(1)", "direct: LLamaSharp StatelessExecutor, greedy pipeline (EOG tokens biased to −∞)",
                    () => direct.GenerateAsync(Prompt, n), isBaseline: true));
            }
            else
            {
                var decoder = (OnnxDecoderInstance)instance;
                var threads = server.Onnx.IntraOpThreads;
                var bare = new BareOnnxDecoder(decoder.ModelPath, threads);
                disposables.Add(bare);
                var bareDefault = new BareOnnxDecoder(decoder.ModelPath, null);
                disposables.Add(bareDefault);
                var bareEngineOptions = new BareOnnxDecoder(decoder.ModelPath, threads, engineSessionOptions: true);
                disposables.Add(bareEngineOptions);
                result.Setup.Add(
                    $"ONNX Runtime; `{Path.GetFileName(decoder.ModelPath)}`; graph optimization ALL on both sides; engine and the (1) baseline {threads} intra-op thread(s) (the engine's default); " +
                    "the bare loop tokenizes with the model's tokenizer (the engine's, the same on every row) and decodes the ids to text once at the end");
                rows.Add(new("(1)", $"direct: bare ONNX Runtime loop (InferenceSession, KV cache fed back, argmax), {threads} intra-op thread(s)",
                    () => Task.FromResult(bare.Generate(instance.Tokenizer.Encode(Prompt, true), n, banned, ids => instance.Tokenizer.Decode(ids, true), k)),
                    isBaseline: true));
                rows.Add(new("(1')", "direct: the same bare loop with ONNX Runtime's default threads (not a ratio base)",
                    () => Task.FromResult(bareDefault.Generate(instance.Tokenizer.Encode(Prompt, true), n, banned, ids => instance.Tokenizer.Decode(ids, true), k))));
                rows.Add(new("(1'')", "direct: the same bare loop with the engine's session options (inter-op 1, sequential, no spinning; not a ratio base)",
                    () => Task.FromResult(bareEngineOptions.Generate(instance.Tokenizer.Encode(Prompt, true), n, banned, ids => instance.Tokenizer.Decode(ids, true), k))));
            }

            rows.Add(new("(2)", "engine: runtime's IDecoderSequence.ForwardAsync + argmax only (no sampler, no detokenizer)",
                () => SequenceLoopAsync(instance, n, banned, k)));
            if (instance is OnnxDecoderInstance)
            {
                // The same runtime-only loop on a second instance loaded without the continuous-batching scheduler, to
                // tell the scheduler's per-step hand-off from the rest of the runtime.
                var unbatched = OnnxDecoderLoader.Load(descriptor, server.Onnx, new OnnxDecoderOptions { ContinuousBatching = false, PrefixCache = false });
                disposables.Add(unbatched);
                rows.Add(new("(2)", "engine: the same runtime-only loop on an instance loaded with `ContinuousBatching = false`",
                    () => SequenceLoopAsync(unbatched, n, banned, k)));
            }
            rows.Add(new("(2)", "engine: TextGenerator.GenerateAsync on the server's instance",
                () => EngineAsync(instance, generation)));
            rows.Add(new("(2)", "engine: GenerationPipeline via InferenceEngine.StartStreamAsync (the server's path without HTTP)",
                () => PipelineAsync(engine, model.Id, request, n, k)));
            rows.Add(new("(3)", "server: HTTP streaming through the SDK's StreamAsync, 1 stream",
                () => server.StreamAsync(model.Id, Prompt, n, k)));
            var rawBody = JsonSerializer.SerializeToUtf8Bytes(new RunRequest { Input = request.Input, Params = parameters, Stream = true });
            rows.Add(new("(3')", "server: the same streamed POST through a bare HttpClient (no SDK)",
                () => server.StreamRawAsync(model.Id, rawBody, n, k)));

            Log($"Model {model.Id}: {rows.Count} rows × ({settings.Warmups} warm-up + {settings.Passes} passes) of {n} tokens...");
            await RunInterleavedAsync(rows, settings).ConfigureAwait(false);
            return result;
        }
        finally
        {
            foreach (var d in disposables)
            {
                d.Dispose();
            }
        }
    }
#endif

    /// <summary>
    /// The engine's per-token work besides the runtime, each part timed alone over the reference tokens: the sampler
    /// (<see cref="TokenSampler.Next"/> on a logits vector of the model's size) and the incremental detokenizer.
    /// </summary>
    private static string MeasureEngineParts(IGenerativeInstance instance, EngineGenerationSettings settings, int[] prompt, IReadOnlyList<int> ids, HashSet<int> banned)
    {
        var logits = new float[instance.VocabularySize];
        var random = new Random(7);
        for (var i = 0; i < logits.Length; i++)
        {
            logits[i] = random.NextSingle() * 10f;
        }

        var reps = Math.Max(1, 20_000 / ids.Count);
        var tokens = new List<int>(prompt.Length + ids.Count);
        var start = Stopwatch.GetTimestamp();
        for (var r = 0; r < reps; r++)
        {
            var sampler = new TokenSampler(settings, banned);
            tokens.Clear();
            tokens.AddRange(prompt);
            foreach (var id in ids)
            {
                _ = sampler.Next(logits, tokens, prompt.Length);
                tokens.Add(id);
            }
        }

        var samplerUs = Harness.Milliseconds(start, Stopwatch.GetTimestamp()) * 1000.0 / (reps * ids.Count);
        start = Stopwatch.GetTimestamp();
        var pieces = 0;
        for (var r = 0; r < reps; r++)
        {
            var detokenizer = new IncrementalDetokenizer(instance.Tokenizer, prompt);
            foreach (var id in ids)
            {
                pieces += detokenizer.Add(id).Length > 0 ? 1 : 0;
            }
        }

        var detokenizerUs = Harness.Milliseconds(start, Stopwatch.GetTimestamp()) * 1000.0 / (reps * ids.Count);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"engine parts timed alone, per token: sampler (greedy, EOS masked, vocabulary {logits.Length:N0}) {samplerUs:F1} µs; incremental detokenizer {detokenizerUs:F1} µs; {pieces / reps} of {ids.Count} tokens yield a text piece (one HTTP chunk each)");
    }

    /// <summary>The runtime alone: the loop any caller of the engine's decoder interface would write.</summary>
    private static async Task<GenerationRun> SequenceLoopAsync(IGenerativeInstance instance, int n, HashSet<int> banned, int tokensAtFirst)
    {
        var clock = new StreamClock();
        var prompt = instance.Tokenizer.Encode(Prompt, addSpecialTokens: true);
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

        return clock.Finish(ids.Count, instance.Tokenizer.Decode([.. ids], true), ids, tokensAtFirst);
    }

    private static async Task<GenerationRun> EngineAsync(IGenerativeInstance instance, EngineGenerationSettings settings)
    {
        var clock = new StreamClock();
        var prompt = instance.Tokenizer.Encode(Prompt, addSpecialTokens: true);
        var text = new StringBuilder();
        int tokens = 0, atFirst = 0;
        await foreach (var piece in TextGenerator.GenerateAsync(instance, prompt, settings).ConfigureAwait(false))
        {
            clock.Piece(piece.Text);
            text.Append(piece.Text);
            tokens = piece.GeneratedTokens;
            if (atFirst == 0 && piece.Text.Length > 0)
            {
                atFirst = tokens;
            }
        }

        return clock.Finish(tokens, text.ToString(), null, Math.Max(1, atFirst));
    }

    private static async Task<GenerationRun> PipelineAsync(Bytez.Engine.InferenceEngine engine, string id, RunRequest request, int n, int tokensAtFirst)
    {
        var clock = new StreamClock();
        var text = new StringBuilder();
        var pieces = await engine.StartStreamAsync(id, request, CancellationToken.None).ConfigureAwait(false);
        await foreach (var piece in pieces.ConfigureAwait(false))
        {
            clock.Piece(piece);
            text.Append(piece);
        }

        return clock.Finish(n, text.ToString(), null, tokensAtFirst);
    }

    /// <summary>Warm-ups, then the passes round-robin with the order rotated each pass (as <see cref="Harness"/> does).</summary>
    internal static async Task RunInterleavedAsync(IReadOnlyList<GenerationScenario> rows, GenerationRunSettings settings)
    {
        foreach (var row in rows)
        {
            try
            {
                for (var w = 0; w < settings.Warmups; w++)
                {
                    var run = await row.Pass().ConfigureAwait(false);
                    row.First ??= run;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                row.Error = $"{e.GetType().Name}: {e.Message}";
                Log($"  {row.Part} {row.Name}: FAILED: {row.Error}");
            }
        }

        var live = rows.Where(r => r.Error is null).ToList();
        for (var p = 0; p < settings.Passes; p++)
        {
            for (var i = 0; i < live.Count; i++)
            {
                var row = live[(i + p) % live.Count];
                Harness.Settle();
                var run = await row.Pass().ConfigureAwait(false);
                row.First ??= run;
                row.Runs.Add(run);
            }
        }

        foreach (var row in live)
        {
            Log($"  {row.Part,-4} {row.Name,-100} TTFT {row.FirstMs,8:F1} ms  decode {row.DecodeTokensPerSecond,7:F1} tok/s  e2e {row.EndToEndTokensPerSecond,7:F1} tok/s  (spread {row.Spread:P0})");
        }
    }

    private static void Log(string message) => Console.Error.WriteLine(message);

    private sealed record ModelCase(string Id, string Path, bool IsGguf, string Description);
}
