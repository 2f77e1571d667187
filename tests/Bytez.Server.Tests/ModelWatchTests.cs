using System.Net;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Protocol;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using Microsoft.Extensions.DependencyInjection;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// Models added to or removed from the models directory of a running server: listed and served, or gone, within
/// seconds, without a restart. Real server on loopback, real llama.cpp on a tiny GGUF model.
/// </summary>
public sealed class ModelWatchTests : IAsyncDisposable
{
    private const string Chat = """{"messages": [{"role": "user", "content": "Hi"}], "params": {"max_new_tokens": 2}}""";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly string _root = Directory.CreateTempSubdirectory("bytez-watch-").FullName;
    private TestServer? _server;

    private string Models => Path.Combine(_root, "models");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Watch_ModelFolderCopiedIn_ListedAndRunsWithoutRestart()
    {
        var server = await StartAsync();
        using var client = server.CreateHttpClient();
        Assert.DoesNotContain("local/copied-in", await ListedAsync(client));

        CopyTinyModelTo(Path.Combine(Models, "local", "copied-in"));

        await WaitUntilAsync(async () => (await ListedAsync(client)).Contains("local/copied-in"));
        var (status, body, _) = await PostAsync(client, "local/copied-in", Chat);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Object, AssertOutput(body).ValueKind);
    }

    [Fact]
    public async Task Watch_ModelFolderDeleted_LeavesCatalogAndRequestsGet404()
    {
        var folder = Path.Combine(Models, "local", "short-lived");
        CopyTinyModelTo(folder);
        var server = await StartAsync();
        using var client = server.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, "local/short-lived", Chat)).Status);
        Assert.NotNull(server.Services.GetRequiredService<InferenceEngine>().Scheduler.Get("local/short-lived"));

        Directory.Delete(folder, recursive: true);

        await WaitUntilAsync(async () => !(await ListedAsync(client)).Contains("local/short-lived"));
        var (status, body, _) = await PostAsync(client, "local/short-lived", Chat);
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertErrorEnvelope(body);
        Assert.Null(server.Services.GetRequiredService<InferenceEngine>().Scheduler.Get("local/short-lived"));
    }

    [Fact]
    public async Task Refresh_FolderDeletedDuringRequest_RequestFinishesAndLaterOnesGetNotFound()
    {
        var folder = Path.Combine(Models, "local", "in-flight");
        CopyTinyModelTo(folder);
        var server = await StartAsync();
        var engine = server.Services.GetRequiredService<InferenceEngine>();
        var request = new RunRequest
        {
            Messages = [new ChatMessage("user", "Hi")],
            Params = JsonSerializer.SerializeToElement(new ModelParameters { MaxNewTokens = 4 }, ProtocolJsonContext.Default.ModelParameters),
        };
        var pieces = await engine.StartStreamAsync("local/in-flight", request, Ct);

        Directory.Delete(folder, recursive: true);
        var changes = server.Services.GetRequiredService<ModelDirectoryWatcher>().Refresh();

        Assert.Equal(["local/in-flight"], changes.Removed);
        Assert.Null(engine.Catalog.Find("local/in-flight"));
        Assert.Null(engine.Scheduler.Get("local/in-flight"));
        var text = new System.Text.StringBuilder();
        await foreach (var piece in pieces.WithCancellation(Ct))
        {
            text.Append(piece);
        }

        Assert.NotEqual(0, text.Length);
        var late = await Assert.ThrowsAsync<EngineException>(async () => await engine.RunAsync("local/in-flight", request, Ct));
        Assert.Equal(EngineErrorKind.NotFound, late.Kind);
    }

    [Fact]
    public async Task Watch_HalfCopiedFolder_NotListedThenServedOnceComplete()
    {
        var server = await StartAsync();
        using var client = server.CreateHttpClient();
        var source = WriteTinyModel();
        var folder = Path.Combine(Models, "local", "slow-copy");
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, "model.gguf");
        await using (var partial = File.Create(target))
        {
            await partial.WriteAsync((await File.ReadAllBytesAsync(source, Ct)).AsMemory(0, 200), Ct);
        }

        // The half-written file is read (and fails) before the copy finishes.
        var changes = server.Services.GetRequiredService<ModelDirectoryWatcher>().Refresh();
        Assert.DoesNotContain("local/slow-copy", changes.Added);
        Assert.DoesNotContain("local/slow-copy", await ListedAsync(client));

        File.Copy(source, target, overwrite: true);

        await WaitUntilAsync(async () => (await ListedAsync(client)).Contains("local/slow-copy"));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, "local/slow-copy", Chat)).Status);
    }

    [Fact]
    public async Task Rescan_FileEventsOff_FindsCopiedModelAnyway()
    {
        var server = await StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:ModelWatch:Events"] = "false",
            ["Bytez:ModelWatch:RescanInterval"] = "00:00:00.500",
        });
        using var client = server.CreateHttpClient();

        CopyTinyModelTo(Path.Combine(Models, "local", "rescanned"));

        await WaitUntilAsync(async () => (await ListedAsync(client)).Contains("local/rescanned"));
    }

    [Fact]
    public async Task AddModel_RunningServer_ListedWithoutRestartAndSaysSo()
    {
        var server = await StartAsync();
        using var client = server.CreateHttpClient();
        var file = WriteTinyModel();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = AddModelCommand.Run([file, "--id", "local/added-live", $"--Bytez:ModelsPath={Models}"], output, error);

        Assert.Equal(0, code);
        Assert.DoesNotContain("Restart", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("A server running on this models directory serves it within seconds", output.ToString(), StringComparison.Ordinal);
        await WaitUntilAsync(async () => (await ListedAsync(client)).Contains("local/added-live"));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, "local/added-live", Chat)).Status);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<TestServer> StartAsync(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Bytez:ModelsPath"] = Models,
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:LlamaCpp:Threads"] = "1",
            ["Bytez:ModelWatch:Debounce"] = "00:00:00.200",
            ["Bytez:ModelWatch:RescanInterval"] = "0",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        Directory.CreateDirectory(Models);
        _server = await TestServer.StartAsync(settings);
        return _server;
    }

    // A tiny chat GGUF written outside the models directory.
    private string WriteTinyModel() =>
        GgufModelWriter.WriteTinyLlama(Path.Combine(_root, "files", $"tiny-{Guid.NewGuid():N}.gguf")).Path;

    // Copies a model folder the way a user would: the folder first, then its file.
    private void CopyTinyModelTo(string folder)
    {
        var source = WriteTinyModel();
        Directory.CreateDirectory(folder);
        File.Copy(source, Path.Combine(folder, "model.gguf"));
    }

    private static async Task<HashSet<string>> ListedAsync(HttpClient client)
    {
        var (status, body, _) = await GetAsync(client, "list/models");
        Assert.Equal(HttpStatusCode.OK, status);
        return AssertOutput(body).EnumerateArray().Select(m => m.GetProperty("modelId").GetString()!).ToHashSet(StringComparer.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {Patience.TotalSeconds} s");
            await Task.Delay(100, Ct);
        }
    }
}
