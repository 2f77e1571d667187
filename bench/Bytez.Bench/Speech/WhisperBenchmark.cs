using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Engine.Generation;
using Bytez.Engine.Media;
using Bytez.Engine.Onnx;
using Bytez.Engine.Onnx.Seq2Seq;
using Bytez.Engine.Tasks;
using Bytez.Media;
using Bytez.Media.Audio;
using Bytez.Protocol;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Bench.Speech;

/// <summary>
/// Speech recognition real-time factor on a Whisper-tiny-shaped random-weight model (<see cref="WhisperTinyShaped"/>),
/// side by side in one run: the server (SDK → HTTP → the automatic-speech-recognition pipeline), the engine's pipeline
/// in process, and a bare ONNX Runtime loop (<see cref="BareWhisper"/>) with the same features, the same prompt, the
/// same number of new tokens and the same thread count. Real-time factor = processing seconds / audio seconds.
/// </summary>
internal static class WhisperBenchmark
{
    private const string ModelId = "bench/whisper-tiny-shaped";
    private const int Rate = 16000;

    public static async Task<int> RunAsync(bool quick, string? cache, string? outputPath)
    {
        var inv = CultureInfo.InvariantCulture;
        var total = Stopwatch.StartNew();
        var settings = quick ? new RunSettings(Quick: true, Passes: 1, Warmups: 1, SentenceLimit: 0) : new RunSettings(Quick: false, Passes: 5, Warmups: 1, SentenceLimit: 0);
        var audioSeconds = 30;
        var newTokens = quick ? 4 : 96;
        cache ??= Path.Combine(Path.GetTempPath(), "bytez-bench-models");
        Log($"Writing the Whisper-tiny-shaped random-weight model into {cache} (once per machine)...");
        var folder = WhisperTinyShaped.Ensure(cache);
        var samples = Speechlike(audioSeconds);
        var wav = WavEncoder.EncodeFloat32(samples, Rate);
        var extractor = WhisperFeatureExtractor.FromJson(await File.ReadAllTextAsync(Path.Combine(folder, "preprocessor_config.json")).ConfigureAwait(false));
        var onnx = new OnnxRuntimeOptions();
        // A lone request runs on every core (the encoder-decoder thread plan): the bare loop runs at one thread and at that count.
        var threads = onnx.Seq2SeqThreads ?? Math.Max(1, Environment.ProcessorCount);
        var parametersJson = $$"""{"language": "en", "max_new_tokens": {{newTokens}}, "min_new_tokens": {{newTokens}}}""";

        Log("Loading the engine instance, the bare sessions and the server...");
        var descriptor = new ModelDescriptor { Id = ModelId, Task = BytezTasks.AutomaticSpeechRecognition, Path = folder };
        using var engine = OnnxSeq2SeqLoader.Load(descriptor, onnx);
        using var bare = new BareWhisper(folder, threads);
        using var bareOne = new BareWhisper(folder, 1);
        var pipeline = new AutomaticSpeechRecognitionPipeline(new MediaReader(new MediaLimits()));
        var request = JsonSerializer.Deserialize(
            $$"""{"base64": "{{Convert.ToBase64String(wav)}}", "params": {{parametersJson}}}""", ProtocolJsonContext.Default.RunRequest)!;

        var rows = new List<Scenario>
        {
            new("bare", bare.Description, null, audioSeconds, () => Task.Run(() => bare.Transcribe(extractor, samples, newTokens))),
            new("bare", bareOne.Description, null, audioSeconds, () => Task.Run(() => bareOne.Transcribe(extractor, samples, newTokens))),
            new("engine", $"engine: AutomaticSpeechRecognitionPipeline in process (WAV decode, features, WhisperGenerator), OnnxRuntimeOptions defaults (a lone request on {threads} threads)", null, audioSeconds,
                () => Task.Run(async () => await pipeline.RunAsync(engine, request, CancellationToken.None).ConfigureAwait(false))),
        };
#if !BENCH_NO_HTTP
        await using var server = await TextTasks.TextTaskServer.StartAsync([(folder, ModelId, BytezTasks.AutomaticSpeechRecognition)], clients: 1).ConfigureAwait(false);
        var parameters = JsonSerializer.Deserialize(parametersJson, ProtocolJsonContext.Default.ModelParameters)!;
        rows.Add(new("server", "server: SDK `RunAsync(BytezMedia)` → HTTP → the same pipeline, server defaults", null, audioSeconds,
            () => server.RunMediaAsync(0, ModelId, BytezMedia.FromBytes(wav, "audio/wav"), parameters)));
#endif
        Log($"whisper: {rows.Count} rows × ({settings.Warmups} warm-up + {settings.Passes} passes), interleaved...");
        await Harness.RunInterleavedAsync(rows, settings).ConfigureAwait(false);

        // The same tokens: the engine's generator against the bare loop.
        var whisper = WhisperGenerator.Prepare(engine, new WhisperOptions("en"), JsonDocument.Parse(
            $$"""{"max_new_tokens": {{newTokens}}, "min_new_tokens": {{newTokens}}}""").RootElement);
        var features = extractor.Extract(samples);
        var viaEngine = (await WhisperGenerator.GenerateAsync(whisper, features.Values, [features.MelBins, features.Frames], CancellationToken.None).ConfigureAwait(false)).Tokens;
        var viaBare = bare.Transcribe(extractor, samples, newTokens);
        var agree = viaEngine.SequenceEqual(viaBare);

        var bareRow = rows.Where(r => r.Part == "bare").MaxBy(r => r.PerSecond)!;
        var md = new StringBuilder();
        md.AppendLine(inv, $"## Speech recognition: Whisper-tiny-shaped random weights ({(quick ? "QUICK smoke run — not a measurement" : "full run")})");
        md.AppendLine();
        md.AppendLine(inv, $"- Machine: {Environment.ProcessorCount} cores, {Machine.CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, ONNX Runtime {OrtEnv.Instance().GetVersionString()}");
        md.AppendLine(inv, $"- Model (cache {cache}, never committed): `{Path.GetFileName(folder)}` — d_model {WhisperTinyShaped.Model}, {WhisperTinyShaped.Layers}+{WhisperTinyShaped.Layers} layers, {WhisperTinyShaped.Heads} heads, FFN {WhisperTinyShaped.FeedForward}, vocabulary {WhisperTinyShaped.Vocabulary}, {WhisperTinyShaped.MelBins} mel bins");
        md.AppendLine(inv, $"- Input: {audioSeconds} s of 16 kHz float32 WAV (tones and noise), one 30 s window; prompt <|startoftranscript|><|en|><|transcribe|><|notimestamps|>, exactly {newTokens} new tokens (`min_new_tokens` = `max_new_tokens`), greedy; {settings.Warmups} warm-up, median of {settings.Passes} passes, rows interleaved");
        md.AppendLine();
        md.AppendLine("| configuration | real-time factor (s per audio s) | × best bare speed | spread |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach (var row in rows)
        {
            md.AppendLine(inv, $"| {row.Name} | {1 / row.PerSecond:F4} | {row.PerSecond / bareRow.PerSecond:F2} | {row.Spread:P0} |");
        }

        md.AppendLine();
        var best = rows.Last();
        var ratio = best.PerSecond / bareRow.PerSecond;
        md.AppendLine(inv, $"**{best.Part} = {ratio:F2} × the best bare loop's speed**, {bareRow.Name} (aim ≥ 0.95: {(ratio >= 0.95 ? "met" : "NOT met")}). Engine and bare loop generate the same tokens: {(agree ? "yes" : "NO")}.");
        md.AppendLine();
        md.AppendLine(inv, $"Total run time {total.Elapsed.TotalSeconds:F0} s.");
        var markdown = md.ToString();
        Console.WriteLine(markdown);
        if (outputPath is not null)
        {
            await File.WriteAllTextAsync(outputPath, markdown).ConfigureAwait(false);
            Log($"Written to {outputPath}");
        }

        return agree ? 0 : 1;
    }

    /// <summary>Deterministic sound: tones gliding across the speech band with a little noise (the content is irrelevant to random weights).</summary>
    private static float[] Speechlike(int seconds)
    {
        var random = new Random(12);
        var samples = new float[seconds * Rate];
        var phase = 0.0;
        for (var n = 0; n < samples.Length; n++)
        {
            var frequency = 200 + (1800 * (0.5 + (0.5 * Math.Sin(2 * Math.PI * n / (Rate * 1.7)))));
            phase += 2 * Math.PI * frequency / Rate;
            samples[n] = (0.3f * (float)Math.Sin(phase)) + (0.02f * ((random.NextSingle() * 2) - 1));
        }

        return samples;
    }

    private static void Log(string message) => Console.Error.WriteLine(message);
}
