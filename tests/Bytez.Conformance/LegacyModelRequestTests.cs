using System.Diagnostics;
using System.Text.Json;
using Bytez.Testing;
using Bytez.Testing.Hub;
using Bytez.Testing.TinyModels;

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
        await using var hub = await FakeHub.StartAsync();
        var repo = hub.AddRepository("legacy-org/tiny-GGUF");
        repo.PipelineTag = "text-generation";
        var root = Directory.CreateTempSubdirectory("bytez-legacy-request-").FullName;
        var gguf = GgufModelWriter.WriteTinyLlama(Path.Combine(root, "tiny-Q4_K_M.gguf"));
        repo.AddFile("tiny-Q4_K_M.gguf", File.ReadAllBytes(gguf.Path));
        hub.BytesPerSecond = new FileInfo(gguf.Path).Length / 2;
        try
        {
            await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
            {
                ["Bytez:ModelsPath"] = Path.Combine(root, "models"),
                ["Bytez:EmbeddedModels"] = "false",
                ["Bytez:Hub:Endpoint"] = hub.Endpoint,
                ["Bytez:Hub:CachePath"] = Path.Combine(root, "hf-cache"),
                ["Bytez:LlamaCpp:Threads"] = "1",
            });

            var queued = await OfficialJsClient.CallV0Async(server, "process", new { modelId = repo.Id });
            var repeated = await OfficialJsClient.CallV0Async(server, "process", new { modelId = repo.Id });
            var available = await PollAsync(server, repo.Id, "Model available");

            Assert.Equal(repo.Id, queued.GetProperty("model").GetString());
            Assert.True(queued.GetProperty("success").GetBoolean());
            Assert.Equal(repo.Id, repeated.GetProperty("model").GetString());
            Assert.Equal("Model is already queued", repeated.GetProperty("message").GetString());
            Assert.Equal(JsonValueKind.String, repeated.GetProperty("startTime").ValueKind);
            Assert.Equal(JsonValueKind.String, available.GetProperty("startTime").ValueKind);
            Assert.Equal(JsonValueKind.String, available.GetProperty("endTime").ValueKind);
            var listed = await OfficialJsClient.CallV0Async(server, "listAll");
            Assert.Contains(listed.EnumerateArray(), m => m.GetProperty("modelId").GetString() == repo.Id);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
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
