using System.Net;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>
/// Our SDK's <see cref="BytezClient.GetUsageAsync"/> against the real server: a key's runs through our SDK, bytez.js and
/// the MCP TypeScript SDK are all metered under the key, the key reads only its own usage, and the admin key reads every
/// key's, narrowed by key and model.
/// </summary>
public sealed class UsageSdkConformanceTests : IAsyncLifetime
{
    private UsageServer _usage = null!;

    private TestServer Server => _usage.Server;

    public async ValueTask InitializeAsync() => _usage = await UsageServer.StartAsync();

    public ValueTask DisposeAsync() => _usage.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BytezClient Client(string key) => new(new BytezClientOptions { ApiKey = key, BaseAddress = Server.ApiBase });

    private async Task<(string Key, string Id)> CreateKeyAsync(string name)
    {
        using var admin = new HttpClient { BaseAddress = Server.BaseAddress };
        admin.DefaultRequestHeaders.Add("Authorization", "Key " + TestServer.Key);
        using var response = await admin.PostAsync(
            "admin/v1/keys", new StringContent($$"""{"name": "{{name}}", "scopes": ["run"]}""", System.Text.Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var output = body.RootElement.GetProperty("output");
        return (output.GetProperty("key").GetString()!, output.GetProperty("record").GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task GetUsageAsync_ShowsWhatEachClientRan_UnderItsKey()
    {
        var (key, id) = await CreateKeyAsync("sdk user");
        var (other, otherId) = await CreateKeyAsync("someone else");
        using var client = Client(key);
        using var otherClient = Client(other);

        (await client.Model(UsageServer.EmbeddingModel).RunAsync("from our SDK", cancellationToken: Ct)).EnsureSuccess();
        (await client.Model(UsageServer.OnnxModel).RunAsync("Once", new Protocol.ModelParameters { MaxNewTokens = 3, MinNewTokens = 3 }, Ct)).EnsureSuccess();
        var js = await OfficialJsClient.CallAsync(Server, "run", new { modelId = UsageServer.EmbeddingModel, input = "from bytez.js" }, key);
        Assert.True(js.GetProperty("error").ValueKind == System.Text.Json.JsonValueKind.Null, js.GetRawText());
        var mcp = await OfficialJsClient.CallMcpAsync(Server, "call", new { name = "run_model", arguments = new { model = UsageServer.OnnxModel, input = "Hi", @params = new { max_new_tokens = 2, min_new_tokens = 2 } } }, key);
        Assert.True(mcp.TryGetProperty("ok", out _), mcp.GetRawText());
        (await otherClient.Model(UsageServer.EmbeddingModel).RunAsync("not mine", cancellationToken: Ct)).EnsureSuccess();

        var mine = (await client.GetUsageAsync(cancellationToken: Ct)).EnsureSuccess().Output!;

        Assert.All(mine.Usage, r => Assert.Equal((id, "sdk user"), (r.KeyId, r.KeyName)));
        var embedding = Assert.Single(mine.Usage, r => r.ModelId == UsageServer.EmbeddingModel);
        Assert.Equal(2, embedding.Requests);
        var generation = Assert.Single(mine.Usage, r => r.ModelId == UsageServer.OnnxModel);
        Assert.Equal((2L, 5L), (generation.Requests, generation.GeneratedTokens));
        Assert.True(generation.InferenceSeconds > 0 && generation.InputTokens > 0);
        Assert.Equal(4, mine.Totals.Requests);
        Assert.Equal(DateOnly.FromDateTime(DateTime.UtcNow), mine.To);
        Assert.Equal("0 / sec", generation.MeterPrice);

        var filtered = (await client.GetUsageAsync(new GetUsageOptions { ModelId = UsageServer.OnnxModel, Period = "day" }, Ct)).EnsureSuccess().Output!;
        Assert.Equal(UsageServer.OnnxModel, Assert.Single(filtered.Usage).ModelId);
        var refused = await client.GetUsageAsync(new GetUsageOptions { Key = otherId }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using var admin = Client(TestServer.Key);
        var all = (await admin.GetUsageAsync(cancellationToken: Ct)).EnsureSuccess().Output!;
        Assert.Contains(all.Usage, r => r.KeyId == otherId);
        Assert.Contains(all.Usage, r => r.KeyId == id);
        var theirs = (await admin.GetUsageAsync(new GetUsageOptions { Key = "someone else", From = mine.From, To = mine.To }, Ct)).EnsureSuccess().Output!;
        Assert.Equal(otherId, Assert.Single(theirs.Usage).KeyId);
        Assert.Equal(1, theirs.Totals.Requests);
    }
}
