using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Bytez.Server.Hosting;
using Bytez.Testing.TinyModels;

namespace Bytez.Bench.Soak;

/// <summary>
/// <c>soak --minutes N</c>: the real server in its own process under a mixed load at saturation for N minutes —
/// embeddings on both embedded models, generation and chat on a tiny GGUF and a tiny ONNX decoder, streams of which
/// every third is dropped by its client after the first piece, and cluster changes (create, resize, off/on, delete)
/// every few seconds — while the server's resident memory and thread count are sampled every second. Then the load
/// stops, the idle timeout unloads every instance, and the memory is compared with the memory at start.
/// </summary>
internal static class SoakBenchmark
{
    private const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";
    private const string Arctic = "Snowflake/snowflake-arctic-embed-xs";
    private const string Gguf = "local/soak-gguf";
    private const string Onnx = "local/soak-onnx";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Runs the soak for <paramref name="minutes"/> and writes the report (Markdown) to the console and <paramref name="outputPath"/>.</summary>
    public static async Task<int> RunAsync(double minutes, string? outputPath)
    {
        var root = Directory.CreateTempSubdirectory("bytez-bench-soak-").FullName;
        try
        {
            return await RunInAsync(root, minutes, outputPath).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<int> RunInAsync(string root, double minutes, string? outputPath)
    {
        var models = Path.Combine(root, "models");
        var gguf = GgufModelWriter.WriteTinyLlama(Path.Combine(root, "files", "tiny.gguf"), new GgufTinyOptions { ContextLength = 1024 });
        var onnx = OnnxDecoderModelWriter.Write(Path.Combine(root, "files", "tiny-onnx"), new OnnxDecoderModelOptions { ContextLength = 512 });
        foreach (var (path, id) in new[] { (gguf.Path, Gguf), (onnx.Folder, Onnx) })
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            if (AddModelCommand.Run([path, "--id", id, $"--Bytez:ModelsPath={models}"], output, error) != 0)
            {
                throw new InvalidOperationException($"add-model {path} failed: {error}");
            }
        }

        var key = "soak-" + Guid.NewGuid().ToString("N");
        Log("Starting the server as a child process...");
        await using var server = await ServerProcess.StartAsync(key,
        [
            $"--Bytez:Home={Path.Combine(root, "home")}",
            $"--Bytez:ModelsPath={models}",
            "--Bytez:Scheduler:DefaultTimeoutMinutes=1",
            "--Bytez:Scheduler:IdleSweepInterval=00:00:05",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
        ], TimeSpan.FromMinutes(2)).ConfigureAwait(false);

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri(server.BaseAddress, "models/v2/"), Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Key " + key);

        // The memory fresh: the server listening, no instance loaded, after a few quiet seconds.
        await Task.Delay(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        var fresh = await QuietSampleAsync(server, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        Log($"Fresh: {Mb(fresh.ResidentBytes)} MB resident, {fresh.Threads} threads.");

        // A warm-up round of the same load, then the idle unload: the baseline has the runtimes' libraries mapped, the
        // code compiled and the pools grown, so what the soak adds to it after the same unload is what it leaked.
        var sentences = Corpus.Load(400);
        var warmup = Math.Min(1.0, Math.Max(0.25, minutes / 5));
        Log($"Warm-up: {warmup} min of the load...");
        await LoadAsync(http, server, sentences, warmup, new Tally(), new ConcurrentQueue<Sample>()).ConfigureAwait(false);
        var (baselineUnloaded, baselineIdle) = await WaitForUnloadAsync(http, server).ConfigureAwait(false);
        var baseline = await QuietSampleAsync(server, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        if (Environment.GetEnvironmentVariable("SOAK_SMAPS") is { Length: > 0 } baselineSmaps)
        {
            File.Copy($"/proc/{server.Id}/smaps", baselineSmaps + ".baseline", overwrite: true);
        }

        Log($"Baseline after the warm-up's idle unload ({baselineIdle.TotalSeconds:F0} s): {Mb(baseline.ResidentBytes)} MB resident, {baseline.Threads} threads.");

        var tally = new Tally();
        var samples = new ConcurrentQueue<Sample>();
        Log($"Load for {minutes} min: 4 embedding clients, 2 generation/chat clients, 2 stream clients (every 3rd dropped early), 1 cluster changer...");
        var loadSeconds = await LoadAsync(http, server, sentences, minutes, tally, samples).ConfigureAwait(false);
        Log($"Load done: {tally.Summary()}");
        var (unloaded, idle) = await WaitForUnloadAsync(http, server).ConfigureAwait(false);
        var end = await QuietSampleAsync(server, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        Log($"After idle unload ({idle.TotalSeconds:F0} s): {Mb(end.ResidentBytes)} MB resident, {end.Threads} threads.");

        if (Environment.GetEnvironmentVariable("SOAK_SMAPS") is { Length: > 0 } smaps)
        {
            File.Copy($"/proc/{server.Id}/smaps", smaps, overwrite: true);
        }

        if (Environment.GetEnvironmentVariable("SOAK_HOLD_SECONDS") is { Length: > 0 } hold && int.TryParse(hold, out var holdSeconds))
        {
            // Keeps the server up so that a debugger or dotnet-dump can look at what it still holds.
            Log($"Holding the server (pid {server.Id}) for {holdSeconds} s.");
            await Task.Delay(TimeSpan.FromSeconds(holdSeconds)).ConfigureAwait(false);
        }

        var markdown = Report(minutes, loadSeconds, fresh, baseline, end, unloaded, idle, samples.ToArray(), tally, server.HasExited);
        Console.WriteLine(markdown);
        if (outputPath is not null)
        {
            await File.WriteAllTextAsync(outputPath, markdown).ConfigureAwait(false);
        }

        var ratio = (double)end.ResidentBytes / baseline.ResidentBytes;
        return !server.HasExited && baselineUnloaded && unloaded && ratio <= 1.10 && tally.ServerErrors == 0 ? 0 : 1;
    }

    /// <summary>Runs the mixed load for <paramref name="minutes"/>; returns its length in seconds.</summary>
    private static async Task<double> LoadAsync(
        HttpClient http, ServerProcess server, IReadOnlyList<string> sentences, double minutes, Tally tally, ConcurrentQueue<Sample> samples)
    {
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(minutes));
        var sampler = SampleLoopAsync(server, clock, samples, stop.Token);
        var workers = new List<Task>();
        for (var i = 0; i < 4; i++)
        {
            var worker = i;
            workers.Add(WorkerAsync(tally, "embed", stop.Token, n => Post(http, worker % 2 == 0 ? MiniLm : Arctic,
                n % 5 == 0 ? new { input = sentences.Skip(n % 300).Take(8).ToArray() } : new { input = (object)sentences[(n * 7 + worker) % sentences.Count] }, stop.Token)));
        }

        for (var i = 0; i < 2; i++)
        {
            var worker = i;
            workers.Add(WorkerAsync(tally, "generate", stop.Token, n => Post(http, worker == 0 ? Gguf : Onnx, n % 2 == 0
                ? new { input = (object)sentences[n % sentences.Count], @params = new { max_new_tokens = 24, do_sample = n % 4 == 0, seed = n } }
                : new { messages = new[] { new { role = "user", content = sentences[n % sentences.Count] } }, @params = new { max_new_tokens = 24 } }, stop.Token)));
        }

        for (var i = 0; i < 2; i++)
        {
            var worker = i;
            workers.Add(WorkerAsync(tally, "stream", stop.Token, n => StreamAsync(http, worker == 0 ? Onnx : Gguf, sentences[n % sentences.Count], dropEarly: n % 3 == 2, stop.Token)));
        }

        if (Environment.GetEnvironmentVariable("SOAK_NO_CLUSTER_CHANGES") is not { Length: > 0 })
        {
            workers.Add(WorkerAsync(tally, "cluster", stop.Token, n => ClusterStepAsync(http, n, stop.Token)));
        }
        await Task.WhenAll(workers).ConfigureAwait(false);
        await sampler.ConfigureAwait(false);

        // The changer may have left the arctic cluster with a warm minimum or turned off: a user would delete it.
        using var delete = await http.DeleteAsync(Arctic).ConfigureAwait(false);
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Waits (at most 4 minutes) until the idle timeout has unloaded every instance, then 10 s more.</summary>
    private static async Task<(bool Unloaded, TimeSpan Waited)> WaitForUnloadAsync(HttpClient http, ServerProcess server)
    {
        Log("Waiting for the idle timeout to unload every instance...");
        var watch = Stopwatch.StartNew();
        var unloaded = false;
        while (watch.Elapsed < TimeSpan.FromMinutes(4))
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException("The server exited:\n" + server.Tail(40));
            }

            if (await LoadedClustersAsync(http).ConfigureAwait(false) is not { Length: > 0 } loaded)
            {
                unloaded = true;
                break;
            }

            if (watch.Elapsed > TimeSpan.FromMinutes(3))
            {
                Log("Still loaded: " + loaded);
            }

            await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }

        var waited = watch.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return (unloaded, waited);
    }

    private static string Report(
        double minutes, double loadSeconds, (long ResidentBytes, int Threads) fresh, (long ResidentBytes, int Threads) baseline, (long ResidentBytes, int Threads) end,
        bool unloaded, TimeSpan idle, Sample[] samples, Tally tally, bool exited)
    {
        var md = new StringBuilder();
        md.AppendLine(Inv, $"### Result: soak, {minutes} min");
        md.AppendLine();
        md.AppendLine(Inv, $"- Command: `dotnet run -c Release --project bench/Bytez.Bench -- soak --minutes {minutes}`");
        md.AppendLine(Inv, $"- Machine: {Environment.ProcessorCount} cores, {Machine.CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        md.AppendLine("- The server in its own process (`dotnet Bytez.Server.dll`, defaults plus a 1-minute idle timeout and a 5 s idle sweep); " +
            "the load from this process over loopback: 4 embedding clients (MiniLM and arctic-embed-xs, every 5th request 8 texts), " +
            "2 generation clients (tiny GGUF and tiny ONNX decoder, text and chat, greedy and sampled, 24 new tokens), 2 stream clients " +
            "(64 new tokens; every 3rd stream dropped after its first piece), 1 cluster changer (every 3 s: PUT arctic-embed-xs " +
            "min 1, PATCH max 2, PATCH off, PATCH on, DELETE, in turn; deleted at the end). Each client sends its next request when the last returned; after a 503 or 429, 250 ms later.");
        md.AppendLine(Inv, $"- Requests: {tally.Summary()}");
        md.AppendLine();
        md.AppendLine("| minute | resident MB (min / median / max) | threads (max) |");
        md.AppendLine("|---:|---:|---:|");
        foreach (var minute in samples.GroupBy(s => (int)(s.Seconds / 60)).OrderBy(g => g.Key))
        {
            var rss = minute.Select(s => (double)s.ResidentBytes).ToList();
            md.AppendLine(Inv, $"| {minute.Key + 1} | {Mb((long)rss.Min())} / {Mb((long)Stats.Median(rss))} / {Mb((long)rss.Max())} | {minute.Max(s => s.Threads)} |");
        }

        var firstHalf = samples.Where(s => s.Seconds < loadSeconds / 2 && s.Seconds >= 60).Select(s => (double)s.ResidentBytes).ToList();
        var secondHalf = samples.Where(s => s.Seconds >= loadSeconds / 2).Select(s => (double)s.ResidentBytes).ToList();
        md.AppendLine();
        if (firstHalf.Count > 0 && secondHalf.Count > 0)
        {
            md.AppendLine(Inv, $"- Under load, median resident memory from minute 2 to half time {Mb((long)Stats.Median(firstHalf))} MB, second half {Mb((long)Stats.Median(secondHalf))} MB ({Stats.Median(secondHalf) / Stats.Median(firstHalf):F2} ×).");
        }

        var ratio = (double)end.ResidentBytes / baseline.ResidentBytes;
        md.AppendLine(Inv, $"- Fresh (listening, nothing loaded yet): {Mb(fresh.ResidentBytes)} MB resident, {fresh.Threads} threads. Baseline (after a warm-up round of the same load and its idle unload: runtimes' libraries mapped, code compiled, pools grown): {Mb(baseline.ResidentBytes)} MB, {baseline.Threads} threads.");
        md.AppendLine(Inv, $"- After the soak and the idle unload ({(unloaded ? $"every instance gone after {idle.TotalSeconds:F0} s" : "NOT every instance unloaded within 4 min")}): {Mb(end.ResidentBytes)} MB, {end.Threads} threads = **{ratio:F2} × the baseline** (aim ≤ 1.10: {(ratio <= 1.10 && unloaded ? "met" : "NOT met")}), {(double)end.ResidentBytes / fresh.ResidentBytes:F2} × fresh.");
        md.AppendLine(Inv, $"- Server errors (5xx other than 503 while a cluster was off, or a failed connection): {tally.ServerErrors}{(tally.LastError is { } last ? $" (last: {last})" : string.Empty)}; the server {(exited ? "EXITED" : "ran throughout")}.");
        return md.ToString();
    }

    private static async Task WorkerAsync(Tally tally, string kind, CancellationToken stop, Func<int, Task<HttpStatusCode>> step)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            try
            {
                var status = await step(n).ConfigureAwait(false);
                tally.Count(kind, status);
                if (status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
                {
                    // As a client would: the cluster is off or the queue full, so wait a moment before trying again.
                    await Task.Delay(TimeSpan.FromMilliseconds(250), stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException e)
            {
                tally.Fail(kind, e.Message);
            }
        }
    }

    private static async Task<HttpStatusCode> Post(HttpClient http, string model, object body, CancellationToken cancellation)
    {
        using var response = await http.PostAsync(model, Json(body), cancellation).ConfigureAwait(false);
        await response.Content.ReadAsByteArrayAsync(cancellation).ConfigureAwait(false);
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> StreamAsync(HttpClient http, string model, string input, bool dropEarly, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, model)
        {
            Content = Json(new { input, stream = true, @params = new { max_new_tokens = 64 } }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return response.StatusCode;
        }

        using var body = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
        var buffer = new byte[4096];
        var read = await body.ReadAsync(buffer, cancellation).ConfigureAwait(false);
        if (dropEarly && read > 0)
        {
            return (HttpStatusCode)299; // the client leaves mid-stream: disposing the response aborts the connection
        }

        while (read > 0)
        {
            read = await body.ReadAsync(buffer, cancellation).ConfigureAwait(false);
        }

        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> ClusterStepAsync(HttpClient http, int n, CancellationToken cancellation)
    {
        await Task.Delay(TimeSpan.FromSeconds(3), cancellation).ConfigureAwait(false);
        var step = n % 5;
        using var response = step switch
        {
            0 => await http.PutAsync(Arctic, Json(new { timeout = 1, capacity = new { min = 1, desired = 1, max = 1 } }), cancellation).ConfigureAwait(false),
            1 => await http.PatchAsync(Arctic, Json(new { capacity = new { min = 1, desired = 1, max = 2 } }), cancellation).ConfigureAwait(false),
            2 => await http.PatchAsync(Arctic, Json(new { status = "off" }), cancellation).ConfigureAwait(false),
            3 => await http.PatchAsync(Arctic, Json(new { status = "on" }), cancellation).ConfigureAwait(false),
            _ => await http.DeleteAsync(Arctic, cancellation).ConfigureAwait(false),
        };
        await response.Content.ReadAsByteArrayAsync(cancellation).ConfigureAwait(false);
        return response.StatusCode;
    }

    /// <summary>The clusters that still hold or are loading an instance, as one line; empty when none.</summary>
    private static async Task<string> LoadedClustersAsync(HttpClient http)
    {
        using var response = await http.GetAsync("list/clusters").ConfigureAwait(false);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
        if (document.RootElement.GetProperty("output") is not { ValueKind: JsonValueKind.Array } clusters)
        {
            return "(no cluster list)";
        }

        var loaded = new List<string>();
        foreach (var cluster in clusters.EnumerateArray())
        {
            var instances = cluster.TryGetProperty("instances", out var count) && count.ValueKind == JsonValueKind.Number ? count.GetInt32() : 0;
            var status = cluster.TryGetProperty("status", out var s) ? s.GetString() : null;
            if (instances > 0 || status is "loading" or "running")
            {
                loaded.Add($"{cluster.GetProperty("modelId").GetString()} ({status}, {instances} instance(s))");
            }
        }

        return string.Join(", ", loaded);
    }

    private static async Task SampleLoopAsync(ServerProcess server, Stopwatch clock, ConcurrentQueue<Sample> samples, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && !server.HasExited)
        {
            var (rss, threads) = server.Sample();
            samples.Enqueue(new Sample(clock.Elapsed.TotalSeconds, rss, threads));
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The median of one sample a second over <paramref name="span"/>.</summary>
    private static async Task<(long ResidentBytes, int Threads)> QuietSampleAsync(ServerProcess server, TimeSpan span)
    {
        var rss = new List<double>();
        var threads = new List<double>();
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < span)
        {
            var sample = server.Sample();
            rss.Add(sample.ResidentBytes);
            threads.Add(sample.Threads);
            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }

        return ((long)Stats.Median(rss), (int)Stats.Median(threads));
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F0", Inv);

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    private readonly record struct Sample(double Seconds, long ResidentBytes, int Threads);

    /// <summary>Answers counted by kind and status.</summary>
    private sealed class Tally
    {
        private readonly ConcurrentDictionary<(string Kind, int Status), int> _counts = new();
        private int _serverErrors;

        public int ServerErrors => _serverErrors;

        public string? LastError { get; private set; }

        public void Count(string kind, HttpStatusCode status)
        {
            _counts.AddOrUpdate((kind, (int)status), 1, (_, c) => c + 1);
            if ((int)status >= 500 && status != HttpStatusCode.ServiceUnavailable)
            {
                Interlocked.Increment(ref _serverErrors);
                LastError = $"{kind}: HTTP {(int)status}";
            }
        }

        public void Fail(string kind, string message)
        {
            _counts.AddOrUpdate((kind, -1), 1, (_, c) => c + 1);
            Interlocked.Increment(ref _serverErrors);
            LastError = $"{kind}: {message}";
        }

        public string Summary() => string.Join("; ", _counts
            .GroupBy(c => c.Key.Kind)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} " + string.Join(", ", g.OrderBy(c => c.Key.Status).Select(c => $"{StatusName(c.Key.Status)} × {c.Value}"))));

        private static string StatusName(int status) => status switch
        {
            -1 => "connection failed",
            299 => "dropped mid-stream",
            _ => status.ToString(Inv),
        };
    }
}
