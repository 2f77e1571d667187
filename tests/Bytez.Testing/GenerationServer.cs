using Bytez.Server.Hosting;
using Bytez.Testing.TinyModels;

namespace Bytez.Testing;

/// <summary>
/// A real server that serves two tiny generative models in real formats, written at test time and registered from
/// local paths with the server's own <c>add-model</c> command: a GGUF llama model (llama.cpp) and an ONNX decoder in
/// the Optimum layout (ONNX Runtime). Both carry a ChatML chat template.
/// </summary>
public sealed class GenerationServer : IAsyncDisposable
{
    /// <summary>The id of the GGUF model.</summary>
    public const string GgufModel = "local/tiny-gguf";

    /// <summary>The id of the ONNX decoder model.</summary>
    public const string OnnxModel = "local/tiny-onnx";

    /// <summary>The id of an ONNX decoder whose chat template offers tools (Hermes-style calls).</summary>
    public const string ToolsModel = "local/tiny-tools";

    /// <summary>The id of a larger GGUF model whose long generations take seconds (for cancellation tests).</summary>
    public const string SlowGgufModel = "local/slow-gguf";

    private readonly string _root;

    private GenerationServer(string root, TestServer server, GgufTinyModel gguf, OnnxDecoderModel onnx)
    {
        _root = root;
        Server = server;
        Gguf = gguf;
        Onnx = onnx;
    }

    /// <summary>The running server.</summary>
    public TestServer Server { get; }

    /// <summary>The GGUF model as written.</summary>
    public GgufTinyModel Gguf { get; }

    /// <summary>The ONNX model as written.</summary>
    public OnnxDecoderModel Onnx { get; }

    /// <summary>
    /// Writes the models, registers them and starts the server; <paramref name="settings"/> adds configuration and
    /// <paramref name="configure"/> services (a fake clock, for example).
    /// </summary>
    public static async Task<GenerationServer> StartAsync(IDictionary<string, string?>? settings = null, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null)
    {
        var root = Directory.CreateTempSubdirectory("bytez-generation-").FullName;
        var gguf = GgufModelWriter.WriteTinyLlama(Path.Combine(root, "files", "tiny.gguf"), new GgufTinyOptions { ContextLength = 1024 });
        var onnx = OnnxDecoderModelWriter.Write(Path.Combine(root, "files", "tiny-onnx"), new OnnxDecoderModelOptions { ContextLength = 512 });
        var slow = GgufModelWriter.WriteTinyLlama(
            Path.Combine(root, "files", "slow.gguf"),
            new GgufTinyOptions { Layers = 8, EmbeddingLength = 256, Heads = 8, KeyValueHeads = 4, FeedForwardLength = 1024, ContextLength = 4096 });
        var tools = OnnxDecoderModelWriter.Write(
            Path.Combine(root, "files", "tiny-tools"), new OnnxDecoderModelOptions { ContextLength = 1024, ChatTemplate = OnnxDecoderModelWriter.ToolsChatTemplate });
        var models = Path.Combine(root, "models");
        foreach (var (path, id) in new[] { (gguf.Path, GgufModel), (onnx.Folder, OnnxModel), (slow.Path, SlowGgufModel), (tools.Folder, ToolsModel) })
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = AddModelCommand.Run([path, "--id", id, $"--Bytez:ModelsPath={models}"], output, error);
            if (code != 0)
            {
                throw new InvalidOperationException($"add-model {path} failed ({code}): {error}");
            }
        }

        var all = new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = models,
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:LlamaCpp:Threads"] = "1",
            ["Bytez:Onnx:IntraOpThreads"] = "1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var server = await TestServer.StartAsync(all, configure: configure).ConfigureAwait(false);
        return new GenerationServer(root, server, gguf, onnx);
    }

    /// <summary>Stops the server and deletes the models.</summary>
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
