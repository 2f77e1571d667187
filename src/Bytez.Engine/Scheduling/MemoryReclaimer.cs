using System.Runtime;
using System.Runtime.InteropServices;

namespace Bytez.Engine.Scheduling;

/// <summary>
/// Gives the memory of unloaded instances back to the operating system. An instance's memory lives partly in managed
/// objects (freed only by a collection) and partly in native heaps (ONNX Runtime, llama.cpp) whose freed pages glibc
/// keeps in its arenas; an idle server runs no collection by itself, so without this an unloaded model's memory stays
/// resident until the next burst of traffic, and the memory budget's accounting drifts from the process's.
/// A reclaim is a full blocking, compacting collection that decommits free regions, then <c>malloc_trim(0)</c> where
/// the C library has it (glibc).
/// </summary>
public sealed class MemoryReclaimer
{
    private static readonly MallocTrim? Trim = LoadMallocTrim();
    private static readonly Mallopt? SetMallocOption = LoadLibc<Mallopt>("mallopt");
    private readonly Lock _gate = new();
    private bool _running;
    private bool _again;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MallocTrim(nuint pad);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int Mallopt(int parameter, int value);

    /// <summary>glibc's <c>M_MMAP_THRESHOLD</c> option.</summary>
    private const int MmapThresholdOption = -3;

    /// <summary>
    /// Keeps glibc's mmap threshold at its initial 128 KiB. glibc raises it (up to 32 MiB) each time a mapped block is
    /// freed, after which the large blocks of the next model load land in the arenas, where freed pages stay behind
    /// live neighbours and <c>malloc_trim</c> cannot return them; a fixed threshold keeps every large block in its
    /// own mapping, returned whole when freed. Returns whether the option was set (false off glibc).
    /// </summary>
    public static bool FixMmapThreshold() => SetMallocOption?.Invoke(MmapThresholdOption, 128 * 1024) == 1;

    /// <summary>How many reclaims have run (for tests and metrics).</summary>
    public int Count { get; private set; }

    /// <summary>Reclaims now, on the calling thread: a full compacting collection, finalizers, another collection, trim.</summary>
    public void ReclaimNow()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Trim?.Invoke(0);
        lock (_gate)
        {
            Count++;
        }
    }

    /// <summary>
    /// Reclaims on a pool thread, soon, through <paramref name="exclusive"/> (run it outside work whose memory is being
    /// measured); requests made while one runs are folded into one more run.
    /// </summary>
    public void ReclaimSoon(Func<Action, Task> exclusive)
    {
        ArgumentNullException.ThrowIfNull(exclusive);
        lock (_gate)
        {
            if (_running)
            {
                _again = true;
                return;
            }

            _running = true;
        }

        _ = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    await exclusive(ReclaimNow).ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                }

                lock (_gate)
                {
                    if (!_again)
                    {
                        _running = false;
                        return;
                    }

                    _again = false;
                }
            }
        });
    }

    private static MallocTrim? LoadMallocTrim() => LoadLibc<MallocTrim>("malloc_trim");

    private static T? LoadLibc<T>(string name)
        where T : Delegate
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // glibc only: musl (Alpine) has neither malloc_trim nor these options, and its allocator returns memory by itself.
        return NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, name, out var address)
            ? Marshal.GetDelegateForFunctionPointer<T>(address)
            : null;
    }
}
