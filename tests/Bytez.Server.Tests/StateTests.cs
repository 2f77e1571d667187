using System.Net;
using System.Text.Json;
using Bytez.Server.Auth;
using Bytez.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

public sealed class StateTests
{
    [Fact]
    public async Task Start_WithoutConfiguredKey_GeneratesOneKeepsOnlyItsHashAndReusesItAfterRestart()
    {
        var home = Path.Combine(Path.GetTempPath(), "bytez-test-home-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?> { ["Bytez:Home"] = home };
        string generated;
        await using (var first = await TestServer.StartAsync(settings, key: null))
        {
            generated = first.Services.GetRequiredService<ApiKeyStore>().GeneratedKey!;
            Assert.False(string.IsNullOrEmpty(generated));
            var stored = await File.ReadAllTextAsync(Path.Combine(home, ApiKeyStore.HashFileName), TestContext.Current.CancellationToken);
            Assert.DoesNotContain(generated, stored, StringComparison.Ordinal);
            Assert.Equal(64, stored.Trim().Length);
        }

        await using var second = await TestServer.StartAsync(settings, key: null);
        Assert.Null(second.Services.GetRequiredService<ApiKeyStore>().GeneratedKey);
        using var client = second.CreateHttpClient("Key " + generated);
        var (status, _, _) = await GetAsync(client, "list/tasks");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task RamRequired_AfterALoad_IsTheMeasurementAndSurvivesRestart()
    {
        var home = Path.Combine(Path.GetTempPath(), "bytez-test-home-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?> { ["Bytez:Home"] = home };
        const string model = "Snowflake/snowflake-arctic-embed-xs";
        double measured;
        await using (var server = await TestServer.StartAsync(settings))
        {
            using var client = server.CreateHttpClient();
            var (status, _, _) = await PostAsync(client, model, """{"input": "load me"}""");
            Assert.Equal(HttpStatusCode.OK, status);
            var records = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(home, "state", "model-memory.json"), TestContext.Current.CancellationToken)).RootElement;
            var bytes = records.GetProperty(model).GetInt64();
            Assert.True(bytes > 10_000_000, $"measured {bytes} bytes");
            var (_, body, _) = await GetAsync(client, $"list/models?modelId={model}");
            measured = AssertOutput(body)[0].GetProperty("ramRequired").GetDouble();
            // Listed in GB to three significant figures.
            Assert.Equal(bytes / 1e9, measured, tolerance: bytes / 1e9 * 0.005);
        }

        await using (var restarted = await TestServer.StartAsync(settings))
        {
            using var client = restarted.CreateHttpClient();
            var (_, body, _) = await GetAsync(client, $"list/models?modelId={model}");
            Assert.Equal(measured, AssertOutput(body)[0].GetProperty("ramRequired").GetDouble());
        }
    }
}

public sealed class BodyLimitTests
{
    [Fact]
    public async Task Run_BodyOverTheLimit_Is413Envelope()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Bytez:MaxRequestBodyBytes"] = "1000" });
        using var client = server.CreateHttpClient();
        var big = new string('a', 5000);
        var (status, body, _) = await PostAsync(client, "sentence-transformers/all-MiniLM-L6-v2", $$"""{"input": "{{big}}"}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        AssertErrorEnvelope(body);
        var (ok, _, _) = await PostAsync(client, "sentence-transformers/all-MiniLM-L6-v2", """{"input": "small"}""");
        Assert.Equal(HttpStatusCode.OK, ok);
    }
}
