using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Bytez.Engine.Embedded;
using Bytez.Engine.Onnx.Embedded;
using Bytez.Media.Images;
using Bytez.Testing;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Bench.Images;

/// <summary>
/// <c>image-features</c>: the embedded ResNet18 featurizer (<c>microsoft/dnn-image-featurizer-resnet18</c>) through the
/// real server at <see cref="Clients"/> concurrent SDK clients, one image per request, against bare ONNX Runtime at its
/// best batch size (1, 2, 4, 8, 16; the package's graphs refuse all but 1) and thread layout, preprocessing (JPEG
/// decode, resize and crop, the planes) included on both sides, on the same images: Debian's darknet sample photos.
/// </summary>
internal static class ImageFeaturesBenchmark
{
    public const int Clients = 16;
    private const string ModelId = "microsoft/dnn-image-featurizer-resnet18";
    private static readonly int[] BatchSizes = [1, 2, 4, 8, 16];

    /// <param name="quick">A smoke run: 12 images, one pass.</param>
    /// <param name="serverOnly">Only the server row (no bare or engine rows, no comparison): a steady HTTP load for a
    /// profiler (<c>dotnet-trace</c>, <c>dotnet-counters</c>) to attach to.</param>
    /// <param name="passes">The passes to time, instead of the default (5; 1 with <paramref name="quick"/>).</param>
    /// <param name="outputPath">Where to write the Markdown report too.</param>
    public static async Task<int> RunAsync(bool quick, bool serverOnly, int? passes, string? outputPath)
    {
        var inv = CultureInfo.InvariantCulture;
        var settings = quick ? new RunSettings(Quick: true, Passes: 1, Warmups: 1, SentenceLimit: 0) : new RunSettings(Quick: false, Passes: 5, Warmups: 1, SentenceLimit: 0);
        settings = settings with { Passes = passes ?? settings.Passes };
        var count = quick ? 12 : 96;
        var (files, source) = Images(count);
        var home = Path.Combine(Path.GetTempPath(), "bytez-bench-home-" + Guid.NewGuid().ToString("N"));
        var modelsRoot = Path.Combine(home, "models");
        var folder = EmbeddedMediaModels.EnsureInstalled(modelsRoot, EmbeddedMediaModels.ResNet18).Path;
        var cores = Math.Max(1, Environment.ProcessorCount);

        var md = new StringBuilder();
        md.AppendLine(inv, $"## Image features: embedded ResNet18, server at {Clients} clients vs bare ONNX Runtime ({(quick ? "QUICK smoke run — not a measurement" : "full run")})");
        md.AppendLine();
        md.AppendLine(inv, $"- Machine: {cores} cores, {Machine.CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, ONNX Runtime {OrtEnv.Instance().GetVersionString()}; load average at the start {LoadAverage()}");
        md.AppendLine(inv, $"- Images: {count} per pass, {source}; preprocessing on both sides: decode (`ImageDecoder`), shorter side to 224 and centre crop (`ResNet18Featurizer.InputPlanes`), then `preprocess.onnx` and `model.onnx`.");
        md.AppendLine(inv, $"- Each row: {settings.Warmups} warm-up pass, then the median of {settings.Passes} passes, all rows interleaved (the order rotated each pass). Spread = (slowest − fastest) / median.");
        md.AppendLine();

        using var perCore = new BareResNet18(folder, cores, 1);
        using var wide = new BareResNet18(folder, 1, cores);
        var rows = new List<Scenario>();
        var refused = new SortedDictionary<int, string>();
        foreach (var batch in serverOnly ? [] : BatchSizes)
        {
            var b = batch;
            foreach (var bare in cores > 1 ? new[] { perCore, wide } : [perCore])
            {
                if (!bare.Accepts(b, out var refusal))
                {
                    refused[b] = refusal ?? "refused";
                    continue;
                }

                var runner = bare;
                rows.Add(new("bare", $"bare ONNX Runtime, {bare.Description}", b, count, () => runner.FeaturesAsync(files, b)));
            }
        }

        string? serverDescription = null;
        double? agreement = null;
#if !BENCH_NO_HTTP
        var key = "bench-key-" + Guid.NewGuid().ToString("N");
        string[] args =
        [
            "--urls", "http://127.0.0.1:0", $"--Bytez:Home={home}", $"--Bytez:ModelsPath={modelsRoot}", $"--Bytez:Key={key}",
            "--Bytez:EmbeddedModels=false", "--Bytez:ModelWatch:Events=false", "--Bytez:ModelWatch:RescanInterval=00:00:00",
        ];
        var (app, baseAddress) = await Http.BenchServerHost.StartAsync(args).ConfigureAwait(false);
        var clients = Enumerable.Range(0, Clients)
            .Select(_ => new BytezClient(new BytezClientOptions { ApiKey = key, BaseAddress = baseAddress, Timeout = TimeSpan.FromHours(1) }))
            .ToArray();
        try
        {
            async Task<float[]> ViaServer(int client, byte[] file) =>
                (await clients[client].Model(ModelId).RunAsync(BytezMedia.FromBytes(file, "image/jpeg")).ConfigureAwait(false)).GetEmbedding();

            var onnx = (Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Bytez.Engine.Onnx.OnnxRuntimeOptions>(app.Services));
            serverDescription = $"in-process server from `BytezServer.Create` on loopback (Kestrel, HTTP/1.1, API-key auth), engine options as the server registers them: at most {onnx.EffectiveSessions} images at a time on one session × {onnx.IntraOpThreads} thread; {Clients} `BytezClient`s sending the JPEG bytes (`BytezMedia.FromBytes`), `GetEmbedding()`; client and server share the {cores} cores";
            rows.Add(new("server", $"server over HTTP via SDK, {Clients} concurrent clients, 1 image/request", 1, count,
                () => RunConcurrentAsync(Clients, files, ViaServer)));
            var engine = serverOnly ? null : Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Bytez.Engine.InferenceEngine>(app.Services);
            var encoded = files.Select(Convert.ToBase64String).ToList();
            var base64Of = new Dictionary<byte[], string>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < files.Count; i++)
            {
                base64Of[files[i]] = encoded[i];
            }

            if (engine is not null)
            {
                rows.Add(new("engine", $"server's engine in process (`InferenceEngine.RunAsync`, no HTTP; the same base64 body field), {Clients} concurrent callers, 1 image/call", 1, count,
                    () => RunConcurrentAsync(Clients, files, async (_, file) =>
                    {
                        var result = await engine.RunAsync(ModelId, new Bytez.Protocol.RunRequest { Base64 = base64Of[file] }, CancellationToken.None).ConfigureAwait(false);
                        GC.KeepAlive(result);
                    })));
            }

            Log($"image-features: {rows.Count} rows × ({settings.Warmups} warm-up + {settings.Passes} passes), interleaved...");
            await Harness.RunInterleavedAsync(rows, settings).ConfigureAwait(false);

            // The same vectors: the server's against the bare sessions' for each image.
            var bare = serverOnly ? null : await perCore.FeaturesAsync(files, 1).ConfigureAwait(false);
            agreement = bare is null ? null : 1.0;
            for (var i = 0; bare is not null && i < files.Count; i++)
            {
                agreement = Math.Min(agreement!.Value, Cosine(await ViaServer(0, files[i]).ConfigureAwait(false), bare[i]));
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            await app.DisposeAsync().ConfigureAwait(false);
        }
#else
        await Harness.RunInterleavedAsync(rows, settings).ConfigureAwait(false);
#endif
        TryDelete(home);

        var bestBare = rows.Where(r => r.Part == "bare").MaxBy(r => r.PerSecond) ?? rows[0];
        md.AppendLine("| configuration | batch | images/s | × best bare | spread |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var bold = row == bestBare ? "**" : string.Empty;
            md.AppendLine(inv, $"| {row.Name} | {row.Batch} | {bold}{row.PerSecond:F1}{bold} | {row.PerSecond / bestBare.PerSecond:F2} | {row.Spread:P0} |");
        }

        md.AppendLine();
        if (refused.Count > 0)
        {
            md.AppendLine(inv, $"Batch sizes the package's graphs refuse: {string.Join(", ", refused.Keys)} (ONNX Runtime: \"{refused.Values.First()}\"; their batch axis is fixed at 1).");
            md.AppendLine();
        }

        if (!serverOnly && rows.FirstOrDefault(r => r.Part == "server") is { } served)
        {
            var ratio = served.PerSecond / bestBare.PerSecond;
            md.AppendLine(inv, $"**Server at {Clients} clients = {ratio:F2} × the best bare configuration** ({bestBare.Name}, batch {bestBare.Batch}); aim ≥ 0.90: {(ratio >= 0.9 ? "met" : "NOT met")}.");
            md.AppendLine();
            md.AppendLine(inv, $"Server: {serverDescription}. Least cosine similarity between the server's vector and the bare session's over the {count} images: {agreement:F6}.");
            md.AppendLine();
        }

        md.AppendLine(inv, $"Load average at the end {LoadAverage()}.");
        var markdown = md.ToString();
        Console.WriteLine(markdown);
        if (outputPath is not null)
        {
            await File.WriteAllTextAsync(outputPath, markdown).ConfigureAwait(false);
            Log($"Written to {outputPath}");
        }

        return 0;
    }

    /// <summary>
    /// <paramref name="count"/> image files cycling over the darknet photos (JPEG), or, where they cannot be fetched,
    /// generated 640 × 480 photo-like PNGs; and a line saying which.
    /// </summary>
    private static (IReadOnlyList<byte[]> Files, string Source) Images(int count)
    {
        try
        {
            var photos = RealMedia.PhotoNames.Select(RealMedia.PhotoFile).ToList();
            var sizes = RealMedia.PhotoNames.Select(n => { var i = ImageDecoder.Decode(RealMedia.PhotoFile(n), new Bytez.Media.MediaLimits()); return $"{n} {i.Width}×{i.Height}"; });
            return (Enumerable.Range(0, count).Select(i => photos[i % photos.Count]).ToList(), $"Debian's darknet sample photos as JPEG ({string.Join(", ", sizes)}) in turn");
        }
        catch (InvalidOperationException e)
        {
            Log($"darknet photos unavailable ({e.Message}); using generated PNGs");
            var files = Enumerable.Range(0, count).Select(i => PngEncoder.EncodeRgb(Generated(640, 480, i % 6))).ToList();
            return (files, "generated 640×480 photo-like PNGs (the darknet photos could not be fetched)");
        }
    }

    private static RgbImage Generated(int width, int height, int seed)
    {
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var o = ((y * width) + x) * 3;
                rgb[o] = (byte)((x * (seed + 1)) + (y / 3));
                rgb[o + 1] = (byte)((y * (seed + 2)) ^ x);
                rgb[o + 2] = (byte)(128 + (64 * Math.Sin((x + (seed * 37)) / 23.0) * Math.Cos(y / 17.0)));
            }
        }

        return new RgbImage(width, height, rgb);
    }

    /// <summary><paramref name="clients"/> workers, each sending the next image as soon as its previous one is answered.</summary>
    private static async Task RunConcurrentAsync(int clients, IReadOnlyList<byte[]> files, Func<int, byte[], Task> call)
    {
        var next = -1;
        var workers = new Task[clients];
        for (var c = 0; c < clients; c++)
        {
            var client = c;
            workers[c] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < files.Count)
                {
                    await call(client, files[i]).ConfigureAwait(false);
                }
            });
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp folder
        }
    }

    private static void Log(string message) => Console.Error.WriteLine(message);
}
