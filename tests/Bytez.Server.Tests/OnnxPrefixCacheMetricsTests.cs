using System.Net;
using System.Text.Json.Nodes;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>The ONNX decoder's prefix cache on the real server: a chat's second turn reuses the first, seen in Prometheus and in the model's memory.</summary>
public sealed class OnnxPrefixCacheMetricsTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    [Fact]
    public async Task Metrics_SecondChatTurn_CountsOneHitAndItsReusedTokens()
    {
        using var client = fixture.Generation.Server.CreateHttpClient();
        var messages = new JsonArray
        {
            new JsonObject { ["role"] = "system", ["content"] = "You are a patient tutor who explains things with small examples." },
            new JsonObject { ["role"] = "user", ["content"] = "What is a prime number?" },
        };
        var (status, body, _) = await PostAsync(client, GenerationServer.OnnxModel, Request(messages));
        Assert.Equal(HttpStatusCode.OK, status);
        var answer = AssertOutput(body).GetProperty("content").GetString();
        messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = answer });
        messages.Add(new JsonObject { ["role"] = "user", ["content"] = "And is 9 one?" });
        (status, _, _) = await PostAsync(client, GenerationServer.OnnxModel, Request(messages));
        Assert.Equal(HttpStatusCode.OK, status);

        using var scraper = new HttpClient { BaseAddress = fixture.Generation.Server.BaseAddress };
        var metrics = await MetricsExposition.ScrapeUntilAsync(scraper, "metrics", m => m.Named("bytez_prefix_cache_hits_total").Any());
        var hits = Assert.Single(metrics.Named("bytez_prefix_cache_hits_total"), s => s.Labels.GetValueOrDefault("model") == GenerationServer.OnnxModel);
        Assert.Equal("onnx", hits.Labels.GetValueOrDefault("runtime"));
        Assert.Equal(1, hits.Value);
        var reused = Assert.Single(metrics.Named("bytez_prefix_cache_reused_tokens_total"), s => s.Labels.GetValueOrDefault("model") == GenerationServer.OnnxModel);
        // At least the first turn's system and user messages (byte-level tokens: about one per character).
        Assert.InRange(reused.Value, 80, 512);
        Assert.Equal("counter", metrics.Types["bytez_prefix_cache_hits_total"]);
    }

    [Fact]
    public async Task ListModels_OnnxDecoder_RamRequiredCountsThePrefixCacheBudget()
    {
        using var client = fixture.Generation.Server.CreateHttpClient();
        var (_, body, _) = await GetAsync(client, $"list/models?modelId={GenerationServer.OnnxModel}");

        var model = Assert.Single(AssertOutput(body).EnumerateArray());
        // Before a load: its weights (under 1 MB), the runtime's 128 MiB and the default 256 MiB prefix cache; after
        // one (other tests of the fixture load it): what the load measured plus the cache's 256 MiB, which fills later.
        Assert.True(model.GetProperty("ramRequired").GetDouble() >= (256L << 20) / 1e9, $"ramRequired {model.GetProperty("ramRequired")} GB");
    }

    private static string Request(JsonArray messages) => new JsonObject
    {
        ["messages"] = messages.DeepClone(),
        ["params"] = new JsonObject { ["max_new_tokens"] = 6, ["min_new_tokens"] = 6 },
    }.ToJsonString();
}
