using System.Net;
using System.Text.Json;
using Bytez.Server.Observability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Bytez.Server.Tests;

public sealed class HealthTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task HealthLive_WithoutKey_Is200Healthy()
    {
        var (status, body, response) = await GetAsync("health/live");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.True(response.Headers.CacheControl?.NoCache ?? response.Headers.CacheControl?.NoStore ?? false);
    }

    [Fact]
    public async Task HealthReady_ServerStarted_Is200WithTheCatalog()
    {
        var (status, body, _) = await GetAsync("health/ready");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        var engine = body.GetProperty("checks").GetProperty(ReadinessHealthCheck.Name);
        Assert.Equal("healthy", engine.GetProperty("status").GetString());
        Assert.True(engine.GetProperty("models").GetInt32() >= 2, "the embedded models should be in the catalog");
    }

    [Fact]
    public async Task ReadinessCheck_NotStarted_IsUnhealthy()
    {
        var lifetime = new FakeLifetime();
        var check = new ReadinessHealthCheck(fixture.Server.Services, lifetime);

        var result = await check.CheckHealthAsync(Context(check), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }

    [Fact]
    public async Task ReadinessCheck_Stopping_IsUnhealthy()
    {
        var lifetime = new FakeLifetime();
        await lifetime.Started.CancelAsync();
        await lifetime.Stopping.CancelAsync();
        var check = new ReadinessHealthCheck(fixture.Server.Services, lifetime);

        var result = await check.CheckHealthAsync(Context(check), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }

    [Fact]
    public async Task ReadinessCheck_NoEngine_IsUnhealthy()
    {
        var lifetime = new FakeLifetime();
        await lifetime.Started.CancelAsync();
        await using var empty = new ServiceCollection().BuildServiceProvider();
        var check = new ReadinessHealthCheck(empty, lifetime);

        var result = await check.CheckHealthAsync(Context(check), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> GetAsync(string path)
    {
        using var client = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    private static HealthCheckContext Context(IHealthCheck check) =>
        new() { Registration = new HealthCheckRegistration(ReadinessHealthCheck.Name, check, HealthStatus.Unhealthy, tags: null) };

    private sealed class FakeLifetime : IHostApplicationLifetime
    {
        public CancellationTokenSource Started { get; } = new();

        public CancellationTokenSource Stopping { get; } = new();

        public CancellationToken ApplicationStarted => Started.Token;

        public CancellationToken ApplicationStopping => Stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => Stopping.Cancel();
    }
}
