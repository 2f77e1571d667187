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
/// the numbers are an upper bound on the overhead.
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

            report.AppendLine(CultureInfo.InvariantCulture, $"Constrained decoding, {runs} runs per row, up to {maxTokens} new tokens, schema of 5 properties (string, integer, enum, array, boolean).");
            report.AppendLine();
            report.AppendLine("| model | sampling | unconstrained tok/s | constrained tok/s | ratio | full mask µs (mean / p95) | single-token check µs |");
            report.AppendLine("|---|---|---:|---:|---:|---:|---:|");
            foreach (var (name, model) in new (string, IGenerativeInstance)[] { ("tiny GGUF, GPT-2 vocabulary (50 257)", (IGenerativeInstance)llama), ("tiny ONNX decoder, byte-level BPE", onnxModel) })
            {
                foreach (var sample in new[] { false, true })
                {
                    var free = Settings(model, sample, constrained: false, maxTokens);
                    var constrained = Settings(model, sample, constrained: true, maxTokens);
                    await Measure(model, free, 1).ConfigureAwait(false);
                    await Measure(model, constrained, 1).ConfigureAwait(false);
                    var (freeRate, _) = await Measure(model, free, runs).ConfigureAwait(false);
                    var (constrainedRate, outputs) = await Measure(model, constrained, runs).ConfigureAwait(false);
                    var (maskMean, maskP95, check) = MaskCost(model, constrained.OutputGrammar!, outputs);
                    var line = string.Create(CultureInfo.InvariantCulture,
                        $"| {name} | {(sample ? "do_sample, seed" : "greedy")} | {freeRate:F1} | {constrainedRate:F1} | {constrainedRate / freeRate:F2} | {maskMean:F0} / {maskP95:F0} | {check:F1} |");
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

    /// <summary>Generated tokens per second over <paramref name="runs"/> generations, and the token ids of each.</summary>
    private static async Task<(double Rate, List<int[]> Outputs)> Measure(IGenerativeInstance model, GenerationSettings settings, int runs)
    {
        var prompt = model.Tokenizer.Encode("Describe a user as JSON:", addSpecialTokens: true);
        var tokens = 0;
        var outputs = new List<int[]>();
        var clock = Stopwatch.StartNew();
        for (var r = 0; r < runs; r++)
        {
            var text = new StringBuilder();
            var count = 0;
            await foreach (var piece in TextGenerator.GenerateAsync(model, prompt, settings with { Seed = 7 + r }).ConfigureAwait(false))
            {
                text.Append(piece.Text);
                count = piece.GeneratedTokens;
            }

            tokens += count;
            outputs.Add(model.Tokenizer.Encode(text.ToString(), addSpecialTokens: false));
        }

        return (tokens / clock.Elapsed.TotalSeconds, outputs);
    }

    /// <summary>Replays the outputs through a fresh constraint: the full mask and the single-token check at every step.</summary>
    private static (double MaskMean, double MaskP95, double Check) MaskCost(IGenerativeInstance model, CompiledGrammar grammar, List<int[]> outputs)
    {
        var eos = model.Defaults.EosTokenIds ?? model.Tokenizer.EosTokenIds;
        var scores = new float[model.VocabularySize];
        var masks = new List<double>();
        double checks = 0;
        var checkCount = 0;
        foreach (var output in outputs)
        {
            var constraint = new TokenConstraint(grammar, model.Tokenizer, model.VocabularySize, eos);
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
