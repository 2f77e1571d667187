using BenchmarkDotNet.Running;

namespace Bytez.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/Bytez.Bench -- embeddings [--quick] [--out file.md]</c>: the side-by-side
/// embedding benchmark. <c>-- micro [BenchmarkDotNet args]</c>: the in-process microbenchmarks.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Error.WriteLine("usage: Bytez.Bench embeddings [--quick] [--out results.md]");
            Console.Error.WriteLine("       Bytez.Bench micro [BenchmarkDotNet arguments, e.g. --filter *]");
            return args.Length == 0 ? 2 : 0;
        }

        switch (args[0])
        {
            case "embeddings":
                var quick = args.Contains("--quick");
                var outIndex = Array.IndexOf(args, "--out");
                var output = outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1] : null;
                return await EmbeddingsBenchmark.RunAsync(quick ? RunSettings.QuickRun : RunSettings.Full, output).ConfigureAwait(false);
            case "micro":
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
                return 0;
            default:
                Console.Error.WriteLine($"unknown benchmark '{args[0]}'; try: embeddings, micro");
                return 2;
        }
    }
}
