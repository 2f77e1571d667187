using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Generation;
using Bytez.Engine.Generation.Constraints;
using Bytez.Engine.LlamaCpp;
using Bytez.Engine.Onnx;
using Bytez.Engine.Onnx.Generation;

namespace Bytez.Bench.Generation;

/// <summary>
/// <c>constrained</c>: tokens/s of the engine's generation loop with <c>response_format</c> (a JSON Schema) against
/// the same loop unconstrained, on the same bench models (<see cref="BenchModels"/>: the GGUF one has GPT-2's 50 257-token
/// vocabulary, the largest the bench writes quickly), greedy and sampled; then the cost of one full token mask and of
/// the single-token check, in microseconds, replayed over the constrained outputs. Random weights make the model's
/// pick fit the grammar less often than a trained model's would, so masks are built more often than in real use:
/// the numbers are an upper bound on the overhead. Masks are timed cold (a freshly compiled grammar per answer, its
/// shared mask cache empty), cold without rule dispatch (one parse head per alternative, the matcher before dispatch),
/// and from the generation's grammar (whose cache the runs warmed, as repeated requests with one schema do).
/// </summary>
internal static class ConstrainedBenchmark
{
    private const string Schema = """
        {"type":"object","properties":{
          "name":{"type":"string","maxLength":24},
          "age":{"type":"integer"},
          "role":{"enum":["admin","user","guest"]},
          "tags":{"type":"array","items":{"type":"string","maxLength":8},"maxItems":4},
          "active":{"type":"boolean"}},
         "required":["name","age","role","tags","active"],"additionalProperties":false}
        """;

    public static async Task<int> RunAsync(bool quick, string? outputPath)
    {
        var work = Path.Combine(Path.GetTempPath(), "bytez-bench-constrained-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        var report = new StringBuilder();
        try
        {
            var (gguf, onnx) = BenchModels.Write(work);
            var runs = quick ? 3 : 20;
            var maxTokens = 96;
            using var llama = await new LlamaCppRuntime(new LlamaCppOptions { SequencesPerContext = 1 }).LoadAsync(
                new ModelDescriptor { Id = "bench/tiny-gguf", Task = "text-generation", Path = gguf.Path, Source = ModelSource.Local }, CancellationToken.None).ConfigureAwait(false);
            using var onnxModel = OnnxDecoderLoader.Load(
                new ModelDescriptor { Id = "bench/tiny-onnx", Task = "text-generation", Path = onnx.Folder, Source = ModelSource.Local },
                new OnnxRuntimeOptions(), OnnxDecoderOptions.Default, CancellationToken.None);

            // Each row stops adding runs after its time budget (at least two pairs), so a loaded machine cannot stretch
            // the full run past about ten minutes; the runs column says how many pairs were measured.
            var rowBudget = TimeSpan.FromSeconds(quick ? 60 : 100);
            report.AppendLine(CultureInfo.InvariantCulture, $"Constrained decoding, up to {runs} runs per row (free and constrained in turn, at most {rowBudget.TotalSeconds:F0} s a row), up to {maxTokens} new tokens, schema of 5 properties (string, integer, enum, array, boolean).");
            report.AppendLine();
            report.AppendLine("| model | sampling | runs | unconstrained tok/s | constrained tok/s | ratio | cold mask µs (mean / p95) | cold, no dispatch µs (mean / p95) | shared-cache mask µs (mean) | single-token check µs |");
            report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (name, model) in new (string, IGenerativeInstance)[] { ("tiny GGUF, GPT-2 vocabulary (50 257)", (IGenerativeInstance)llama), ("tiny ONNX decoder, byte-level BPE", onnxModel) })
            {
                foreach (var sample in new[] { false, true })
                {
                    var free = Settings(model, sample, constrained: false, maxTokens);
                    var constrained = Settings(model, sample, constrained: true, maxTokens);
                    // Warm-up, then free and constrained runs in turn, so that a change in the machine's load hits both alike.
                    await Measure(model, free, 0).ConfigureAwait(false);
                    await Measure(model, constrained, 0).ConfigureAwait(false);
                    var freeRun = new Tally();
                    var constrainedRun = new Tally();
                    var row = Stopwatch.StartNew();
                    for (var r = 1; r <= runs && (r <= 2 || row.Elapsed < rowBudget); r++)
                    {
                        freeRun.Add(await Measure(model, free, r).ConfigureAwait(false));
                        constrainedRun.Add(await Measure(model, constrained, r).ConfigureAwait(false));
                    }

                    var cold = MaskCost(model, _ => Fresh(), constrainedRun.Outputs);
                    var reference = MaskCost(model, _ => Fresh().WithoutDispatch(), constrainedRun.Outputs);
                    var shared = MaskCost(model, _ => constrained.OutputGrammar!, constrainedRun.Outputs);
                    var line = string.Create(CultureInfo.InvariantCulture,
                        $"| {name} | {(sample ? "do_sample, seed" : "greedy")} | {constrainedRun.Outputs.Count} | {freeRun.Rate:F1} | {constrainedRun.Rate:F1} | {constrainedRun.Rate / freeRun.Rate:F2} | {cold.Mean:F0} / {cold.P95:F0} | {reference.Mean:F0} / {reference.P95:F0} | {shared.Mean:F0} | {cold.Check:F1} |");
                    report.AppendLine(line);
                    Console.WriteLine(line);
                }
            }

            Console.WriteLine();
            Console.WriteLine(report);
            if (outputPath is not null)
            {
                await File.WriteAllTextAsync(outputPath, report.ToString()).ConfigureAwait(false);
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
    }

    private static GenerationSettings Settings(IGenerativeInstance model, bool sample, bool constrained, int maxTokens)
    {
        var format = constrained ? ", \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"person\", \"schema\": " + Schema + ", \"strict\": true}}" : string.Empty;
        var minimum = constrained ? string.Empty : $", \"min_new_tokens\": {maxTokens}";
        using var json = JsonDocument.Parse($$"""{"max_new_tokens": {{maxTokens}}{{minimum}}, "do_sample": {{(sample ? "true" : "false")}}, "seed": 7{{format}}}""");
        return GenerationSettings.Parse(json.RootElement, model.Defaults, model.VocabularySize);
    }

    /// <summary>The benchmark's schema compiled anew (not from the engine's cache of compiled grammars): no masks kept yet.</summary>
    private static CompiledGrammar Fresh()
    {
        using var schema = JsonDocument.Parse(Schema);
        return GrammarPattern.JsonSchema(schema.RootElement).Compile();
    }

    /// <summary>One generation with seed 7 + <paramref name="run"/>: its token count, time and token ids.</summary>
    private static async Task<(int Tokens, TimeSpan Time, int[] Output)> Measure(IGenerativeInstance model, GenerationSettings settings, int run)
    {
        var prompt = model.Tokenizer.Encode("Describe a user as JSON:", addSpecialTokens: true);
        var text = new StringBuilder();
        var count = 0;
        var clock = Stopwatch.StartNew();
        await foreach (var piece in TextGenerator.GenerateAsync(model, prompt, settings with { Seed = 7 + run }).ConfigureAwait(false))
        {
            text.Append(piece.Text);
            count = piece.GeneratedTokens;
        }

        return (count, clock.Elapsed, model.Tokenizer.Encode(text.ToString(), addSpecialTokens: false));
    }

    /// <summary>Tokens and time over several runs, and each run's output.</summary>
    private sealed class Tally
    {
        private int _tokens;
        private TimeSpan _time;

        public List<int[]> Outputs { get; } = [];

        public double Rate => _tokens / _time.TotalSeconds;

        public void Add((int Tokens, TimeSpan Time, int[] Output) run)
        {
            _tokens += run.Tokens;
            _time += run.Time;
            Outputs.Add(run.Output);
        }
    }

    /// <summary>
    /// Replays the outputs, each through a new constraint on the grammar <paramref name="grammarFor"/> gives for it (a
    /// freshly compiled one: its shared mask cache starts empty, as for a schema never seen; the generation's: warm): the
    /// full mask and the single-token check at every step.
    /// </summary>
    private static (double Mean, double P95, double Check) MaskCost(IGenerativeInstance model, Func<int, CompiledGrammar> grammarFor, List<int[]> outputs)
    {
        var eos = model.Defaults.EosTokenIds ?? model.Tokenizer.EosTokenIds;
        var scores = new float[model.VocabularySize];
        var masks = new List<double>();
        double checks = 0;
        var checkCount = 0;
        for (var o = 0; o < outputs.Count; o++)
        {
            var output = outputs[o];
            var constraint = new TokenConstraint(grammarFor(o), model.Tokenizer, model.VocabularySize, eos);
            foreach (var token in output)
            {
                if (!constraint.Allows(token))
                {
                    break; // re-encoding the text may split it differently than generation did
                }

                var start = Stopwatch.GetTimestamp();
                constraint.Mask(scores);
                masks.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                start = Stopwatch.GetTimestamp();
                _ = constraint.Allows(token);
                checks += Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                checkCount++;
                constraint.Commit(token);
            }
        }

        masks.Sort();
        return masks.Count == 0 ? (0, 0, 0) : (masks.Average(), masks[(int)(masks.Count * 0.95)], checks / Math.Max(1, checkCount));
    }
}
