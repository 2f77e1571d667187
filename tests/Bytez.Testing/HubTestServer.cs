using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Bytez.Protocol;
using Bytez.Testing.Hub;

namespace Bytez.Testing;

/// <summary>
/// A fake hub on loopback and a real server that requests models from it, with its own data directory, models
/// directory and hub cache (kept across <see cref="RestartAsync"/>, deleted on dispose). Embedded models are off.
/// </summary>
public sealed class HubTestServer : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _settings;

    private HubTestServer(FakeHub hub, string root, Dictionary<string, string?> settings, TestServer server)
    {
        Hub = hub;
        Root = root;
        _settings = settings;
        Server = server;
    }

    /// <summary>The fake hub the server downloads from.</summary>
    public FakeHub Hub { get; }

    /// <summary>The folder holding the data directory, models and cache.</summary>
    public string Root { get; }

    /// <summary>The running server.</summary>
    public TestServer Server { get; private set; }

    /// <summary>The server's Hugging Face hub cache.</summary>
    public string CachePath => Path.Combine(Root, "hf-cache");

    /// <summary>Starts the hub and the server; <paramref name="settings"/> adds or overrides configuration keys.</summary>
    public static async Task<HubTestServer> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var hub = await FakeHub.StartAsync().ConfigureAwait(false);
        var root = Directory.CreateTempSubdirectory("bytez-hub-server-").FullName;
        var all = new Dictionary<string, string?>
        {
            ["Bytez:Home"] = Path.Combine(root, "home"),
            ["Bytez:ModelsPath"] = Path.Combine(root, "models"),
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:Hub:Endpoint"] = hub.Endpoint,
            ["Bytez:Hub:CachePath"] = Path.Combine(root, "hf-cache"),
            ["Bytez:Hub:RetryDelay"] = "00:00:00.020",
            ["Bytez:Hub:MaxRetryDelay"] = "00:00:00.100",
            ["Bytez:LlamaCpp:Threads"] = "1",
            ["Bytez:Onnx:IntraOpThreads"] = "1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var server = await TestServer.StartAsync(all).ConfigureAwait(false);
        return new HubTestServer(hub, root, all, server);
    }

    /// <summary>Stops the server and starts a new one on the same data directory, models and cache.</summary>
    public async Task RestartAsync(IDictionary<string, string?>? changes = null)
    {
        await Server.DisposeAsync().ConfigureAwait(false);
        foreach (var (key, value) in changes ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        Server = await TestServer.StartAsync(_settings).ConfigureAwait(false);
    }

    /// <summary>An HttpClient for the server's API, with the test key.</summary>
    public HttpClient CreateClient() => Server.CreateHttpClient();

    /// <summary>Posts a model request (with an optional JSON body) and returns the status and the envelope.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> RequestAsync(
        HttpClient client, string modelId, string body = "", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri("request/" + modelId, UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Requests a model (with an optional JSON body), checks the request was accepted, and polls it until it ends.</summary>
    /// <exception cref="InvalidOperationException">The server refused the request.</exception>
    public async Task<ModelRequestStatus> RequestAndWaitAsync(string modelId, string body = "", CancellationToken cancellationToken = default)
    {
        using var client = CreateClient();
        var (status, answer) = await RequestAsync(client, modelId, body, cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The request for {modelId} was refused: {(int)status} {answer}");
        }

        return await WaitAsync(client, modelId, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Polls the request until it is ready or failed.</summary>
    public static Task<ModelRequestStatus> WaitAsync(HttpClient client, string modelId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitUntilAsync(client, modelId, s => ModelRequestStates.IsFinal(s.State), timeout, cancellationToken);

    /// <summary>Polls the request every 50 ms until the condition holds.</summary>
    /// <exception cref="TimeoutException">The condition did not hold in time (default 60 s); the message has the last state.</exception>
    public static async Task<ModelRequestStatus> WaitUntilAsync(
        HttpClient client, string modelId, Func<ModelRequestStatus, bool> condition, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        ModelRequestStatus? last = null;
        while (clock.Elapsed < limit)
        {
            last = await GetStatusAsync(client, modelId, cancellationToken).ConfigureAwait(false);
            if (last is not null && condition(last))
            {
                return last;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException(
            $"The request for {modelId} did not reach the expected state in {limit}; last: {last?.State} {last?.BytesDone}/{last?.BytesTotal} {last?.Error}");
    }

    /// <summary>The request's state, or <see langword="null"/> when the server has none (404).</summary>
    public static async Task<ModelRequestStatus?> GetStatusAsync(HttpClient client, string modelId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.GetAsync(new Uri("request/" + modelId, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return null;
        }

        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return document.RootElement.GetProperty("output").Deserialize(ProtocolJsonContext.Default.ModelRequestStatus);
    }

    /// <summary>Stops the server and the hub and deletes the folder.</summary>
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync().ConfigureAwait(false);
        await Hub.DisposeAsync().ConfigureAwait(false);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
