using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Bytez.Media.Images;

namespace Bytez.Bench.Images;

/// <summary>
/// <c>resize</c>: our port of PIL's resize (<see cref="PilResize"/>) against PIL itself (Debian's python3-pil, run by
/// /usr/bin/python3) on the same photo-like images: the median time per image of each, and whether the pixels are equal.
/// </summary>
internal static class ResizeBenchmark
{
    private const string Script = """
        import json, sys, time
        from PIL import Image
        inp, out = sys.stdin.buffer, sys.stdout.buffer
        while True:
            line = inp.readline()
            if not line:
                break
            r = json.loads(line)
            image = Image.frombytes("RGB", (r["w"], r["h"]), inp.read(r["n"]))
            times = []
            for _ in range(r["runs"]):
                t = time.perf_counter()
                resized = image.resize((r["nw"], r["nh"]), r["filter"])
                times.append(time.perf_counter() - t)
            data = resized.tobytes()
            times.sort()
            out.write(json.dumps({"median": times[len(times) // 2], "n": len(data)}).encode() + b"\n")
            out.write(data)
            out.flush()
        """;

    public static async Task<int> RunAsync(bool quick, string? output)
    {
        if (!File.Exists("/usr/bin/python3"))
        {
            await Console.Error.WriteLineAsync("resize needs /usr/bin/python3 with python3-pil (Debian).").ConfigureAwait(false);
            return 1;
        }

        var script = Path.Combine(Path.GetTempPath(), $"bytez-resize-bench-{Environment.ProcessId}.py");
        await File.WriteAllTextAsync(script, Script).ConfigureAwait(false);
        using var python = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-u", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        int runs = quick ? 5 : 21;
        var cases = new (int W, int H, int NW, int NH, PilResample Filter, string What)[]
        {
            (640, 480, 224, 224, PilResample.Bilinear, "ViT warp"),
            (640, 480, 298, 224, PilResample.Bicubic, "CLIP shortest edge"),
            (1920, 1080, 224, 224, PilResample.Bilinear, "ViT warp of a full-HD photo"),
            (1920, 1080, 1333, 750, PilResample.Bilinear, "DETR 800/1333"),
            (640, 480, 1066, 800, PilResample.Bilinear, "DETR upscale"),
            (1024, 768, 686, 518, PilResample.Bicubic, "Depth Anything 518"),
        };
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"| image | → | filter | case | ours (ms) | PIL (ms) | ours / PIL | pixels equal |");
        report.AppendLine("|---|---|---|---|---|---|---|---|");
        int equal = 0;

        // Warm up past tiered compilation on a small image: at least 60 rounds and one second, since methods are only
        // promoted from tier 0 after 30 calls made once no method has been compiled for 100 ms. (PilResize's loops are
        // optimized at their first call anyway; this is for the code around them.)
        var warm = Photo(64, 48);
        var warmUp = Stopwatch.StartNew();
        for (int i = 0; i < 60 || warmUp.Elapsed < TimeSpan.FromSeconds(1); i++)
        {
            foreach (var f in new[] { PilResample.Bilinear, PilResample.Bicubic })
            {
                PilResize.Resize(warm, 23, 17, f);
                PilResize.Resize(warm, 100, 70, f);
            }
        }

        foreach (var c in cases)
        {
            var image = Photo(c.W, c.H);
            var ours = new List<double>();
            RgbImage? resized = null;
            for (int i = 0; i < runs; i++)
            {
                var sw = Stopwatch.StartNew();
                resized = PilResize.Resize(image, c.NW, c.NH, c.Filter);
                ours.Add(sw.Elapsed.TotalMilliseconds);
            }

            ours.Sort();
            var request = new JsonObject { ["w"] = c.W, ["h"] = c.H, ["nw"] = c.NW, ["nh"] = c.NH, ["filter"] = (int)c.Filter, ["runs"] = runs, ["n"] = image.Rgb.Length };
            var stdin = python.StandardInput.BaseStream;
            await stdin.WriteAsync(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n")).ConfigureAwait(false);
            await stdin.WriteAsync(image.Rgb).ConfigureAwait(false);
            await stdin.FlushAsync().ConfigureAwait(false);
            var header = JsonNode.Parse(ReadLine(python.StandardOutput.BaseStream))!;
            var pil = new byte[(int)header["n"]!];
            python.StandardOutput.BaseStream.ReadExactly(pil);
            double pilMs = (double)header["median"]! * 1000;
            bool same = pil.AsSpan().SequenceEqual(resized!.Rgb);
            equal += same ? 1 : 0;
            double median = ours[ours.Count / 2];
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {c.W}×{c.H} | {c.NW}×{c.NH} | {c.Filter} | {c.What} | {median:F2} | {pilMs:F2} | {median / pilMs:F2} | {(same ? "yes" : "NO")} |");
        }

        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"{equal} of {cases.Length} cases equal to PIL byte for byte; medians of {runs} runs each after a warm-up, one thread each.");
        python.StandardInput.Close();
        await python.WaitForExitAsync().ConfigureAwait(false);
        File.Delete(script);
        Console.WriteLine(report);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report.ToString()).ConfigureAwait(false);
        }

        return equal == cases.Length ? 0 : 1;
    }

    /// <summary>A photo-like image: smooth gradients, a pattern and noise (deterministic).</summary>
    private static RgbImage Photo(int w, int h)
    {
        var random = new Random(w * 31 + h);
        var rgb = new byte[w * h * 3];
        for (int y = 0, i = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++, i += 3)
            {
                rgb[i] = (byte)Math.Clamp((x * 255 / w) + random.Next(-12, 13), 0, 255);
                rgb[i + 1] = (byte)Math.Clamp((y * 255 / h) + random.Next(-12, 13), 0, 255);
                rgb[i + 2] = (byte)(((x / 8) + (y / 8)) % 2 * 200 + random.Next(0, 40));
            }
        }

        return new RgbImage(w, h, rgb);
    }

    private static string ReadLine(Stream stream)
    {
        var bytes = new List<byte>();
        for (int b = stream.ReadByte(); b != '\n'; b = stream.ReadByte())
        {
            if (b < 0)
            {
                throw new InvalidOperationException("python3 ended; is python3-pil installed?");
            }

            bytes.Add((byte)b);
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }
}
