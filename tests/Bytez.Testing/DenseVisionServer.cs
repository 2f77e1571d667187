using Bytez.Media.Images;
using Bytez.Server.Hosting;
using Bytez.Testing.TinyModels;

namespace Bytez.Testing;

/// <summary>
/// A real server with the tiny segmenter (image-segmentation) and the tiny depth model (depth-estimation), added from
/// local folders with the server's own <c>add-model</c> command; the images their answers are known for.
/// </summary>
public sealed class DenseVisionServer : IAsyncDisposable
{
    /// <summary>The segmenter's id.</summary>
    public const string Segmenter = "tiny/segformer";

    /// <summary>The depth model's id.</summary>
    public const string Depth = "tiny/depth";

    private string _root = null!;

    /// <summary>The running server.</summary>
    public TestServer Server { get; private set; } = null!;

    /// <summary>A 32×32 PNG, red on the left half and green on the right.</summary>
    public static byte[] RedGreen() => Image(32, 32, x => x < 16 ? [255, 0, 0] : [0, 255, 0]);

    /// <summary>A 28×28 PNG, black on the left half and white on the right.</summary>
    public static byte[] BlackWhite() => Image(28, 28, x => x < 14 ? [0, 0, 0] : [255, 255, 255]);

    private static byte[] Image(int width, int height, Func<int, byte[]> colour)
    {
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                colour(x).CopyTo(rgb, ((y * width) + x) * 3);
            }
        }

        return PngEncoder.EncodeRgb(new RgbImage(width, height, rgb));
    }

    /// <summary>Writes the models, adds them and starts the server.</summary>
    public static async Task<DenseVisionServer> StartAsync()
    {
        var vision = new DenseVisionServer();
        await vision.InitializeAsync().ConfigureAwait(false);
        return vision;
    }

    private async ValueTask InitializeAsync()
    {
        _root = Directory.CreateTempSubdirectory("bytez-dense-vision-").FullName;
        var segmenter = ImageSegmenterModelWriter.Write(Path.Combine(_root, "files", "segmenter"), imageSize: 32);
        var depth = DepthModelWriter.Write(Path.Combine(_root, "files", "depth"), imageSize: 28);
        var models = Path.Combine(_root, "models");
        foreach (var (folder, id, task) in new[] { (segmenter.Folder, Segmenter, "image-segmentation"), (depth.Folder, Depth, "depth-estimation") })
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = AddModelCommand.Run([folder, "--id", id, "--task", task, $"--Bytez:ModelsPath={models}"], output, error);
            if (code != 0)
            {
                throw new InvalidOperationException($"add-model {folder} as {task} failed ({code}): {error}");
            }
        }

        Server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = models,
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:Onnx:Sessions"] = "1",
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
