using System.Text.Json;
using Bytez.Engine.Media;
using Bytez.Engine.Tensors;
using Bytez.Media;
using Bytez.Media.Images;
using Bytez.Protocol;

namespace Bytez.Engine.Tests.Tasks;

/// <summary>What the vision pipeline tests share: PNG images made in the test, runs of a pipeline written as JSON.</summary>
internal static class VisionRuns
{
    /// <summary>A reader with the default limits (engine level: URLs are refused).</summary>
    public static MediaReader Reader(MediaLimits? limits = null) => new(limits ?? new MediaLimits());

    /// <summary>A PNG of <paramref name="width"/> × <paramref name="height"/> whose every pixel is (r, g, b).</summary>
    public static byte[] Png(int width, int height, byte r, byte g, byte b) => PngEncoder.EncodeRgb(Uniform(width, height, r, g, b));

    /// <summary>An image whose every pixel is (r, g, b).</summary>
    public static RgbImage Uniform(int width, int height, byte r, byte g, byte b)
    {
        var rgb = new byte[width * height * 3];
        for (var i = 0; i < rgb.Length; i += 3)
        {
            rgb[i] = r;
            rgb[i + 1] = g;
            rgb[i + 2] = b;
        }

        return new RgbImage(width, height, rgb);
    }

    /// <summary>An image of seeded random pixels.</summary>
    public static RgbImage Random(int width, int height, int seed)
    {
        var rgb = new byte[width * height * 3];
        new Random(seed).NextBytes(rgb);
        return new RgbImage(width, height, rgb);
    }

    /// <summary>Runs a pipeline on a request written as JSON and returns its output as JSON.</summary>
    public static async Task<JsonElement> RunAsync(ITaskPipeline pipeline, IModelInstance instance, string json)
    {
        var request = JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.RunRequest)!;
        var output = await pipeline.RunAsync(instance, request, TestContext.Current.CancellationToken);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            output.WriteTo(writer);
        }

        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }

    /// <summary>The request <c>{"base64": ..., "params": ...}</c> of an image.</summary>
    public static string Request(byte[] png, string parameters = "{}") =>
        $$"""{"base64": "{{Convert.ToBase64String(png)}}", "params": {{parameters}}}""";
}
