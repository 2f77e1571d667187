using Bytez.Engine;
using Bytez.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

using Bytez.Bench.Http;

namespace Bytez.Bench.Load;

/// <summary>
/// The real server (<see cref="BytezServer.Create"/>: Kestrel, API-key auth) in this process on a loopback port the OS
/// picks, with a fresh home, extra configuration arguments (the setting under test), and as many SDK clients as asked.
/// </summary>
internal sealed class LoadServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _key;
    private readonly List<BytezClient> _clients = [];

    private LoadServer(WebApplication app, string home, Uri baseAddress, string key, string label)
    {
        _app = app;
        Home = home;
        BaseAddress = baseAddress;
        _key = key;
        Label = label;
        Engine = app.Services.GetRequiredService<InferenceEngine>();
        Onnx = app.Services.GetRequiredService<Bytez.Engine.Onnx.OnnxRuntimeOptions>();
        LlamaCpp = app.Services.GetRequiredService<Bytez.Engine.LlamaCpp.LlamaCppOptions>();
    }

    public string Home { get; }

    public Uri BaseAddress { get; }

    /// <summary>The API key the server accepts (for load generators outside the SDK).</summary>
    public string Key => _key;

    public string Label { get; }

    public InferenceEngine Engine { get; }

    public Bytez.Engine.Onnx.OnnxRuntimeOptions Onnx { get; }

    public Bytez.Engine.LlamaCpp.LlamaCppOptions LlamaCpp { get; }

    /// <summary>
    /// Starts a server. <paramref name="modelsRoot"/>: an existing models folder (the embedded models installed into it at
    /// start) or <see langword="null"/> for a fresh one under the home, into which <paramref name="generationModels"/> are
    /// registered as <c>add-model</c> does (embedded models off).
    /// </summary>
    public static async Task<LoadServer> StartAsync(
        string label, string? modelsRoot, IEnumerable<(string Path, string Id)>? generationModels, params string[] settings)
    {
        var home = Path.Combine(Path.GetTempPath(), "bytez-bench-load-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        var key = "bench-key-" + Guid.NewGuid().ToString("N");
        var args = new List<string> { "--urls", "http://127.0.0.1:0", $"--Bytez:Home={home}", $"--Bytez:Key={key}" };
        if (modelsRoot is not null)
        {
            args.Add($"--Bytez:ModelsPath={modelsRoot}");
        }
        else
        {
            var root = Path.Combine(home, "models");
            var store = EngineServices.CreateStore(new BytezServerOptions { Home = home, ModelsPath = root });
            foreach (var (path, id) in generationModels ?? [])
            {
                store.Add(path, id, Bytez.Protocol.BytezTasks.TextGeneration);
            }

            args.Add($"--Bytez:ModelsPath={root}");
            args.Add("--Bytez:EmbeddedModels=false");
        }

        args.AddRange(settings.Select(s => "--" + s));
        var (app, baseAddress) = await BenchServerHost.StartAsync([.. args]).ConfigureAwait(false);
        return new LoadServer(app, home, baseAddress, key, label);
    }

    /// <summary>A new SDK client of this server (disposed with the server).</summary>
    public BytezClient NewClient()
    {
        var client = new BytezClient(new BytezClientOptions { ApiKey = _key, BaseAddress = BaseAddress, Timeout = TimeSpan.FromHours(1) });
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
