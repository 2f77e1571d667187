#if !BENCH_NO_HTTP
using Bytez.Engine;
using Bytez.Engine.Onnx;
using Bytez.Protocol;
using Bytez.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Bytez.Bench.TextTasks;

/// <summary>
/// The real server (<see cref="BytezServer.Create"/>: Kestrel, API-key auth, the engine as the server registers it)
/// in this process on a loopback port, serving model folders registered as <c>add-model</c> does, and one SDK client
/// per simulated client.
/// </summary>
internal sealed class TextTaskServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _home;
    private readonly BytezClient[] _clients;

    private TextTaskServer(WebApplication app, string home, BytezClient[] clients)
    {
        _app = app;
        _home = home;
        _clients = clients;
        Engine = app.Services.GetRequiredService<InferenceEngine>();
        var onnx = app.Services.GetRequiredService<OnnxRuntimeOptions>();
        Description = $"in-process server from `BytezServer.Create` on loopback (Kestrel, HTTP/1.1, API-key auth, log level Warning), engine options as the server registers them: " +
            $"{onnx.EffectiveSessions} sessions × {onnx.IntraOpThreads} thread, MaxBatchSize {onnx.MaxBatchSize}; {clients.Length} `BytezClient`s, `Model(id).RunAsync(text)`; client and server share the {Environment.ProcessorCount} cores";
    }

    public InferenceEngine Engine { get; }

    public string Description { get; }

    public static async Task<TextTaskServer> StartAsync(IEnumerable<(string Folder, string Id, string Task)> models, int clients)
    {
        var home = Path.Combine(Path.GetTempPath(), "bytez-bench-home-" + Guid.NewGuid().ToString("N"));
        var modelsRoot = Path.Combine(home, "models");
        var store = EngineServices.CreateStore(new BytezServerOptions { Home = home, ModelsPath = modelsRoot });
        foreach (var (folder, id, task) in models)
        {
            store.Add(folder, id, task);
        }

        var key = "bench-key-" + Guid.NewGuid().ToString("N");
        string[] args =
        [
            "--urls", "http://127.0.0.1:0", $"--Bytez:Home={home}", $"--Bytez:ModelsPath={modelsRoot}", $"--Bytez:Key={key}",
            "--Bytez:EmbeddedModels=false",
            // The catalog is fixed for the run: a shared machine's temp-folder clean-up must not take the model away mid-run.
            "--Bytez:ModelWatch:Events=false", "--Bytez:ModelWatch:RescanInterval=00:00:00",
        ];
        var (app, baseAddress) = await Http.BenchServerHost.StartAsync(args).ConfigureAwait(false);
        var sdk = Enumerable.Range(0, clients)
            .Select(_ => new BytezClient(new BytezClientOptions { ApiKey = key, BaseAddress = baseAddress, Timeout = TimeSpan.FromHours(1) }))
            .ToArray();
        return new TextTaskServer(app, home, sdk);
    }

    /// <summary>One request through SDK client number <paramref name="client"/>; throws on an error answer.</summary>
    public async Task<BytezResult> RunAsync(int client, string modelId, string text, ModelParameters? parameters = null)
    {
        var result = await _clients[client].Model(modelId).RunAsync(text, parameters).ConfigureAwait(false);
        if (result.Error is not null)
        {
            throw new InvalidOperationException($"{modelId}: {result.Error}");
        }

        return result;
    }

    /// <summary>One media request (a sound, an image) through SDK client number <paramref name="client"/>; throws on an error answer.</summary>
    public async Task<BytezResult> RunMediaAsync(int client, string modelId, BytezMedia media, ModelParameters? parameters = null)
    {
        var result = await _clients[client].Model(modelId).RunAsync(media, parameters).ConfigureAwait(false);
        if (result.Error is not null)
        {
            throw new InvalidOperationException($"{modelId}: {result.Error}");
        }

        return result;
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
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
#endif
