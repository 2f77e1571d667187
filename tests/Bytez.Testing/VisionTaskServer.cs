using Bytez.Media.Images;
using Bytez.Server.Hosting;
using Bytez.Testing.TinyModels;

namespace Bytez.Testing;

/// <summary>
/// A real server that serves the tiny vision models (<see cref="ImageClassifierModelWriter"/> at 32×32,
/// <see cref="ObjectDetectorModelWriter"/> with <c>pixel_mask</c>, shortest edge 64, longest 128,
/// <see cref="ImageFeatureModelWriter"/> at 32×32, <see cref="DualEncoderModelWriter"/>'s CLIP and SigLIP at 32×32), registered with the server's own <c>add-model</c> command, with
/// a pixel limit of 100,000 and private media URLs allowed; and a loopback origin serving <see cref="RedPng"/> as
/// <c>file/red.png</c>. Every answer is known from the designs.
/// </summary>
public sealed class VisionTaskServer : IAsyncDisposable
{
    /// <summary>The image classifier (logit k = mean of channel k; labels red, green, blue).</summary>
    public const string Classifier = "tiny/image-classifier";

    /// <summary>The DETR-shaped detector (query 0: the dominant colour, box the centre half).</summary>
    public const string Detector = "tiny/detector";

    /// <summary>The ViT-shaped backbone (tokens: channel means of the image and of each 16×16 patch).</summary>
    public const string Features = "tiny/image-features";

    /// <summary>The CLIP-shaped dual encoder (zero-shot-image-classification: softmax of 10 × the label colour's channel mean).</summary>
    public const string Clip = "tiny/clip";

    /// <summary>The SigLIP-shaped dual encoder (zero-shot-image-classification: a sigmoid per label).</summary>
    public const string Siglip = "tiny/siglip";

    /// <summary>The pixel limit the server runs with.</summary>
    public const long MaxPixels = 100_000;

    private readonly string _root;

    private VisionTaskServer(string root, TestServer server, MediaOrigin origin)
    {
        _root = root;
        Server = server;
        Origin = origin;
    }

    /// <summary>A 40 × 30 pure red PNG.</summary>
    public static byte[] RedPng { get; } = Png(40, 30, 255, 0, 0);

    /// <summary>The running server.</summary>
    public TestServer Server { get; }

    /// <summary>The loopback origin serving <c>file/red.png</c>.</summary>
    public MediaOrigin Origin { get; }

    /// <summary>The URL of <see cref="RedPng"/> on the origin.</summary>
    public Uri RedPngUrl => Origin.Url("file/red.png");

    /// <summary>A PNG of <paramref name="width"/> × <paramref name="height"/> whose every pixel is (r, g, b).</summary>
    public static byte[] Png(int width, int height, byte r, byte g, byte b)
    {
        var rgb = new byte[width * height * 3];
        for (var i = 0; i < rgb.Length; i += 3)
        {
            (rgb[i], rgb[i + 1], rgb[i + 2]) = (r, g, b);
        }

        return PngEncoder.EncodeRgb(new RgbImage(width, height, rgb));
    }

    /// <summary>Writes the models, registers them, starts the origin and the server.</summary>
    public static async Task<VisionTaskServer> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("bytez-vision-").FullName;
        var files = Path.Combine(root, "files");
        var models = Path.Combine(root, "models");
        foreach (var (id, task, folder) in new[]
        {
            (Classifier, "image-classification", ImageClassifierModelWriter.Write(Path.Combine(files, "classifier"), imageSize: 32).Folder),
            (Detector, "object-detection", ObjectDetectorModelWriter.Write(Path.Combine(files, "detector"), pixelMask: true, shortestEdge: 64, longestEdge: 128).Folder),
            (Features, "image-feature-extraction", ImageFeatureModelWriter.Write(Path.Combine(files, "features"), imageSize: 32).Folder),
            (Clip, "zero-shot-image-classification", DualEncoderModelWriter.Write(Path.Combine(files, "clip"), DualEncoderStyle.Clip).Folder),
            (Siglip, "zero-shot-image-classification", DualEncoderModelWriter.Write(Path.Combine(files, "siglip"), DualEncoderStyle.Siglip).Folder),
        })
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = AddModelCommand.Run([folder, "--id", id, "--task", task, $"--Bytez:ModelsPath={models}"], output, error);
            if (code != 0)
            {
                throw new InvalidOperationException($"add-model {folder} as {task} failed ({code}): {error}");
            }
        }

        var origin = await MediaOrigin.StartAsync(new Dictionary<string, byte[]> { ["red.png"] = RedPng }).ConfigureAwait(false);
        var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = models,
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:Onnx:Sessions"] = "1",
            ["Bytez:Media:AllowPrivateUrls"] = "true",
            ["Bytez:Media:MaxPixels"] = MaxPixels.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).ConfigureAwait(false);
        return new VisionTaskServer(root, server, origin);
    }

    /// <summary>Stops the server and the origin and deletes the models.</summary>
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync().ConfigureAwait(false);
        await Origin.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
