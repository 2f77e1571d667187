using System.Net;
using System.Text;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>The cluster lifecycle over raw HTTP: create, read, update, off/on, delete, list; queues and their limit.</summary>
public sealed class ClusterApiTests
{
    private const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";

    [Fact]
    public async Task Lifecycle_CreateReadUpdateDelete_HasTheReferenceShapes()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateHttpClient();

        var (created, createBody, _) = await SendAsync(client, HttpMethod.Put, MiniLm, """{"timeout": 7, "capacity": {"min": 0, "desired": 1, "max": 2}, "config": {"x": 1}}""");
        Assert.Equal(HttpStatusCode.Accepted, created);
        Assert.Equal("Loading", AssertOutput(createBody).GetString());

        var running = await WaitForStatusAsync(client, MiniLm, "running");
        Assert.Equal(["capacity", "created", "inferences", "instances", "lastInference", "modelId", "modified", "status", "timeout"],
            running.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(7, running.GetProperty("timeout").GetInt32());
        Assert.Equal(2, running.GetProperty("capacity").GetProperty("max").GetInt32());
        Assert.Equal(1, running.GetProperty("instances").GetInt32());

        var (conflict, conflictBody, _) = await SendAsync(client, HttpMethod.Put, MiniLm, "{}");
        Assert.Equal(HttpStatusCode.Conflict, conflict);
        Assert.Equal("Cluster already exists", AssertErrorEnvelope(conflictBody));

        await PostAsync(client, MiniLm, """{"input": "counted"}""");
        var (_, patched, _) = await SendAsync(client, new HttpMethod("PATCH"), MiniLm, """{"timeout": 20}""");
        Assert.Equal(20, AssertOutput(patched).GetProperty("timeout").GetInt32());
        Assert.Equal(1, AssertOutput(patched).GetProperty("inferences").GetInt32());

        var (_, list, _) = await GetAsync(client, "list/clusters");
        Assert.Contains(AssertOutput(list).EnumerateArray(), c => c.GetProperty("modelId").GetString() == MiniLm);

        var (deleted, deleteBody, _) = await SendAsync(client, HttpMethod.Delete, MiniLm);
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, AssertOutput(deleteBody).ValueKind);
        var (gone, _, _) = await GetAsync(client, MiniLm);
        Assert.Equal(HttpStatusCode.NotFound, gone);
    }

    [Fact]
    public async Task Create_ThenRestart_ClusterComesBackWithItsSettingsAndWarmMinimum()
    {
        var home = Path.Combine(Path.GetTempPath(), "bytez-cluster-restart-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?> { ["Bytez:Home"] = home };
        try
        {
            await using (var first = await TestServer.StartAsync(settings))
            {
                using var client = first.CreateHttpClient();
                var (created, _, _) = await SendAsync(client, HttpMethod.Put, MiniLm, """{"timeout": 7, "capacity": {"min": 1, "desired": 1, "max": 2}, "config": {"x": 1}}""");
                Assert.Equal(HttpStatusCode.Accepted, created);
                await WaitForStatusAsync(client, MiniLm, "running");
            }

            await using (var second = await TestServer.StartAsync(settings))
            {
                using var client = second.CreateHttpClient();
                // Loaded again without any request: the warm minimum.
                var restored = await WaitForStatusAsync(client, MiniLm, "running");
                Assert.Equal(7, restored.GetProperty("timeout").GetInt32());
                Assert.Equal(1, restored.GetProperty("capacity").GetProperty("min").GetInt32());
                Assert.Equal(2, restored.GetProperty("capacity").GetProperty("max").GetInt32());
                Assert.Equal(1, restored.GetProperty("instances").GetInt32());

                var (deleted, _, _) = await SendAsync(client, HttpMethod.Delete, MiniLm);
                Assert.Equal(HttpStatusCode.OK, deleted);
            }

            await using (var third = await TestServer.StartAsync(settings))
            {
                using var client = third.CreateHttpClient();
                var (gone, _, _) = await GetAsync(client, MiniLm);
                Assert.Equal(HttpStatusCode.NotFound, gone);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task Update_TurnedOffThenRestart_StaysOff()
    {
        var home = Path.Combine(Path.GetTempPath(), "bytez-cluster-off-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?> { ["Bytez:Home"] = home };
        try
        {
            await using (var first = await TestServer.StartAsync(settings))
            {
                using var client = first.CreateHttpClient();
                await PostAsync(client, MiniLm, """{"input": "cold start"}""");
                var (patched, _, _) = await SendAsync(client, new HttpMethod("PATCH"), MiniLm, """{"status": "off", "timeout": 3}""");
                Assert.Equal(HttpStatusCode.OK, patched);
            }

            await using var second = await TestServer.StartAsync(settings);
            using var again = second.CreateHttpClient();
            var (status, body, _) = await GetAsync(again, MiniLm);

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("off", AssertOutput(body).GetProperty("status").GetString());
            Assert.Equal(3, AssertOutput(body).GetProperty("timeout").GetInt32());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task Run_WithoutCluster_CreatesOneWithDefaults()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateHttpClient();

        await PostAsync(client, MiniLm, """{"input": "cold start"}""");
        var (status, body, _) = await GetAsync(client, MiniLm);

        Assert.Equal(HttpStatusCode.OK, status);
        var cluster = AssertOutput(body);
        Assert.Equal("running", cluster.GetProperty("status").GetString());
        Assert.Equal(10, cluster.GetProperty("timeout").GetInt32());
        Assert.Equal(1, cluster.GetProperty("inferences").GetInt32());
    }

    [Fact]
    public async Task Patch_OffThenOn_RefusesRunsWhileOff()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateHttpClient();
        await PostAsync(client, MiniLm, """{"input": "load"}""");

        var (_, off, _) = await SendAsync(client, new HttpMethod("PATCH"), MiniLm, """{"status": "off"}""");
        Assert.Equal("off", AssertOutput(off).GetProperty("status").GetString());
        var (refused, refusedBody, _) = await PostAsync(client, MiniLm, """{"input": "nope"}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused);
        Assert.Contains("turned off", AssertErrorEnvelope(refusedBody), StringComparison.Ordinal);

        await SendAsync(client, new HttpMethod("PATCH"), MiniLm, """{"status": "on"}""");
        var (ok, _, _) = await PostAsync(client, MiniLm, """{"input": "again"}""");
        Assert.Equal(HttpStatusCode.OK, ok);
    }

    [Theory]
    [InlineData("PUT", """{"timeout": 0}""", "timeout")]
    [InlineData("PUT", """{"capacity": {"min": 3, "desired": 1, "max": 2}}""", "capacity")]
    [InlineData("PUT", """{"status": "off"}""", "PATCH")]
    [InlineData("PUT", """[1]""", "JSON object")]
    [InlineData("PATCH", """{"status": "sideways"}""", "on")]
    public async Task Cluster_BadBody_Is400(string method, string json, string part)
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateHttpClient();
        if (method == "PATCH")
        {
            await SendAsync(client, HttpMethod.Put, MiniLm, "{}");
        }

        var (status, body, _) = await SendAsync(client, new HttpMethod(method), MiniLm, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(part, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_UnknownModel_Is404()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateHttpClient();

        var (status, body, _) = await SendAsync(client, HttpMethod.Put, "openai-community/gpt2", "{}");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.StartsWith("Model does not exist", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_QueueFull_Is429WithRetryAfter()
    {
        await using var generation = await GenerationServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:Scheduler:ConcurrencyPerInstance"] = "1",
            ["Bytez:Scheduler:QueueLimit"] = "1",
        });
        using var client = generation.Server.CreateHttpClient();
        const string slow = """{"input": "Go", "params": {"max_new_tokens": 3000, "min_new_tokens": 3000}, "stream": true}""";

        // One request runs (streaming for seconds), one waits in the queue; the third is refused.
        using var running = await client.SendAsync(Streaming(GenerationServer.SlowGgufModel, slow), HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var queued = client.SendAsync(Streaming(GenerationServer.SlowGgufModel, slow), HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        var (status, body, response) = await PostAsync(client, GenerationServer.SlowGgufModel, """{"input": "Hi", "params": {"max_new_tokens": 2}}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.StartsWith("Rate limit exceeded", AssertErrorEnvelope(body), StringComparison.Ordinal);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.False(queued.IsCompleted);
        running.Dispose();
        (await queued).Dispose();
    }

    private static HttpRequestMessage Streaming(string model, string json) =>
        new(HttpMethod.Post, model) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static async Task<System.Text.Json.JsonElement> WaitForStatusAsync(HttpClient client, string model, string status)
    {
        for (var i = 0; i < 200; i++)
        {
            var (_, body, _) = await GetAsync(client, model);
            var cluster = AssertOutput(body);
            if (cluster.GetProperty("status").GetString() == status)
            {
                return cluster;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"{model} never reached {status}");
    }
}
