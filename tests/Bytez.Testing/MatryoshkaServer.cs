using System.Text.Json.Nodes;
using Bytez.Engine.Embedded;
using Bytez.Server.Hosting;

namespace Bytez.Testing;

/// <summary>
/// A real server with two copies of the embedded MiniLM (real weights) that declare Matryoshka widths the two ways
/// the engine reads: <see cref="ListedModel"/> with <c>matryoshka_dimensions</c> [384, 256, 128, 64] in its
/// <c>config.json</c> (vLLM's key), and <see cref="CardModel"/> with a model card whose front-matter tags name
/// <c>loss:MatryoshkaLoss</c> (as sentence-transformers writes cards), which allows any width. Registered with the
/// server's own <c>add-model</c> command; the embedded models are off (the embedded MiniLM declares no widths).
/// </summary>
public sealed class MatryoshkaServer : IAsyncDisposable
{
    /// <summary>MiniLM whose <c>config.json</c> lists Matryoshka widths.</summary>
    public const string ListedModel = "local/minilm-matryoshka-listed";

    /// <summary>MiniLM whose model card tags Matryoshka training.</summary>
    public const string CardModel = "local/minilm-matryoshka-card";

    private readonly string _root;

    private MatryoshkaServer(string root, TestServer server)
    {
        _root = root;
        Server = server;
    }

    /// <summary>The running server.</summary>
    public TestServer Server { get; }

    /// <summary>Writes the two copies, registers them and starts the server.</summary>
    public static async Task<MatryoshkaServer> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("bytez-matryoshka-").FullName;
        var source = EmbeddedModels.EnsureExtracted(TestServer.SharedModelsPath, EmbeddedModels.MiniLM).Path;
        var listed = Copy(source, Path.Combine(root, "files", "listed"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(listed, "config.json")))!.AsObject();
        config["matryoshka_dimensions"] = new JsonArray(384, 256, 128, 64);
        File.WriteAllText(Path.Combine(listed, "config.json"), config.ToJsonString());
        var card = Copy(source, Path.Combine(root, "files", "card"));
        File.WriteAllText(
            Path.Combine(card, "README.md"),
            "---\nlanguage:\n- en\ntags:\n- sentence-transformers\n- feature-extraction\n- loss:MatryoshkaLoss\npipeline_tag: sentence-similarity\n---\n\n# A MiniLM tagged as Matryoshka-trained\n");

        var models = Path.Combine(root, "models");
        foreach (var (folder, id) in new[] { (listed, ListedModel), (card, CardModel) })
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = AddModelCommand.Run([folder, "--id", id, "--task", "feature-extraction", $"--Bytez:ModelsPath={models}"], output, error);
            if (code != 0)
            {
                throw new InvalidOperationException($"add-model {folder} failed ({code}): {error}");
            }
        }

        var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = models,
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:Onnx:Sessions"] = "1",
        }).ConfigureAwait(false);
        return new MatryoshkaServer(root, server);
    }

    /// <summary>Stops the server and deletes the copies.</summary>
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

    private static string Copy(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative == "bytez-model.json")
            {
                continue; // the embedded model's sidecar; add-model writes the copy's own
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return to;
    }
}
