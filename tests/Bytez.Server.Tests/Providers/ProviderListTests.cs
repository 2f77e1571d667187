using System.Net;
using System.Text.Json;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Providers;

/// <summary><c>list/models</c> shows a provider's configured models only while the server has that provider's key.</summary>
public sealed class ProviderListTests(ProviderProxyFixture fixture) : IClassFixture<ProviderProxyFixture>
{
    private static readonly string[] Expected =
        ["openai/listed-model-1", "anthropic/listed-model-1", "google/listed-model-1", "mistral/listed-model-1", "cohere/listed-model-1"];

    [Fact]
    public async Task ListModels_ServerHasKeys_ListsEachProvidersModelsAsChat()
    {
        using var client = fixture.KeyedServer.CreateHttpClient();
        var (status, body, _) = await GetAsync(client, "list/models");

        Assert.Equal(HttpStatusCode.OK, status);
        var closed = AssertOutput(body).EnumerateArray().Where(m => Expected.Contains(m.GetProperty("modelId").GetString())).ToList();
        Assert.Equal(Expected, closed.Select(m => m.GetProperty("modelId").GetString()));
        foreach (var model in closed)
        {
            Assert.Equal(["meter", "meterPrice", "modelId", "params", "ramRequired", "task"], model.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal("chat", model.GetProperty("task").GetString());
            Assert.Equal(JsonValueKind.Number, model.GetProperty("params").ValueKind);
        }
    }

    [Fact]
    public async Task ListModels_ModelIdAndTaskFilters_ApplyToProviderModels()
    {
        using var client = fixture.KeyedServer.CreateHttpClient();
        var (_, one, _) = await GetAsync(client, "list/models?modelId=anthropic/listed-model-1");
        var (_, byTask, _) = await GetAsync(client, "list/models?task=feature-extraction");

        Assert.Equal(["anthropic/listed-model-1"], AssertOutput(one).EnumerateArray().Select(m => m.GetProperty("modelId").GetString()));
        Assert.DoesNotContain(AssertOutput(byTask).EnumerateArray(), m => m.GetProperty("modelId").GetString()!.EndsWith("listed-model-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListModels_ServerHasNoKeys_ListsNoProviderModel()
    {
        using var client = fixture.Server.CreateHttpClient();
        var (_, body, _) = await GetAsync(client, "list/models");

        Assert.DoesNotContain(AssertOutput(body).EnumerateArray(), m => Expected.Contains(m.GetProperty("modelId").GetString()));
    }
}
