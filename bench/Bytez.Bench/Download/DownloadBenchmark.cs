using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Bytez.Hub;
using Bytez.Testing.Hub;

namespace Bytez.Bench.Download;

/// <summary>The size of the file and how many rounds: full 1 GiB × 5, quick 128 MiB × 2.</summary>
internal sealed record DownloadRunSettings(bool Quick, long FileBytes, int Rounds)
{
    public static DownloadRunSettings Full { get; } = new(false, 1L << 30, 5);

    public static DownloadRunSettings QuickRun { get; } = new(true, 128L << 20, 2);
}

/// <summary>
/// One large LFS file over loopback from the fake hub (302 to its CDN route), side by side: a bare <see cref="HttpClient"/>
/// copy to a file (the floor), the same with SHA-256 while copying, our <see cref="ModelDownloader"/> into a fresh
/// cache, our downloader resuming from half the file on disk, and curl. Interleaved rounds (order rotated every round),
/// medians; every output's length is checked, ours verifies the hash itself.
/// </summary>
internal static class DownloadBenchmark
{
    private const string RepositoryId = "bench/large-download";
    private const string FilePath = "onnx/model.onnx";
    private const string WarmupRepositoryId = "bench/warmup-download";
    private const int WarmupBytes = 8 << 20;
    private const int CopyBuffer = 1 << 17;
    private const string Curl = "/usr/bin/curl";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(DownloadRunSettings settings, string? outputPath)
    {
        var total = Stopwatch.StartNew();
        var size = settings.FileBytes;
        Log($"Download: generating {FormatBytes(size)} of random bytes...");
        var content = new byte[size];
        new Random(20250101).NextBytes(content);
        var expectedSha = Convert.ToHexStringLower(SHA256.HashData(content));

        await using var hub = await FakeHub.StartAsync().ConfigureAwait(false);
        hub.AddRepository(RepositoryId).AddFile(FilePath, content);
        var warmupContent = new byte[WarmupBytes];
        new Random(7).NextBytes(warmupContent);
        hub.AddRepository(WarmupRepositoryId).AddFile(FilePath, warmupContent);

        var options = new HubOptions { Endpoint = hub.Endpoint, MinFreeDiskBytes = 0 };
        using var bareHttp = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true }) { Timeout = Timeout.InfiniteTimeSpan };
        using var hubHttp = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        var client = new HubClient(hubHttp, options);

        var target = await TargetAsync(client, hub, RepositoryId, content, CancellationToken.None).ConfigureAwait(false);
        if (!string.Equals(target.File.Sha256, expectedSha, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The hub published SHA-256 {target.File.Sha256}, the content is {expectedSha}.");
        }

        var warmup = await TargetAsync(client, hub, WarmupRepositoryId, warmupContent, CancellationToken.None).ConfigureAwait(false);

        var rows = Variants(bareHttp, hubHttp, options, hub);
        var sha = MeasureSha256(content);

        Log("Download: warm-up (8 MiB, every variant once, not counted)...");
        foreach (var row in rows)
        {
            await RunOnceAsync(row, warmup, record: false).ConfigureAwait(false);
        }

        for (var round = 0; round < settings.Rounds; round++)
        {
            var order = rows.Skip(round % rows.Count).Concat(rows.Take(round % rows.Count)).ToList();
            Log($"Download: round {round + 1}/{settings.Rounds} ({string.Join(", ", order.Select(r => r.Key))})");
            foreach (var row in order)
            {
                var seconds = await RunOnceAsync(row, target, record: true).ConfigureAwait(false);
                Log(string.Create(Inv, $"  {row.Key,-14} {seconds,7:F2} s  {size / seconds / 1e6,8:F1} MB/s"));
            }
        }

        var markdown = Markdown(settings, rows, sha, total.Elapsed);
        Console.WriteLine(markdown);
        if (outputPath is not null)
        {
            await File.WriteAllTextAsync(outputPath, markdown).ConfigureAwait(false);
            Log($"Wrote {outputPath}");
        }

        return 0;
    }

    // --- The variants ---------------------------------------------------------------------------------------------------

    private static List<Variant> Variants(HttpClient bareHttp, HttpClient hubHttp, HubOptions options, FakeHub hub) =>
    [
        new("bare", "bare: HttpClient GET (redirect followed), ResponseHeadersRead, `CopyToAsync` into `File.Create`",
            (t, folder, ct) => BareAsync(bareHttp, t, folder, BareMode.Plain, ct)),
        new("bare+sha", "bare + SHA-256 (`IncrementalHash` in the copy loop, 128 KiB reads)",
            (t, folder, ct) => BareAsync(bareHttp, t, folder, BareMode.Hash, ct)),
        new("ours", "ours: `ModelDownloader.DownloadAsync` into a fresh `HubCache`",
            (t, folder, ct) => OursAsync(hubHttp, options, hub, t, folder, resume: false, ct)),
        new("ours-resumed", "ours, resumed: half the file already in `blobs/<sha256>.incomplete`",
            (t, folder, ct) => OursAsync(hubHttp, options, hub, t, folder, resume: true, ct)),
        new("curl", "curl -sS -L -o <file> <url> (child process, start to exit)",
            (t, folder, ct) => CurlAsync(t, folder, ct)),
        new("diag:filestream", "diagnostic: bare with ours' FileStream (BufferSize 0, Asynchronous \\| SequentialScan) and 128 KiB copies",
            (t, folder, ct) => BareAsync(bareHttp, t, folder, BareMode.OursFileStream, ct)),
        new("diag:sha+fsync", "diagnostic: bare + SHA-256 + fsync at the end (the work ours does on top of bare)",
            (t, folder, ct) => BareAsync(bareHttp, t, folder, BareMode.HashFsync, ct)),
        new("diag:sha-pipe", "diagnostic: bare + SHA-256 on a pool thread, overlapped with the write and the next read",
            (t, folder, ct) => BareAsync(bareHttp, t, folder, BareMode.Pipelined, ct)),
    ];

    /// <summary>One download in a fresh folder, timed inside the variant (setup excluded); the folder is deleted afterwards.</summary>
    private static async Task<double> RunOnceAsync(Variant row, Target target, bool record)
    {
        var folder = Path.Combine(Path.GetTempPath(), "bytez-bench-download-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var result = await row.Run(target, folder, CancellationToken.None).ConfigureAwait(false);
            var length = new FileInfo(result.OutputPath).Length;
            if (length != target.Size)
            {
                throw new InvalidOperationException($"{row.Key}: the output has {length} bytes, the file {target.Size}.");
            }

            if (record)
            {
                row.Seconds.Add(result.Seconds);
                row.CpuSeconds.Add(result.CpuSeconds);
                row.BytesFetched = result.BytesFetched;
                row.HashSeconds.Add(result.HashSeconds);
                row.FsyncSeconds.Add(result.FsyncSeconds);
            }

            return result.Seconds;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<RunResult> BareAsync(HttpClient http, Target target, string folder, BareMode mode, CancellationToken ct)
    {
        var path = Path.Combine(folder, "model.onnx");
        var hashSeconds = 0.0;
        var fsyncSeconds = 0.0;
        var cpu = CpuClock.Start();
        var clock = Stopwatch.StartNew();
        using (var response = await http.GetAsync(target.Url, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false))
        {
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                var file = mode == BareMode.OursFileStream
                    ? new FileStream(path, new FileStreamOptions
                    {
                        Mode = FileMode.CreateNew,
                        Access = FileAccess.ReadWrite,
                        Share = FileShare.None,
                        Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
                        BufferSize = 0,
                    })
                    : File.Create(path);
                await using (file.ConfigureAwait(false))
                {
                    switch (mode)
                    {
                        case BareMode.Plain:
                            await body.CopyToAsync(file, ct).ConfigureAwait(false);
                            break;
                        case BareMode.OursFileStream:
                            await body.CopyToAsync(file, CopyBuffer, ct).ConfigureAwait(false);
                            break;
                        case BareMode.Pipelined:
                            hashSeconds = await CopyHashPipelinedAsync(body, file, target, ct).ConfigureAwait(false);
                            break;
                        default:
                            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
                            {
                                var buffer = new byte[CopyBuffer];
                                int read;
                                while ((read = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                                {
                                    var start = Stopwatch.GetTimestamp();
                                    sha.AppendData(buffer, 0, read);
                                    hashSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
                                    await file.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                                }

                                if (mode == BareMode.HashFsync)
                                {
                                    var start = Stopwatch.GetTimestamp();
                                    file.Flush(flushToDisk: true);
                                    fsyncSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                                }

                                CheckHash(sha, target);
                            }

                            break;
                    }
                }
            }
        }

        return new RunResult(path, clock.Elapsed.TotalSeconds, cpu.Elapsed, target.Size) { HashSeconds = hashSeconds, FsyncSeconds = fsyncSeconds };
    }

    /// <summary>
    /// Read → (hash on a pool thread ∥ write) with two buffers, so the next read and write need not wait for the hash of
    /// the previous chunk; returns the seconds spent waiting for the hash.
    /// </summary>
    private static async Task<double> CopyHashPipelinedAsync(Stream body, FileStream file, Target target, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[][] buffers = [new byte[CopyBuffer], new byte[CopyBuffer]];
        Task? hashing = null;
        var waited = 0.0;
        for (var i = 0; ; i++)
        {
            var buffer = buffers[i % 2];
            var read = await body.ReadAsync(buffer, ct).ConfigureAwait(false);
            if (hashing is not null)
            {
                var start = Stopwatch.GetTimestamp();
                await hashing.ConfigureAwait(false);
                waited += Stopwatch.GetElapsedTime(start).TotalSeconds;
            }

            if (read == 0)
            {
                break;
            }

            hashing = Task.Run(() => sha.AppendData(buffer, 0, read), ct);
            await file.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
        }

        CheckHash(sha, target);
        return waited;
    }

    private static void CheckHash(IncrementalHash sha, Target target)
    {
        var actual = Convert.ToHexStringLower(sha.GetHashAndReset());
        if (!string.Equals(actual, target.File.Sha256, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"bare + SHA-256: got {actual}, expected {target.File.Sha256}.");
        }
    }

    private static async Task<RunResult> OursAsync(
        HttpClient http, HubOptions options, FakeHub hub, Target target, string folder, bool resume, CancellationToken ct)
    {
        var cache = new HubCache(Path.Combine(folder, "hub"));
        var downloader = new ModelDownloader(http, cache, options);
        var half = target.Size / 2;
        if (resume)
        {
            var incomplete = cache.IncompletePath(target.Plan.ModelId, target.File.BlobName!);
            Directory.CreateDirectory(Path.GetDirectoryName(incomplete)!);
            await File.WriteAllBytesAsync(incomplete, target.Content.AsMemory(0, (int)half), ct).ConfigureAwait(false);
        }

        hub.ClearRequests();
        var cpu = CpuClock.Start();
        var clock = Stopwatch.StartNew();
        var snapshot = await downloader.DownloadAsync(target.Plan, "main", progress: null, ct).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = cpu.Elapsed;

        var blob = cache.BlobPath(target.Plan.ModelId, target.File.BlobName!);
        var entry = cache.SnapshotFilePath(target.Plan.ModelId, target.Plan.Commit, target.File.Path);
        if (!File.Exists(blob) || !File.Exists(entry) || !entry.StartsWith(snapshot, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"ours: the blob or its snapshot entry is missing ({blob}, {entry}).");
        }

        var bodies = hub.Requests.Where(r => r.Status is 200 or 206).ToList();
        var expectedRange = resume ? string.Create(Inv, $"bytes={half}-") : null;
        if (bodies.Count != 1 || bodies[0].Range != expectedRange)
        {
            throw new InvalidOperationException(
                $"ours{(resume ? " resumed" : string.Empty)}: expected one body request with range '{expectedRange ?? "none"}', the hub saw: " +
                string.Join("; ", hub.Requests.Select(r => $"{r.Method} {r.Path} {r.Range} → {r.Status}")));
        }

        return new RunResult(blob, seconds, cpuSeconds, resume ? target.Size - half : target.Size);
    }

    private static async Task<RunResult> CurlAsync(Target target, string folder, CancellationToken ct)
    {
        var path = Path.Combine(folder, "model.onnx");
        var start = new ProcessStartInfo(Curl) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in new[] { "-sS", "-L", "-o", path, target.Url.AbsoluteUri })
        {
            start.ArgumentList.Add(argument);
        }

        var cpu = CpuClock.Start();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("curl did not start.");
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = cpu.Elapsed;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"curl exited with {process.ExitCode}: {await errors.ConfigureAwait(false)}");
        }

        return new RunResult(path, seconds, cpuSeconds, target.Size);
    }

    // --- Setup ----------------------------------------------------------------------------------------------------------

    private static async Task<Target> TargetAsync(HubClient client, FakeHub hub, string id, byte[] content, CancellationToken ct)
    {
        var repository = await client.GetRepositoryAsync(id, "main", ct).ConfigureAwait(false);
        var file = repository.Files.Single(f => f.Path == FilePath);
        if (file.Sha256 is null || file.Size != content.LongLength)
        {
            throw new InvalidOperationException($"{id}/{FilePath} should be an LFS file of {content.LongLength} bytes.");
        }

        var plan = new DownloadPlan
        {
            ModelId = repository.Id,
            Commit = repository.Commit,
            Task = "feature-extraction",
            Format = ModelFormats.Onnx,
            Files = [file],
            ModelPath = string.Empty,
        };
        var url = new Uri($"{hub.Endpoint}/{id}/resolve/main/{FilePath}", UriKind.Absolute);
        return new Target(plan, file, url, content);
    }

    /// <summary>SHA-256 alone over the bytes in memory, one thread, 128 KiB appends: the hashing floor of this CPU.</summary>
    private static double MeasureSha256(byte[] content)
    {
        var best = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (var offset = 0L; offset < content.LongLength; offset += CopyBuffer)
            {
                sha.AppendData(content.AsSpan((int)offset, (int)Math.Min(CopyBuffer, content.LongLength - offset)));
            }

            sha.GetHashAndReset();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        return content.LongLength / best / 1e6;
    }

    // --- Report ---------------------------------------------------------------------------------------------------------

    private static string Markdown(DownloadRunSettings settings, List<Variant> rows, double shaMegabytesPerSecond, TimeSpan elapsed)
    {
        var size = settings.FileBytes;
        var md = new StringBuilder();
        md.AppendLine("### Result: downloads" + (settings.Quick ? " (quick smoke run: not for quoting)" : " (full run)"));
        md.AppendLine();
        md.AppendLine(Inv, $"- Command: `dotnet run -c Release --project bench/Bytez.Bench -- download{(settings.Quick ? " --quick" : string.Empty)}`");
        md.AppendLine(Inv, $"- Machine: {Environment.ProcessorCount} cores, {Machine.CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {CurlVersion()}");
        md.AppendLine(Inv, $"- File: one random LFS file of {FormatBytes(size)} ({size:N0} bytes) on the fake hub (`Bytez.Testing.Hub.FakeHub`, Kestrel on loopback, in this process; `resolve` answers 302 to its CDN route, which sends the body in 16 KiB writes); temp folder {Path.GetTempPath()}");
        md.AppendLine(Inv, $"- {settings.Rounds} rounds after one 8 MiB warm-up of every variant; every round runs every variant once (order rotated every round), each in a fresh temp folder deleted afterwards. Median of the rounds; × bare = bare's median time / this median time (1.00 = as fast, above 1 = faster). Spread = (slowest − fastest) / median.");
        md.AppendLine("- CPU s: CPU time of this process during the download (client **and** the fake hub's Kestrel) plus, for curl, the child's CPU time (getrusage RUSAGE_CHILDREN); median.");
        md.AppendLine("- Checks: every output's length equals the file's; bare + SHA-256 compares its hash; ours verifies the hash itself (throws on a mismatch) and the hub saw exactly one body request (with `Range: bytes=<half>-` for the resumed one).");
        md.AppendLine(Inv, $"- SHA-256 alone over the bytes in memory (one thread, 128 KiB appends, best of 3): {shaMegabytesPerSecond:F0} MB/s.");
        md.AppendLine(Inv, $"- Total run time {elapsed.TotalSeconds:F0} s.");
        md.AppendLine();

        var bare = Median(rows[0].Seconds);
        md.AppendLine("| variant | bytes fetched | median s | MB/s | × bare | MB/s of bytes fetched | × bare per byte fetched | CPU s | spread |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var median = Median(row.Seconds);
            var fetchedRate = row.BytesFetched / median / 1e6;
            var bareRate = size / bare / 1e6;
            md.AppendLine(Inv,
                $"| {row.Description} | {FormatBytes(row.BytesFetched)} | {median:F2} | {size / median / 1e6:F1} | {bare / median:F2} | {fetchedRate:F1} | {fetchedRate / bareRate:F2} | {Median(row.CpuSeconds):F2} | {Spread(row.Seconds):P0} |");
        }

        md.AppendLine();
        foreach (var row in rows.Where(r => r.HashSeconds.Any(h => h > 0) || r.FsyncSeconds.Any(f => f > 0)))
        {
            md.AppendLine(Inv, $"- {row.Key}: inside `AppendData` (pipelined: waiting for the hash) {Median(row.HashSeconds):F2} s, in fsync {Median(row.FsyncSeconds):F2} s (medians).");
        }

        md.AppendLine("- Per round (s): " + string.Join("; ", rows.Select(r => $"{r.Key} {string.Join(" ", r.Seconds.Select(s => s.ToString("F2", Inv)))}")) + ".");
        return md.ToString();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double Spread(List<double> values) => values.Count == 0 ? double.NaN : (values.Max() - values.Min()) / Median(values);

    private static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => (bytes >> 30).ToString(Inv) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.##", Inv) + " MiB",
        _ => bytes.ToString(Inv) + " B",
    };

    private static void Log(string message) => Console.Error.WriteLine(message);

    private static string CurlVersion()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(Curl, "--version") { RedirectStandardOutput = true, UseShellExecute = false });
            var first = process?.StandardOutput.ReadLine() ?? "curl";
            process?.WaitForExit();
            var parts = first.Split(' ');
            return parts.Length >= 2 ? $"{parts[0]} {parts[1]}" : first;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "curl not found";
        }
    }


    private sealed record Target(DownloadPlan Plan, HubFile File, Uri Url, byte[] Content)
    {
        public long Size => File.Size;
    }

    private sealed record RunResult(string OutputPath, double Seconds, double CpuSeconds, long BytesFetched)
    {
        /// <summary>Seconds inside <c>AppendData</c> (or, pipelined, waiting for the hash task).</summary>
        public double HashSeconds { get; init; }

        public double FsyncSeconds { get; init; }
    }

    private enum BareMode
    {
        Plain,
        Hash,
        HashFsync,
        OursFileStream,
        Pipelined,
    }

    private sealed class Variant(string key, string description, Func<Target, string, CancellationToken, Task<RunResult>> run)
    {
        public string Key { get; } = key;

        public string Description { get; } = description;

        public Func<Target, string, CancellationToken, Task<RunResult>> Run { get; } = run;

        public List<double> Seconds { get; } = [];

        public List<double> CpuSeconds { get; } = [];

        public List<double> HashSeconds { get; } = [];

        public List<double> FsyncSeconds { get; } = [];

        public long BytesFetched { get; set; }
    }

    /// <summary>CPU time of this process and of its waited-for children since <see cref="Start"/>.</summary>
    private readonly struct CpuClock
    {
        private readonly TimeSpan _self;
        private readonly double _children;

        private CpuClock(TimeSpan self, double children)
        {
            _self = self;
            _children = children;
        }

        public static CpuClock Start() => new(Process.GetCurrentProcess().TotalProcessorTime, NativeMethods.ChildrenCpuSeconds());

        public double Elapsed => (Process.GetCurrentProcess().TotalProcessorTime - _self).TotalSeconds + (NativeMethods.ChildrenCpuSeconds() - _children);
    }

    private static class NativeMethods
    {
        private const int RusageChildren = -1;

        /// <summary>User + system CPU seconds of the children this process has waited for (Linux); 0 elsewhere.</summary>
        public static double ChildrenCpuSeconds()
        {
            if (!OperatingSystem.IsLinux())
            {
                return 0;
            }

            // struct rusage on 64-bit Linux: ru_utime (tv_sec, tv_usec), ru_stime (tv_sec, tv_usec), then 14 longs.
            var usage = new long[18];
            return GetRusage(RusageChildren, usage) == 0 ? usage[0] + (usage[1] / 1e6) + usage[2] + (usage[3] / 1e6) : 0;
        }

        [DllImport("libc", EntryPoint = "getrusage", SetLastError = false)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        private static extern int GetRusage(int who, [Out] long[] usage);
    }
}
