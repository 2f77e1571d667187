using System.Net;
using System.Text.Json;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Auth;

/// <summary>Issued keys on the real server: each route family refuses a key without its scope, and accepts one with it.</summary>
public sealed class ScopeTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Model = "sentence-transformers/all-MiniLM-L6-v2";

    internal static async Task<string> CreateKeyAsync(TestServer server, string json)
    {
        using var admin = server.CreateHttpClient();
        var (status, body, _) = await PostAsync(admin, "/admin/v1/keys", json);
        Assert.Equal(HttpStatusCode.Created, status);
        return AssertOutput(body).GetProperty("key").GetString()!;
    }

    [Fact]
    public async Task KeyWithoutModelsRequest_CannotRequestOrCancel_ButCanRun()
    {
        var key = await CreateKeyAsync(fixture.Server, """{"name": "runner", "scopes": ["run"]}""");
        using var client = fixture.Server.CreateHttpClient("Key " + key);

        foreach (var (method, path) in new[] { (HttpMethod.Post, "request/org/model"), (HttpMethod.Delete, "request/org/model"), (HttpMethod.Post, "/model/job") })
        {
            var (status, body, _) = await SendAsync(client, method, path, method == HttpMethod.Post ? "{\"model\": \"org/model\"}" : null);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains("'models:request'", AssertErrorEnvelope(body), StringComparison.Ordinal);
        }

        var (ran, _, _) = await PostAsync(client, Model, """{"input": "hello"}""");
        Assert.Equal(HttpStatusCode.OK, ran);
        var (listed, _, _) = await GetAsync(client, "list/models");
        Assert.Equal(HttpStatusCode.OK, listed);
    }

    [Fact]
    public async Task KeyWithoutClustersManage_CannotLoadUpdateOrShutDown()
    {
        var key = await CreateKeyAsync(fixture.Server, """{"name": "runner", "scopes": ["run", "models:request"]}""");
        using var client = fixture.Server.CreateHttpClient("Bearer " + key);

        foreach (var (method, path, json) in new[]
                 {
                     (HttpMethod.Put, Model, "{}"),
                     (HttpMethod.Patch, Model, "{\"status\": \"off\"}"),
                     (HttpMethod.Delete, Model, null),
                     (HttpMethod.Post, "/model/load", $$"""{"model": "{{Model}}"}"""),
                     (HttpMethod.Post, "/model/delete", $$"""{"model": "{{Model}}"}"""),
                 })
        {
            var (status, body, _) = await SendAsync(client, method, path, json);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains("'clusters:manage'", AssertErrorEnvelope(body), StringComparison.Ordinal);
        }

        // models:request lets it cancel (there is nothing to cancel: 404, not 403).
        var (cancel, _, _) = await SendAsync(client, HttpMethod.Delete, "request/org/model");
        Assert.Equal(HttpStatusCode.NotFound, cancel);
    }

    [Fact]
    public async Task KeyWithClustersManage_LoadsACluster_ButCannotRun()
    {
        var key = await CreateKeyAsync(fixture.Server, """{"name": "ops", "scopes": ["clusters:manage"]}""");
        using var client = fixture.Server.CreateHttpClient(key);

        var (loaded, _, _) = await SendAsync(client, HttpMethod.Put, "Snowflake/snowflake-arctic-embed-xs", "{}");
        Assert.True(loaded is HttpStatusCode.Accepted or HttpStatusCode.OK, $"PUT answered {loaded}");
        var (ran, body, _) = await PostAsync(client, Model, """{"input": "hello"}""");
        Assert.Equal(HttpStatusCode.Forbidden, ran);
        Assert.Contains("'run'", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyWithoutRun_IsRefusedOnOpenAiAndAnthropicRoutes_InTheirErrorShapes()
    {
        var key = await CreateKeyAsync(fixture.Server, """{"name": "ops", "scopes": ["models:request"]}""");
        using var client = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        client.DefaultRequestHeaders.Add("Authorization", "Bearer " + key);

        var openAi = await client.PostAsync("v1/embeddings", new StringContent($$"""{"model": "{{Model}}", "input": "hi"}""", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, openAi.StatusCode);
        var error = JsonDocument.Parse(await openAi.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error");
        Assert.Contains("'run'", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        var models = await client.GetAsync("v1/models", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);

        using var anthropic = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        anthropic.DefaultRequestHeaders.Add("x-api-key", key);
        var messages = await anthropic.PostAsync("v1/messages", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, messages.StatusCode);
        var anthropicError = JsonDocument.Parse(await messages.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("error", anthropicError.GetProperty("type").GetString());
    }

    [Fact]
    public async Task KeyWithAllowedModels_RunsOnlyThoseModels()
    {
        var key = await CreateKeyAsync(fixture.Server, """{"name": "one model", "scopes": ["run"], "allowedModels": ["sentence-transformers/*"]}""");
        using var client = fixture.Server.CreateHttpClient("Key " + key);

        var (allowed, _, _) = await PostAsync(client, Model, """{"input": "hello"}""");
        Assert.Equal(HttpStatusCode.OK, allowed);
        var (refused, body, _) = await PostAsync(client, "Snowflake/snowflake-arctic-embed-xs", """{"input": "hello"}""");
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Contains("Snowflake/snowflake-arctic-embed-xs", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokedKey_IsRefusedOnTheNextRequest()
    {
        var key = await CreateKeyAsync(fixture.Server, """{"name": "leaked", "scopes": ["run"]}""");
        using var client = fixture.Server.CreateHttpClient("Key " + key);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "list/tasks")).Status);
        using var admin = fixture.Server.CreateHttpClient();
        var id = AssertOutput((await GetAsync(admin, "/admin/v1/keys")).Body).EnumerateArray()
            .Single(k => key.StartsWith(k.GetProperty("prefix").GetString()! + "_", StringComparison.Ordinal)).GetProperty("id").GetString();

        var (revoked, _, _) = await SendAsync(admin, HttpMethod.Delete, $"/admin/v1/keys/{id}");

        Assert.Equal(HttpStatusCode.OK, revoked);
        var (status, body, _) = await GetAsync(client, "list/tasks");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Unauthorized", AssertErrorEnvelope(body));
    }

    [Fact]
    public async Task ExpiredKey_IsRefusedOnTheNextRequest()
    {
        var expires = DateTimeOffset.UtcNow.AddSeconds(2).ToString("O");
        var key = await CreateKeyAsync(fixture.Server, $$"""{"name": "short", "scopes": ["run"], "expiresAt": "{{expires}}"}""");
        using var client = fixture.Server.CreateHttpClient("Key " + key);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "list/tasks")).Status);

        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(client, "list/tasks")).Status);
    }
}
