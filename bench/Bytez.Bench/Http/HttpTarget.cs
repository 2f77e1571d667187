using Bytez.Engine;
using Bytez.Engine.Embedded;
using Bytez.Engine.Onnx;
using Bytez.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Bytez.Bench.Http;

/// <summary>
/// (c) The real server, built by <see cref="BytezServer.Create"/> (Kestrel, auth, the engine with its default options),
/// in this process on a loopback port the OS picks, and one <see cref="BytezClient"/> per simulated client.
/// </summary>
internal sealed class HttpTarget : IHttpTarget
{
    private readonly WebApplication _app;
    private readonly string _home;
    private readonly BytezClient[] _clients;
    private readonly BytezModel[] _models;
    private readonly HttpClient _raw;
    private readonly Uri _runUri;

    private HttpTarget(WebApplication app, string home, BytezClient[] clients, IEmbeddingInstance instance, string description, Uri baseAddress, string key)
    {
        _raw = new HttpClient(new SocketsHttpHandler());
        _raw.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Key " + key);
        _runUri = new Uri(baseAddress, EmbeddedModels.MiniLM.Id);
        _app = app;
        _home = home;
        _clients = clients;
        _models = clients.Select(c => c.Model(EmbeddedModels.MiniLM.Id)).ToArray();
        ServerInstance = instance;
        Description = description;
    }

    public string Description { get; }

    public IEmbeddingInstance ServerInstance { get; }

    public static async Task<HttpTarget> StartAsync(string modelsRoot, int clients)
    {
        var home = Path.Combine(Path.GetTempPath(), "bytez-bench-home-" + Guid.NewGuid().ToString("N"));
        var key = "bench-key-" + Guid.NewGuid().ToString("N");
        string[] args = ["--urls", "http://127.0.0.1:0", $"--Bytez:Home={home}", $"--Bytez:ModelsPath={modelsRoot}", $"--Bytez:Key={key}"];
        var (app, baseAddress) = await BenchServerHost.StartAsync(args).ConfigureAwait(false);

        // The very instance the server answers with, so the in-process latency is of the same sessions.
        var engine = app.Services.GetRequiredService<InferenceEngine>();
        var model = engine.Catalog.Find(EmbeddedModels.MiniLM.Id)
            ?? throw new InvalidOperationException($"The server's catalog has no {EmbeddedModels.MiniLM.Id}.");
        var instance = (IEmbeddingInstance)await engine.GetInstanceAsync(model, CancellationToken.None).ConfigureAwait(false);
        var options = app.Services.GetRequiredService<OnnxRuntimeOptions>();

        var sdk = Enumerable.Range(0, clients)
            .Select(_ => new BytezClient(new BytezClientOptions { ApiKey = key, BaseAddress = baseAddress }))
            .ToArray();
        var description =
            $"in-process server from `BytezServer.Create` on {baseAddress} (Kestrel, HTTP/1.1, API-key auth, log level Warning), " +
            $"engine options as the server registers them: {options.EffectiveSessions} sessions × {options.IntraOpThreads} thread, MaxBatchSize {options.MaxBatchSize}; " +
            $"{clients} `BytezClient`s (one each), `Model(id).RunAsync(sentence)` then `GetEmbedding()`; client and server share the {Environment.ProcessorCount} cores";
        return new HttpTarget(app, home, sdk, instance, description, baseAddress, key);
    }

    public async Task<float[]> EmbedOneAsync(int client, string text)
    {
        var result = await _models[client].RunAsync(text).ConfigureAwait(false);
        return result.GetEmbedding();
    }

    public async Task<int> PostRawAsync(string text)
    {
        using var content = new ByteArrayContent(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new RawBody(text), RawJsonContext.Default.RawBody));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await _raw.PostAsync(_runUri, content).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false)).Length;
    }

    public async ValueTask DisposeAsync()
    {
        _raw.Dispose();
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

internal sealed record RawBody([property: System.Text.Json.Serialization.JsonPropertyName("input")] string Input);

[System.Text.Json.Serialization.JsonSerializable(typeof(RawBody))]
internal sealed partial class RawJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
