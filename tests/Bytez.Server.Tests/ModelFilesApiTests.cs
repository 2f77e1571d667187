using System.Net;
using Bytez.Server.Tests.Auth;
using Bytez.Testing;
using Bytez.Testing.Hub;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary><c>DELETE {org}/{model}/files</c> on the real server, with models downloaded from a fake hub on loopback.</summary>
public sealed class ModelFilesApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string RepoFolder(HubTestServer env, string id) => Path.Combine(env.CachePath, "models--" + id.Replace("/", "--", StringComparison.Ordinal));

    private static async Task<HttpStatusCode> DeleteAsync(HttpClient client, string path)
    {
        using var response = await client.DeleteAsync(path, Ct);
        return response.StatusCode;
    }

    [Fact]
    public async Task Delete_DownloadedModel_RemovesFilesCatalogEntryAndRequest_AndItCanBeRequestedAgain()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("rm-org/tiny-GGUF", ["tiny-Q4_K_M.gguf"]);
        await env.RequestAndWaitAsync(repo.Id, cancellationToken: Ct);
        using var client = env.CreateClient();
        Assert.True(Directory.Exists(RepoFolder(env, repo.Id)));
        Assert.Equal(HttpStatusCode.OK, await DeleteAsync(client, repo.Id));   // the install's try-out left it loaded

        var (status, body, _) = await SendAsync(client, HttpMethod.Delete, $"{repo.Id}/files", null);

        Assert.Equal(HttpStatusCode.OK, status);
        var output = AssertOutput(body);
        Assert.Equal(repo.Id, output.GetProperty("modelId").GetString());
        Assert.True(output.GetProperty("bytesFreed").GetInt64() >= repo.Size("tiny-Q4_K_M.gguf"), body.ToString());
        Assert.False(Directory.Exists(RepoFolder(env, repo.Id)));
        var models = AssertOutput((await GetAsync(client, "list/models")).Body).EnumerateArray().Select(m => m.GetProperty("modelId").GetString());
        Assert.DoesNotContain(repo.Id, models);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(client, $"request/{repo.Id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(client, HttpMethod.Post, repo.Id, """{"text": "hi"}""")).Status);

        var again = await env.RequestAndWaitAsync(repo.Id, cancellationToken: Ct);
        Assert.Equal("ready", again.State);
        Assert.True(Directory.Exists(RepoFolder(env, repo.Id)));
    }

    [Fact]
    public async Task Delete_LoadedModel_Is409UntilItsClusterIsShutDown()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("rm-org/loaded-GGUF", ["tiny-Q4_K_M.gguf"]);
        await env.RequestAndWaitAsync(repo.Id, cancellationToken: Ct);
        using var client = env.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, repo.Id)).Status);   // loaded: the install tried it out

        var (status, body, _) = await SendAsync(client, HttpMethod.Delete, $"{repo.Id}/files", null);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("is loaded", AssertErrorEnvelope(body), StringComparison.Ordinal);
        Assert.Contains($"DELETE /models/v2/{repo.Id}", AssertErrorEnvelope(body), StringComparison.Ordinal);
        Assert.True(Directory.Exists(RepoFolder(env, repo.Id)));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, $"request/{repo.Id}")).Status);

        Assert.Equal(HttpStatusCode.OK, await DeleteAsync(client, repo.Id));
        Assert.Equal(HttpStatusCode.OK, await DeleteAsync(client, $"{repo.Id}/files"));
        Assert.False(Directory.Exists(RepoFolder(env, repo.Id)));
    }

    [Fact]
    public async Task Delete_WhileDownloading_Is409SayingCancelFirst()
    {
        await using var env = await HubTestServer.StartAsync();
        var repo = env.Hub.AddGguf("rm-org/slow-GGUF", ["tiny-Q4_K_M.gguf"]);
        env.Hub.BytesPerSecond = 1000;
        using var client = env.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, $"request/{repo.Id}", "")).Status);

        var (status, body, _) = await SendAsync(client, HttpMethod.Delete, $"{repo.Id}/files", null);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("cancel the request first", AssertErrorEnvelope(body), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await DeleteAsync(client, $"request/{repo.Id}"));
    }

    [Fact]
    public async Task Delete_UnknownModel_Is404()
    {
        await using var env = await HubTestServer.StartAsync();
        using var client = env.CreateClient();

        var (status, body, _) = await SendAsync(client, HttpMethod.Delete, "nobody/nothing/files", null);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("nobody/nothing", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_KeyWithoutModelsRequest_Is403()
    {
        await using var env = await HubTestServer.StartAsync();
        var key = await ScopeTests.CreateKeyAsync(env.Server, """{"name": "runner", "scopes": ["run", "clusters:manage"]}""");
        using var client = env.Server.CreateHttpClient("Key " + key);

        var (status, body, _) = await SendAsync(client, HttpMethod.Delete, "nobody/nothing/files", null);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("models:request", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }
}
