using System.Net;
using Bytez.Testing;

namespace Bytez.Server.Tests;

public sealed class MetricsOptionsTests
{
    [Fact]
    public async Task Metrics_Disabled_Is404AndHealthStillAnswers()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Bytez:Metrics:Enabled"] = "false" });
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var metrics = await client.GetAsync("metrics", TestContext.Current.CancellationToken);
        using var ready = await client.GetAsync("health/ready", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Metrics_RequireKey_Is401WithoutKeyAnd200WithIt()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Bytez:Metrics:RequireKey"] = "true" });
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        using var keyed = new HttpClient { BaseAddress = server.BaseAddress };
        keyed.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Key " + TestServer.Key);

        using var refused = await anonymous.GetAsync("metrics", TestContext.Current.CancellationToken);
        using var served = await keyed.GetAsync("metrics", TestContext.Current.CancellationToken);
        using var live = await anonymous.GetAsync("health/live", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Metrics_CustomPath_ServesThere()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Bytez:Metrics:Path"] = "/internal/metrics" });
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var moved = await client.GetAsync("internal/metrics", TestContext.Current.CancellationToken);
        using var old = await client.GetAsync("metrics", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
    }

    [Fact]
    public async Task Metrics_AnotherServerInTheProcessStopped_StillExportsThisServersHttpMetrics()
    {
        await using var server = await TestServer.StartAsync();
        var other = await TestServer.StartAsync();
        using (var otherClient = other.CreateHttpClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await otherClient.GetAsync("list/tasks", TestContext.Current.CancellationToken)).StatusCode);
        }

        // Disposing the other server disposes its same-named meters; that must not end this server's metrics.
        // (Without the per-application view, the shared stream is dropped at the next collection.)
        await other.DisposeAsync();
        using var scraper = new HttpClient { BaseAddress = server.BaseAddress };
        (await scraper.GetAsync("metrics", TestContext.Current.CancellationToken)).Dispose();
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken); // past the exporter's response cache
        using var client = server.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("list/tasks", TestContext.Current.CancellationToken)).StatusCode);

        var metrics = await MetricsExposition.ScrapeUntilAsync(scraper, "metrics", ListTasksCounted);

        Assert.True(ListTasksCounted(metrics), "this server's request should be in http_server_request_duration_seconds");
    }

    private static bool ListTasksCounted(MetricsExposition metrics) =>
        metrics.Named("http_server_request_duration_seconds_count").Any(s => s.Labels.GetValueOrDefault("http_route") == "/models/v2/list/tasks" && s.Value >= 1);
}
