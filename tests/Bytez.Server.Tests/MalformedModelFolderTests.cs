using System.Net;
using Bytez.Protocol;
using Bytez.Testing;
using Bytez.Testing.Hub;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>
/// A models directory holding damaged model files next to a good model: the server starts, serves the good model,
/// and lists the damaged folders as failed (with the reason) instead of exiting on the first one. A damaged file
/// downloaded from the hub fails its job with the reason.
/// </summary>
public sealed class MalformedModelFolderTests
{
    private const string Good = "good/tiny-gguf";

    [Fact]
    public async Task Start_EvilGgufAndOnnxBesideAGoodModel_ServesTheGoodOneAndListsTheOthersAsFailed()
    {
        var root = Directory.CreateTempSubdirectory("bytez-malformed-").FullName;
        try
        {
            var models = Path.Combine(root, "models");
            GgufModelWriter.WriteTinyLlama(Path.Combine(models, "good", "tiny-gguf", "model.gguf"));
            MalformedModels.WriteGgufWithElementSumOverflow(Path.Combine(models, "evil", "sum-overflow", "model.gguf"));
            MalformedModels.WriteOnnxWithDimensionOverflow(Path.Combine(models, "evil", "dims-overflow", "onnx", "model.onnx"));
            File.WriteAllText(Path.Combine(models, "evil", "dims-overflow", "tokenizer.json"), "{}");

            await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
            {
                ["Bytez:ModelsPath"] = models,
                ["Bytez:EmbeddedModels"] = "false",
                ["Bytez:LlamaCpp:Threads"] = "1",
            });
            using var client = server.CreateHttpClient();

            var (_, listed, _) = await GetAsync(client, "list/models");
            var ids = AssertOutput(listed).EnumerateArray().Select(m => m.GetProperty("modelId").GetString()).ToList();
            Assert.Equal([Good], ids);

            var (status, failedBody, _) = await GetAsync(client, "list/failed");
            Assert.Equal(HttpStatusCode.OK, status);
            var failed = AssertOutput(failedBody).EnumerateArray().ToList();
            Assert.Equal(["evil/dims-overflow", "evil/sum-overflow"], failed.Select(f => f.GetProperty("modelId").GetString()));
            foreach (var failure in failed)
            {
                Assert.Equal(["error", "modelId", "path"], failure.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
                Assert.StartsWith(models, failure.GetProperty("path").GetString(), StringComparison.Ordinal);
                Assert.Contains("64 bits", failure.GetProperty("error").GetString(), StringComparison.Ordinal);
            }

            var (runStatus, run, _) = await PostAsync(client, Good, """{"text": "Once upon a time", "params": {"max_new_tokens": 2}}""");
            Assert.Equal(HttpStatusCode.OK, runStatus);
            Assert.False(string.IsNullOrEmpty(AssertOutput(run).GetString()));

            var (missingStatus, missing, _) = await PostAsync(client, "evil/sum-overflow", """{"text": "Hello"}""");
            Assert.Equal(HttpStatusCode.NotFound, missingStatus);
            AssertErrorEnvelope(missing);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Request_HubRepositoryWithMalformedGguf_FailsTheJobWithTheReason()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddRepository("test-org/evil-GGUF");
        repo.PipelineTag = "text-generation";
        repo.LibraryName = "gguf";
        var folder = Directory.CreateTempSubdirectory("bytez-evil-gguf-").FullName;
        try
        {
            repo.AddFile("evil-Q4_K_M.gguf", File.ReadAllBytes(MalformedModels.WriteGgufWithElementSumOverflow(Path.Combine(folder, "evil.gguf"))));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        using var client = env.CreateClient();
        await HubTestServer.RequestAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);
        var final = await HubTestServer.WaitAsync(client, repo.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ModelRequestStates.Failed, final.State);
        Assert.Contains("64 bits", final.Error, StringComparison.Ordinal);
        var (status, _, _) = await GetAsync(client, "list/models");
        Assert.Equal(HttpStatusCode.OK, status);
    }
}
