using System.Diagnostics;
using System.Text.Json;
using Bytez.Testing;
using Bytez.Testing.Hub;

namespace Bytez.Conformance;

/// <summary>
/// <c>client.process(id)</c> of the v1-era official client (bytez.js 0.4.2 from npm, unchanged) against a server whose
/// hub is a fake hub on loopback: the request queues a job, repeats say it is queued, then that the model is available.
/// </summary>
public sealed class LegacyModelRequestTests
{
    [Fact]
    public async Task Process_NewModel_QueuesThenReportsQueuedThenAvailable()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("legacy-org/tiny-GGUF", ["tiny-Q4_K_M.gguf"]);
        env.Hub.BytesPerSecond = repo.Size("tiny-Q4_K_M.gguf") / 2;

        var queued = await OfficialJsClient.CallV0Async(env.Server, "process", new { modelId = repo.Id });
        var repeated = await OfficialJsClient.CallV0Async(env.Server, "process", new { modelId = repo.Id });
        var available = await PollAsync(env.Server, repo.Id, "Model available");

        Assert.Equal(repo.Id, queued.GetProperty("model").GetString());
        Assert.True(queued.GetProperty("success").GetBoolean());
        Assert.Equal(repo.Id, repeated.GetProperty("model").GetString());
        Assert.Equal("Model is already queued", repeated.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.String, repeated.GetProperty("startTime").ValueKind);
        Assert.Equal(JsonValueKind.String, available.GetProperty("startTime").ValueKind);
        Assert.Equal(JsonValueKind.String, available.GetProperty("endTime").ValueKind);
        var listed = await OfficialJsClient.CallV0Async(env.Server, "listAll");
        Assert.Contains(listed.EnumerateArray(), m => m.GetProperty("modelId").GetString() == repo.Id);
    }

    [Fact]
    public async Task Process_InvalidModelId_ReturnsTheServersError()
    {
        await using var server = await TestServer.StartAsync();

        var result = await OfficialJsClient.CallV0Async(server, "process", new { modelId = "../etc/passwd" });

        Assert.Contains("not a valid model id", result.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    private static async Task<JsonElement> PollAsync(TestServer server, string modelId, string message)
    {
        var clock = Stopwatch.StartNew();
        JsonElement last = default;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            last = await OfficialJsClient.CallV0Async(server, "process", new { modelId });
            if (last.TryGetProperty("message", out var m) && m.GetString() == message)
            {
                return last;
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"process({modelId}) never answered '{message}'; last: {last}");
    }
}
