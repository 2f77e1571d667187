using System.Diagnostics;
using System.Text.Json;
using Bytez.Protocol;
using Bytez.Testing;
using Bytez.Testing.Hub;

namespace Bytez.Server.Tests;

/// <summary>
/// A fake hub on loopback and a real server that requests models from it, with its own data directory, models
/// directory and hub cache (kept across <see cref="RestartAsync"/>, deleted on dispose).
/// </summary>
internal sealed class HubServer : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _settings;

    private HubServer(FakeHub hub, string root, Dictionary<string, string?> settings, TestServer server)
    {
        Hub = hub;
        Root = root;
        _settings = settings;
        Server = server;
    }

    public FakeHub Hub { get; }

    public string Root { get; }

    public TestServer Server { get; private set; }

    public string CachePath => Path.Combine(Root, "hf-cache");

    public static async Task<HubServer> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var hub = await FakeHub.StartAsync();
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

        var server = await TestServer.StartAsync(all);
        return new HubServer(hub, root, all, server);
    }

    /// <summary>Stops the server and starts a new one on the same data directory, models and cache.</summary>
    public async Task RestartAsync(IDictionary<string, string?>? changes = null)
    {
        await Server.DisposeAsync();
        foreach (var (key, value) in changes ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        Server = await TestServer.StartAsync(_settings);
    }

    public HttpClient CreateClient() => Server.CreateHttpClient();

    /// <summary>Posts a model request and returns the status and the envelope.</summary>
    public async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> RequestAsync(HttpClient client, string modelId, string body = "")
    {
        var (status, json, _) = await Http.PostAsync(client, "request/" + modelId, body);
        return (status, json);
    }

    /// <summary>Polls the request until it is ready or failed.</summary>
    public static Task<ModelRequestStatus> WaitAsync(HttpClient client, string modelId, TimeSpan? timeout = null) =>
        WaitUntilAsync(client, modelId, s => ModelRequestStates.IsFinal(s.State), timeout);

    /// <summary>Polls the request until the condition holds.</summary>
    public static async Task<ModelRequestStatus> WaitUntilAsync(
        HttpClient client, string modelId, Func<ModelRequestStatus, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        ModelRequestStatus? last = null;
        while (deadline.Elapsed < limit)
        {
            last = await GetStatusAsync(client, modelId);
            if (last is not null && condition(last))
            {
                return last;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"The request for {modelId} did not reach the expected state in {limit}; last: {last?.State} {last?.BytesDone}/{last?.BytesTotal} {last?.Error}");
    }

    public static async Task<ModelRequestStatus?> GetStatusAsync(HttpClient client, string modelId)
    {
        var (status, body, _) = await Http.GetAsync(client, "request/" + modelId);
        return status == System.Net.HttpStatusCode.OK
            ? Http.AssertOutput(body).Deserialize(ProtocolJsonContext.Default.ModelRequestStatus)
            : null;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Hub.DisposeAsync();
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
