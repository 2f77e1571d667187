using SharpFuzz;

namespace Bytez.Fuzz;

/// <summary>
/// <c>Bytez.Fuzz &lt;target&gt;</c> runs a target under afl-fuzz (out of process) or, when started by libfuzzer-dotnet
/// (<c>__LIBFUZZER_SHM_ID</c> is set), under libFuzzer. <c>Bytez.Fuzz &lt;target&gt; --replay &lt;file or folder&gt;</c>
/// runs saved inputs once each, to reproduce a crash or smoke-test a corpus. Without arguments the target is read from
/// the environment variable <c>BYTEZ_FUZZ_TARGET</c> (for drivers that pass no arguments).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var name = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("BYTEZ_FUZZ_TARGET");
        if (name is null || !FuzzTargets.All.TryGetValue(name, out var target))
        {
            Console.Error.WriteLine($"usage: Bytez.Fuzz <{string.Join('|', FuzzTargets.All.Keys)}> [--replay <file or folder>]");
            return 2;
        }

        if (args.Length >= 3 && args[1] == "--replay")
        {
            var files = Directory.Exists(args[2]) ? Directory.GetFiles(args[2]) : [args[2]];
            foreach (var file in files)
            {
                target(File.ReadAllBytes(file));
            }

            Console.WriteLine($"{files.Length} inputs ran without an undocumented exception.");
            return 0;
        }

        if (Environment.GetEnvironmentVariable("__LIBFUZZER_SHM_ID") is not null)
        {
            Fuzzer.LibFuzzer.Run(span => target(span.ToArray()));
        }
        else
        {
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                target(buffer.ToArray());
            });
        }

        return 0;
    }
}
