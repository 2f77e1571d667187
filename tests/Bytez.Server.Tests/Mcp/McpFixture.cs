using Bytez.Engine.Embedded;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using ModelContextProtocol.Client;

namespace Bytez.Server.Tests.Mcp;

/// <summary>
/// One real server for the MCP tests, serving a model of each kind of answer: the real MiniLM embedding model (vectors:
/// JSON), the tiny ONNX decoder with a ChatML template (text and chat), and the tiny VITS voice (a WAV: audio), all
/// registered with <c>add-model</c>; and the official C# MCP client connected to its <c>/mcp</c> endpoint.
/// </summary>
public sealed class McpFixture : IAsyncLifetime
{
    /// <summary>The embedding model.</summary>
    public const string Embedder = "sentence-transformers/all-MiniLM-L6-v2";

    /// <summary>The generative model (ONNX decoder, ChatML chat template).</summary>
    public const string Generator = "local/tiny-onnx";

    /// <summary>The text-to-speech model.</summary>
    public const string Voice = "tiny/vits";

    private string _root = null!;

    /// <summary>The running server.</summary>
    public TestServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        _root = Directory.CreateTempSubdirectory("bytez-mcp-").FullName;
        var models = Path.Combine(_root, "models");
        var onnx = OnnxDecoderModelWriter.Write(Path.Combine(_root, "files", "tiny-onnx"), new OnnxDecoderModelOptions { ContextLength = 512 });
        var vits = VitsModelWriter.Write(Path.Combine(_root, "files", "vits"));
        var miniLm = EmbeddedModels.EnsureExtracted(TestServer.SharedModelsPath, EmbeddedModels.MiniLM);
        foreach (var (path, id, task) in new[] { (onnx.Folder, Generator, (string?)null), (vits.Folder, Voice, null), (miniLm.Path, Embedder, "feature-extraction") })
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            string[] args = task is null
                ? [path, "--id", id, $"--Bytez:ModelsPath={models}"]
                : [path, "--id", id, "--task", task, $"--Bytez:ModelsPath={models}"];
            var code = AddModelCommand.Run(args, output, error);
            Assert.True(code == 0, $"add-model {id} failed ({code}): {error}");
        }

        Server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = models,
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:Onnx:IntraOpThreads"] = "1",
            ["Bytez:Onnx:Sessions"] = "1",
        });
    }

    /// <summary>Connects the official MCP client to the server's <c>/mcp</c> with an Authorization header (none when null).</summary>
    public Task<McpClient> ConnectAsync(string? authorization = "Bearer " + TestServer.Key) => McpClients.ConnectAsync(Server, authorization);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
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
