using Bytez.Server.Hosting;
using Bytez.Testing.TinyModels;

namespace Bytez.Testing;

/// <summary>
/// A real server that serves the tiny VisionEncoderDecoder captioners of <see cref="VisionEncoderDecoderModelWriter"/>
/// (the caption of an image is " a &lt;dominant colour&gt; square"), registered with the server's own <c>add-model</c>
/// command: <see cref="VitGpt2"/> with a merged GPT-2-style decoder (self-attention cache only) added without
/// <c>--task</c> (its <c>vision-encoder-decoder</c> <c>model_type</c> names the task) and <see cref="TrOcr"/> with split
/// TrOCR-style decoders (self- and cross-attention caches) added as <c>image-to-text</c>; a
/// pixel limit of 100,000, private media URLs allowed, and a loopback origin serving <see cref="RedPng"/> as
/// <c>file/red.png</c>.
/// </summary>
public sealed class CaptionServer : IAsyncDisposable
{
    /// <summary>The ViT-GPT2-shaped captioner (<c>decoder_model_merged.onnx</c>), added without a task.</summary>
    public const string VitGpt2 = "tiny/vit-gpt2-captioning";

    /// <summary>The same design as a TrOCR export: <c>decoder_model.onnx</c> + <c>decoder_with_past_model.onnx</c>, a <c>trocr</c> decoder caching cross-attention.</summary>
    public const string TrOcr = "tiny/trocr-split";

    /// <summary>The pixel limit the server runs with.</summary>
    public const long MaxPixels = 100_000;

    private readonly string _root;

    private CaptionServer(string root, TestServer server, MediaOrigin origin)
    {
        _root = root;
        Server = server;
        Origin = origin;
    }

    /// <summary>A 40 × 30 pure red PNG: " a red square".</summary>
    public static byte[] RedPng { get; } = VisionTaskServer.Png(40, 30, 255, 0, 0);

    /// <summary>The running server.</summary>
    public TestServer Server { get; }

    /// <summary>The loopback origin serving <c>file/red.png</c>.</summary>
    public MediaOrigin Origin { get; }

    /// <summary>The URL of <see cref="RedPng"/> on the origin.</summary>
    public Uri RedPngUrl => Origin.Url("file/red.png");

    /// <summary>Writes the models, registers them, starts the origin and the server.</summary>
    public static async Task<CaptionServer> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("bytez-caption-").FullName;
        var files = Path.Combine(root, "files");
        var models = Path.Combine(root, "models");
        foreach (var (id, task, options) in new[]
        {
            (VitGpt2, (string?)null, new VisionEncoderDecoderOptions()),
            (TrOcr, "image-to-text", new VisionEncoderDecoderOptions { Layout = Seq2SeqWriterLayout.Split, CrossAttentionCache = true }),
        })
        {
            var folder = VisionEncoderDecoderModelWriter.Write(Path.Combine(files, id.Replace('/', '_')), options).Folder;
            using var output = new StringWriter();
            using var error = new StringWriter();
            string[] arguments = task is null
                ? [folder, "--id", id, $"--Bytez:ModelsPath={models}"]
                : [folder, "--id", id, "--task", task, $"--Bytez:ModelsPath={models}"];
            var code = AddModelCommand.Run(arguments, output, error);
            if (code != 0)
            {
                throw new InvalidOperationException($"add-model {folder} failed ({code}): {error}");
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
        return new CaptionServer(root, server, origin);
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
