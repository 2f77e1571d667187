using Bytez.Engine.Embedded;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.Hub;
using Bytez.Testing.TinyModels;

namespace Bytez.Docs.Tests.Markdown;

/// <summary>
/// A real server on loopback that serves every model the documentation's examples name: the two embedded models
/// (linked from the shared test model store), a tiny GGUF chat model registered with <c>add-model</c> under the
/// README's <see cref="ChatModel"/> id, and a fake hub that holds <see cref="HubModel"/> for the request examples.
/// </summary>
public sealed class DocsServer : IAsyncDisposable
{
    /// <summary>The chat model the README adds from disk.</summary>
    public const string ChatModel = "Qwen/Qwen2.5-0.5B-Instruct";

    /// <summary>The model the README requests from the hub.</summary>
    public const string HubModel = "HuggingFaceTB/SmolLM2-135M-Instruct";

    private readonly string _root;

    private DocsServer(string root, HubTestServer hub)
    {
        _root = root;
        Hub = hub;
    }

    /// <summary>The server and its fake hub.</summary>
    public HubTestServer Hub { get; }

    /// <summary>The running server.</summary>
    public TestServer Server => Hub.Server;

    /// <summary>Writes and registers the models, starts the hub and the server.</summary>
    /// <exception cref="InvalidOperationException">add-model refused the tiny model.</exception>
    public static async Task<DocsServer> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("bytez-docs-").FullName;
        var models = Path.Combine(root, "models");
        foreach (var spec in EmbeddedModels.All)
        {
            EmbeddedModels.EnsureExtracted(TestServer.SharedModelsPath, spec);
            var link = Path.Combine(models, spec.Id);
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            Directory.CreateSymbolicLink(link, Path.Combine(TestServer.SharedModelsPath, spec.Id));
        }

        var gguf = GgufModelWriter.WriteTinyLlama(Path.Combine(root, "files", "qwen-tiny.gguf"), new GgufTinyOptions { ContextLength = 1024 });
        using var output = new StringWriter();
        using var error = new StringWriter();
        if (AddModelCommand.Run([gguf.Path, "--id", ChatModel, $"--Bytez:ModelsPath={models}"], output, error) != 0)
        {
            throw new InvalidOperationException($"add-model failed: {error}");
        }

        var hub = await HubTestServer.StartAsync(new Dictionary<string, string?> { ["Bytez:ModelsPath"] = models }).ConfigureAwait(false);
        hub.Hub.AddOnnxDecoder(HubModel);
        return new DocsServer(root, hub);
    }

    /// <summary>Stops the server and the hub and deletes the models (never the linked embedded ones).</summary>
    public async ValueTask DisposeAsync()
    {
        await Hub.DisposeAsync().ConfigureAwait(false);
        try
        {
            foreach (var spec in EmbeddedModels.All)
            {
                Directory.Delete(Path.Combine(_root, "models", spec.Id));   // the link only
            }

            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
