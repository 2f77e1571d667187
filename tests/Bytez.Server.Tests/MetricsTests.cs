using System.Net;
using Bytez.Engine.Metrics;
using Bytez.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

public sealed class MetricsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";
    private const string RunRoute = "/models/v2/{org}/{name}";

    [Fact]
    public async Task Metrics_AfterEmbeddingRequests_ExposesHttpServerDurationByRoute()
    {
        await RunEmbeddingsAsync(3);
        using var scraper = Scraper();

        var metrics = await MetricsExposition.ScrapeUntilAsync(scraper, "metrics", m => RunRouteCount(m) >= 3);

        Assert.Equal("histogram", metrics.Types["http_server_request_duration_seconds"]);
        Assert.True(RunRouteCount(metrics) >= 3, "http_server_request_duration_seconds_count for the run route should count the requests");
        Assert.Contains(metrics.Named("http_server_request_duration_seconds_bucket"),
            s => s.Labels.GetValueOrDefault("http_route") == RunRoute && s.Labels.GetValueOrDefault("le") == "+Inf");
        Assert.Contains(metrics.Named("http_server_request_duration_seconds_sum"), s => s.Labels.GetValueOrDefault("http_route") == RunRoute);
    }

    [Fact]
    public async Task Metrics_Scrape_ParsesAsPrometheusText()
    {
        using var scraper = Scraper();
        using var response = await scraper.GetAsync("metrics", TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var metrics = MetricsExposition.Parse(text);
        Assert.NotEmpty(metrics.Samples);
        // Every sample belongs to a declared family (histograms via their _bucket/_sum/_count series).
        Assert.All(metrics.Samples, s => Assert.True(
            metrics.Types.ContainsKey(s.Name) || metrics.Types.ContainsKey(Family(s.Name)), $"{s.Name} has no # TYPE"));
    }

    [Fact]
    public async Task Metrics_Scrape_IncludesRuntimeAndProcessMemory()
    {
        using var scraper = Scraper();
        var metrics = await MetricsExposition.ScrapeUntilAsync(scraper, "metrics", m => m.Named("dotnet_process_memory_working_set_bytes").Any());

        Assert.Contains(metrics.Named("dotnet_process_memory_working_set_bytes"), s => s.Value > 0);
        Assert.Contains(metrics.Samples, s => s.Name.StartsWith("dotnet_gc_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_WithoutKey_Is200_WhileTheApiStillAsksForIt()
    {
        using var scraper = Scraper();
        using var anonymousApi = fixture.Server.CreateHttpClient(authorization: null);

        using var metrics = await scraper.GetAsync("metrics", TestContext.Current.CancellationToken);
        var (apiStatus, apiBody, _) = await PostAsync(anonymousApi, MiniLm, """{"input":"hi"}""");

        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, apiStatus);
        Assert.Equal("Unauthorized", AssertErrorEnvelope(apiBody));
    }

    /// <summary>Needs the engine recording through <see cref="EngineMetrics"/> (registered in the container); skipped without it.</summary>
    [Fact]
    public async Task Metrics_AfterEmbeddingRequests_CountsBytezRequestsPerModelAndTask()
    {
        if (fixture.Server.Services.GetService<EngineMetrics>() is null)
        {
            Assert.Skip("EngineMetrics is not registered in the server yet, so the engine records nothing.");
        }

        await RunEmbeddingsAsync(2);
        using var scraper = Scraper();

        var metrics = await MetricsExposition.ScrapeUntilAsync(scraper, "metrics", m => BytezRequests(m).Sum(s => s.Value) >= 2);

        Assert.Equal("counter", metrics.Types["bytez_requests_total"]);
        var requests = BytezRequests(metrics).ToList();
        Assert.True(requests.Sum(s => s.Value) >= 2, "bytez_requests_total for the model should count the requests");
        Assert.Contains(requests, s => s.Labels.GetValueOrDefault("task") is { Length: > 0 } && s.Labels.GetValueOrDefault("outcome") == "ok");
        Assert.Contains(metrics.Named("bytez_request_duration_seconds_count"), s => s.Labels.GetValueOrDefault("model") == MiniLm);
        // Seconds get sub-second buckets, not OpenTelemetry's default millisecond-sized ones.
        Assert.Contains(metrics.Named("bytez_request_duration_seconds_bucket"), s => s.Labels.GetValueOrDefault("le") == "0.1");
        Assert.DoesNotContain(metrics.Named("bytez_request_duration_seconds_bucket"), s => s.Labels.GetValueOrDefault("le") == "10000");
        Assert.Contains(metrics.Named("bytez_instance_loads_total"), s => s.Labels.GetValueOrDefault("model") == MiniLm);
    }

    private static IEnumerable<MetricSample> BytezRequests(MetricsExposition metrics) =>
        metrics.Named("bytez_requests_total").Where(s => s.Labels.GetValueOrDefault("model") == MiniLm);

    private static double RunRouteCount(MetricsExposition metrics) =>
        metrics.Named("http_server_request_duration_seconds_count")
            .Where(s => s.Labels.GetValueOrDefault("http_route") == RunRoute && s.Labels.GetValueOrDefault("http_response_status_code") == "200")
            .Sum(s => s.Value);

    private static string Family(string sample)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal))
            {
                return sample[..^suffix.Length];
            }
        }

        return sample;
    }

    private async Task RunEmbeddingsAsync(int count)
    {
        using var client = fixture.Server.CreateHttpClient();
        for (var i = 0; i < count; i++)
        {
            var (status, body, _) = await PostAsync(client, MiniLm, """{"input":"hi"}""");
            Assert.Equal(HttpStatusCode.OK, status);
            AssertOutput(body);
        }
    }

    private HttpClient Scraper() => new() { BaseAddress = fixture.Server.BaseAddress };
}
