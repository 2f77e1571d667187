using BenchmarkDotNet.Running;

namespace Bytez.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/Bytez.Bench -- embeddings [--quick] [--out file.md]</c>: the side-by-side
/// embedding benchmark. <c>-- generation [--quick] [--gguf file] [--onnx folder] [--prefix-only] [--out file.md]</c>: tokens/s and time
/// to first token, direct runtime vs engine vs server, and the second chat turn's time to first token with the ONNX prefix cache (alone with <c>--prefix-only</c>). <c>-- generation-onnx-real [--quick] [--quant fp32|int8|q4] [--threads n] [--cache folder] [--out file.md]</c>: one stream on a SmolLM2-135M-shaped ONNX decoder (fp32, dynamic int8 or MatMulNBits q4), bare ONNX Runtime vs ONNX Runtime GenAI vs engine vs server. <c>-- generation-real [--quick] [--model name] [--quant f16|q8_0|q4_k_m] [--threads n] [--streams-only] [--cache folder] [--out file.md]</c>: prompt processing and decode tokens/s on random-weight GGUF models of real shapes, llama.cpp direct vs engine vs server (with <c>--streams-only</c>: the concurrent-stream rows alone). <c>-- load [--quick] [--embeddings-only] [--out file.md]</c>: concurrent clients and
/// streams with batching on and off, and cold starts. <c>-- download [--quick] [--out file.md]</c>: one large file from the
/// fake hub, bare HttpClient vs our downloader vs curl. <c>-- soak [--minutes N] [--out file.md]</c>: the server in its own
/// process under a mixed load, its memory and threads sampled, then idle unload. <c>-- text-tasks [--quick] [--classifier-only | --seq2seq-only] [--cache folder] [--out file.md]</c>: text-classification and
/// seq2seq on random-weight models of realistic shapes, server and engine vs bare ONNX Runtime. <c>-- resize [--quick] [--out file.md]</c>: our port of PIL's resize vs PIL, speed and equality. <c>-- image-features [--quick] [--server-only [--passes N]] [--out file.md]</c>: the embedded ResNet18 through the server at 16 clients vs bare ONNX Runtime, preprocessing included (<c>--server-only</c>: the server row alone, N passes, for a profiler to attach to). <c>-- whisper [--quick] [--cache folder] [--out file.md]</c>: speech recognition real-time factor on a Whisper-tiny-shaped random-weight model, server and engine vs a bare ONNX Runtime loop. <c>-- constrained [--quick] [--out file.md]</c>: tokens/s with <c>response_format</c> against without, on the same models, and the cost of a token mask. <c>-- micro [BenchmarkDotNet args]</c>: the in-process microbenchmarks.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Error.WriteLine("usage: Bytez.Bench embeddings [--quick] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench generation [--quick] [--gguf model.gguf] [--onnx model-folder] [--prefix-only] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench generation-onnx-real [--quick] [--quant fp32|int8|q4] [--threads n] [--cache folder] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench generation-real [--quick] [--model smollm2-135m|qwen2.5-0.5b] [--quant f16|q8_0|q4_k_m] [--threads n] [--streams-only] [--cache folder] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench load [--quick] [--embeddings-only] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench openai-overhead [--quick] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench download [--quick] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench memory [--quick] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench soak [--minutes N] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench text-tasks [--quick] [--classifier-only | --seq2seq-only] [--cache folder] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench resize [--quick] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench image-features [--quick] [--server-only [--passes N]] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench whisper [--quick] [--cache folder] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench constrained [--quick] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench micro [BenchmarkDotNet arguments, e.g. --filter *]");
            return args.Length == 0 ? 2 : 0;
        }

        var quick = args.Contains("--quick");
        var output = Option(args, "--out");
        switch (args[0])
        {
            case "embeddings":
                return await EmbeddingsBenchmark.RunAsync(quick ? RunSettings.QuickRun : RunSettings.Full, output).ConfigureAwait(false);
            case "generation":
                return await Generation.GenerationBenchmark.RunAsync(
                    quick ? Generation.GenerationRunSettings.QuickRun : Generation.GenerationRunSettings.Full,
                    Option(args, "--gguf"), Option(args, "--onnx"), output, args.Contains("--prefix-only")).ConfigureAwait(false);
            case "generation-onnx-real":
                return await Generation.RealOnnxBenchmark.RunAsync(quick, Option(args, "--quant") ?? "fp32", Option(args, "--cache"), output, Threads(args)).ConfigureAwait(false);
            case "generation-real":
                return await Generation.RealGgufBenchmark.RunAsync(
                    quick, Option(args, "--model") ?? "smollm2-135m", Option(args, "--quant") ?? "q8_0", Option(args, "--cache"), output, Threads(args), args.Contains("--streams-only")).ConfigureAwait(false);
#if !BENCH_NO_HTTP
            case "load":
                return await Load.LoadBenchmark.RunAsync(quick ? Load.LoadRunSettings.QuickRun : Load.LoadRunSettings.Full, output, args.Contains("--embeddings-only")).ConfigureAwait(false);
            case "openai-overhead":
                return await Http.OpenAiOverheadBenchmark.RunAsync(quick, output).ConfigureAwait(false);
#endif
            case "download":
                return await Download.DownloadBenchmark.RunAsync(
                    quick ? Download.DownloadRunSettings.QuickRun : Download.DownloadRunSettings.Full, output).ConfigureAwait(false);
            case "memory":
                return await Memory.MemoryBenchmark.RunAsync(quick, output).ConfigureAwait(false);
#if !BENCH_NO_HTTP
            case "soak":
                return await Soak.SoakBenchmark.RunAsync(
                    double.Parse(Option(args, "--minutes") ?? "10", System.Globalization.CultureInfo.InvariantCulture), output).ConfigureAwait(false);
#endif
            case "text-tasks":
                return await TextTasks.TextTasksBenchmark.RunAsync(quick, args.Contains("--classifier-only"), args.Contains("--seq2seq-only"), Option(args, "--cache"), output).ConfigureAwait(false);
            case "resize":
                return await Images.ResizeBenchmark.RunAsync(quick, output).ConfigureAwait(false);
            case "image-features":
                return await Images.ImageFeaturesBenchmark.RunAsync(
                    quick, args.Contains("--server-only"), Option(args, "--passes") is { } passes ? int.Parse(passes, System.Globalization.CultureInfo.InvariantCulture) : null, output).ConfigureAwait(false);
            case "whisper":
                return await Speech.WhisperBenchmark.RunAsync(quick, Option(args, "--cache"), output).ConfigureAwait(false);
            case "constrained":
                return await Generation.ConstrainedBenchmark.RunAsync(quick, output).ConfigureAwait(false);
            case "memory-child":
                return await Memory.MemoryBenchmark.RunChildAsync(args).ConfigureAwait(false);
            case "micro":
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
                return 0;
            default:
                Console.Error.WriteLine($"unknown benchmark '{args[0]}'; try: embeddings, generation, generation-real, generation-onnx-real, load, openai-overhead, download, memory, soak, text-tasks, resize, image-features, whisper, constrained, micro");
                return 2;
        }
    }

    /// <summary><c>--threads n</c>: the runtime threads of every row instead of the engine's default.</summary>
    private static int? Threads(string[] args)
        => Option(args, "--threads") is { } threads ? int.Parse(threads, System.Globalization.CultureInfo.InvariantCulture) : null;

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
