using System.Text;
using Bytez.Bench.Generation;
using Bytez.Engine;
using Bytez.Protocol;
using Bytez.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Bytez.Bench.Http;

/// <summary>
/// (3) The real server (<see cref="BytezServer.Create"/>: Kestrel, API-key auth, the engine as the server registers it)
/// in this process on a loopback port the OS picks, serving the models registered under a fresh models directory
/// (embedded models off), and one <see cref="BytezClient"/> that streams from it.
/// </summary>
internal sealed class GenerationServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly BytezClient _client;
    private readonly HttpClient _raw;

    private GenerationServer(WebApplication app, BytezClient client, Uri baseAddress, string key)
    {
        _app = app;
        _client = client;
        _raw = new HttpClient(new SocketsHttpHandler()) { BaseAddress = baseAddress, Timeout = TimeSpan.FromHours(1) };
        _raw.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Key " + key);
        BaseAddress = baseAddress;
        Key = key;
        Engine = app.Services.GetRequiredService<InferenceEngine>();
        LlamaCpp = app.Services.GetRequiredService<Bytez.Engine.LlamaCpp.LlamaCppOptions>();
        Onnx = app.Services.GetRequiredService<Bytez.Engine.Onnx.OnnxRuntimeOptions>();
        OnnxDecoder = app.Services.GetRequiredService<Bytez.Engine.Onnx.Generation.OnnxDecoderOptions>();
    }

    public Uri BaseAddress { get; }

    /// <summary>The server's API key.</summary>
    public string Key { get; }

    /// <summary>The server's own engine: its instances are what the server answers with.</summary>
    public InferenceEngine Engine { get; }

    /// <summary>The llama.cpp options the server registered.</summary>
    public Bytez.Engine.LlamaCpp.LlamaCppOptions LlamaCpp { get; }

    /// <summary>The ONNX Runtime options the server registered.</summary>
    public Bytez.Engine.Onnx.OnnxRuntimeOptions Onnx { get; }

    /// <summary>The ONNX decoder options the server registered.</summary>
    public Bytez.Engine.Onnx.Generation.OnnxDecoderOptions OnnxDecoder { get; }

    /// <summary>
    /// Registers the models (as <c>add-model</c> does) under a fresh models directory in <paramref name="home"/>, then starts
    /// the server, with <paramref name="settings"/> (<c>--Section:Key=value</c>) added to its command line.
    /// </summary>
    public static async Task<GenerationServer> StartAsync(string home, IEnumerable<(string Path, string Id)> models, params string[] settings)
    {
        var modelsRoot = Path.Combine(home, "models");
        var store = EngineServices.CreateStore(new BytezServerOptions { Home = home, ModelsPath = modelsRoot });
        foreach (var (path, id) in models)
        {
            store.Add(path, id, BytezTasks.TextGeneration);
        }

        var key = "bench-key-" + Guid.NewGuid().ToString("N");
        string[] args =
        [
            "--urls", "http://127.0.0.1:0", $"--Bytez:Home={home}", $"--Bytez:ModelsPath={modelsRoot}", $"--Bytez:Key={key}",
            "--Bytez:EmbeddedModels=false", .. settings,
        ];
        var (app, baseAddress) = await BenchServerHost.StartAsync(args).ConfigureAwait(false);
        var client = new BytezClient(new BytezClientOptions { ApiKey = key, BaseAddress = baseAddress, Timeout = TimeSpan.FromHours(1) });
        return new GenerationServer(app, client, baseAddress, key);
    }

    /// <summary>One streamed request through the SDK's <c>StreamAsync</c>: greedy, exactly <paramref name="newTokens"/> new tokens, prompt not echoed.</summary>
    public async Task<GenerationRun> StreamAsync(string modelId, string prompt, int newTokens, int tokensAtFirst, string? dtype = null)
    {
        var parameters = new ModelParameters
        {
            MaxNewTokens = newTokens,
            MinNewTokens = newTokens,
            DoSample = false,
            ReturnFullText = false,
        };
        if (dtype is not null)
        {
            // The ONNX weight variant (params.dtype), through the SDK's bag of other parameters.
            parameters.AdditionalProperties["dtype"] = System.Text.Json.JsonSerializer.SerializeToElement(dtype, Bytez.Protocol.ProtocolJsonContext.Default.String);
        }

        var clock = new StreamClock();
        var text = new StringBuilder();
        await foreach (var piece in _client.Model(modelId).StreamAsync(prompt, parameters).ConfigureAwait(false))
        {
            clock.Piece(piece);
            text.Append(piece);
        }

        return clock.Finish(newTokens, text.ToString(), null, tokensAtFirst);
    }

    /// <summary>
    /// The same streamed request through a bare <see cref="HttpClient"/> (no SDK): the body pre-serialized, the response
    /// read as bytes with <see cref="HttpCompletionOption.ResponseHeadersRead"/> and decoded as UTF-8.
    /// </summary>
    public async Task<GenerationRun> StreamRawAsync(string modelId, byte[] body, int newTokens, int tokensAtFirst)
    {
        var clock = new StreamClock();
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, modelId) { Content = content };
        using var response = await _raw.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var decoder = Encoding.UTF8.GetDecoder();
            var buffer = new byte[4096];
            var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
            var text = new StringBuilder();
            int read;
            while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                var count = decoder.GetChars(buffer, 0, read, chars, 0, flush: false);
                clock.Piece(count > 0 ? "x" : string.Empty);
                text.Append(chars, 0, count);
            }

            return clock.Finish(newTokens, text.ToString(), null, tokensAtFirst);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _raw.Dispose();
        _client.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
