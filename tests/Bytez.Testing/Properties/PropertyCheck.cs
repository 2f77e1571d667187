using System.Diagnostics;
using CsCheck;

namespace Bytez.Testing.Properties;

/// <summary>
/// Runs a CsCheck property with a fixed seed: every iteration's input comes from one PCG started at the seed, so a run
/// is the same on every machine and in CI (CsCheck's own <c>Sample</c> fixes only the first iteration). A time cap ends
/// the run early on a slow machine (a prefix of the same inputs). A failure names the seed of the failing input, which
/// <c>gen.Sample(assert, seed: "...")</c> replays (and shrinks) on its own.
/// </summary>
public static class PropertyCheck
{
    /// <summary>The default time cap of one property.</summary>
    public static readonly TimeSpan DefaultTimeCap = TimeSpan.FromSeconds(8);

    /// <summary>Checks <paramref name="assert"/> on <paramref name="iterations"/> inputs of <paramref name="gen"/> from <paramref name="seed"/>.</summary>
    public static void Run<T>(Gen<T> gen, Action<T> assert, string seed, int iterations, TimeSpan? timeCap = null, Func<T, string>? print = null)
    {
        ArgumentNullException.ThrowIfNull(gen);
        ArgumentNullException.ThrowIfNull(assert);
        var pcg = PCG.Parse(seed);
        var cap = timeCap ?? DefaultTimeCap;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < iterations && clock.Elapsed < cap; i++)
        {
            var state = pcg.State;
            var value = gen.Generate(pcg, null, out _);
            try
            {
                assert(value);
            }
            catch (Exception e)
            {
                var shown = print?.Invoke(value) ?? Check.Print(value);
                if (shown.Length > 2000)
                {
                    shown = shown[..2000] + " ...";
                }

                throw new PropertyFailedException(
                    $"Property failed at iteration {i} of seed {seed}; replay with seed \"{pcg.ToString(state)}\": {e.GetType().Name}: {e.Message}\nInput: {shown}", e);
            }
        }
    }
}

/// <summary>A property did not hold for a generated input; the message says which and how to replay it.</summary>
public sealed class PropertyFailedException(string message, Exception inner) : Exception(message, inner);
