using System.Net;
using Bytez.Engine;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.TinyModels;
using Microsoft.Extensions.DependencyInjection;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>More models than the memory budget holds, requested concurrently, on the real server and runtimes.</summary>
public sealed class MemoryStressTests
{
    [Fact]
    public async Task ManyModelsOverBudget_ServerHoldsItsBudgetAndRefusesClearly()
    {
        var root = Directory.CreateTempSubdirectory("bytez-stress-").FullName;
        try
        {
            var models = Path.Combine(root, "models");
            var ids = new List<string>();
            for (var i = 0; i < 6; i++)
            {
                var onnx = OnnxDecoderModelWriter.Write(Path.Combine(root, "files", $"m{i}"), new OnnxDecoderModelOptions { Seed = i + 1 });
                var id = $"stress/m{i}";
                Assert.Equal(0, AddModelCommand.Run([onnx.Folder, "--id", id, $"--Bytez:ModelsPath={models}"], TextWriter.Null, TextWriter.Null));
                ids.Add(id);
            }

            // Each tiny decoder is estimated at its weights plus 128 MiB plus its 256 MiB prefix cache, so a 900 MB budget holds two of them.
            await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
            {
                ["Bytez:ModelsPath"] = models,
                ["Bytez:EmbeddedModels"] = "false",
                ["Bytez:Scheduler:MemoryBudgetBytes"] = "900000000",
                ["Bytez:Onnx:IntraOpThreads"] = "1",
            });
            var scheduler = server.Services.GetRequiredService<InferenceEngine>().Scheduler;
            using var client = server.CreateHttpClient();
            var statuses = new List<HttpStatusCode>();
            var peak = 0L;
            await Parallel.ForEachAsync(Enumerable.Range(0, 60), new ParallelOptions { MaxDegreeOfParallelism = 6, CancellationToken = TestContext.Current.CancellationToken }, async (i, _) =>
            {
                var (status, body, _) = await PostAsync(client, ids[i % ids.Count], """{"input": "Hi", "params": {"max_new_tokens": 4}}""");
                if (status != HttpStatusCode.OK)
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
                    Assert.Contains("Not enough memory", AssertErrorEnvelope(body), StringComparison.Ordinal);
                }

                lock (statuses)
                {
                    statuses.Add(status);
                    peak = Math.Max(peak, scheduler.UsedBytes);
                }
            });

            Assert.Equal(60, statuses.Count);
            Assert.Contains(HttpStatusCode.OK, statuses);
            Assert.True(peak <= scheduler.BudgetBytes, $"peak {peak} > budget {scheduler.BudgetBytes}");
            var (alive, _, _) = await GetAsync(client, "list/clusters");
            Assert.Equal(HttpStatusCode.OK, alive);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
