using Bytez.Engine.Embedded;
using Bytez.Server.Hosting;
using Bytez.Testing.TinyModels;

namespace Bytez.Testing;

/// <summary>
/// A real server for usage metering: a tiny GGUF llama model (llama.cpp) and a tiny ONNX decoder (ONNX Runtime), both
/// written at test time in their real formats, and the embedded MiniLM embedding model (real weights), registered with
/// the server's own <c>add-model</c> command. Settings may name the data directory (<c>Bytez:Home</c>) so a second start
/// finds the first one's state; the models folder is rewritten on each start.
/// </summary>
public sealed class UsageServer : IAsyncDisposable
{
    /// <summary>The GGUF chat model.</summary>
    public const string GgufModel = "local/usage-gguf";

    /// <summary>The ONNX decoder chat model.</summary>
    public const string OnnxModel = "local/usage-onnx";

    /// <summary>The embedding model (MiniLM).</summary>
    public const string EmbeddingModel = "local/usage-minilm";

    private readonly string _root;

    private UsageServer(string root, TestServer server)
    {
        _root = root;
        Server = server;
    }

    /// <summary>The running server.</summary>
    public TestServer Server { get; }

    /// <summary>Writes and registers the models, then starts the server with <paramref name="settings"/> added.</summary>
    public static async Task<UsageServer> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var root = Directory.CreateTempSubdirectory("bytez-usage-").FullName;
        var gguf = GgufModelWriter.WriteTinyLlama(Path.Combine(root, "files", "tiny.gguf"), new GgufTinyOptions { ContextLength = 512 });
        var onnx = OnnxDecoderModelWriter.Write(Path.Combine(root, "files", "tiny-onnx"), new OnnxDecoderModelOptions { ContextLength = 256 });
        var minilm = EmbeddedModels.EnsureExtracted(TestServer.SharedModelsPath, EmbeddedModels.MiniLM).Path;
        var models = Path.Combine(root, "models");
        foreach (var (path, id, task) in new[] { (gguf.Path, GgufModel, (string?)null), (onnx.Folder, OnnxModel, null), (minilm, EmbeddingModel, "feature-extraction") })
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            string[] args = task is null
                ? [path, "--id", id, $"--Bytez:ModelsPath={models}"]
                : [path, "--id", id, "--task", task, $"--Bytez:ModelsPath={models}"];
            var code = AddModelCommand.Run(args, output, error);
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
            ["Bytez:Onnx:Sessions"] = "1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var server = await TestServer.StartAsync(all).ConfigureAwait(false);
        return new UsageServer(root, server);
    }

    /// <summary>Stops the server and deletes the models (the data directory too, unless the settings named it).</summary>
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
