using System.Net;

namespace Bytez.Tests;

public sealed class BytezClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Constructor_NoKeyAndNoEnvironmentVariable_ThrowsArgumentException()
    {
        var saved = Environment.GetEnvironmentVariable("BYTEZ_KEY");
        Environment.SetEnvironmentVariable("BYTEZ_KEY", null);
        try
        {
            Assert.Throws<ArgumentException>(() => new BytezClient());
            Assert.Throws<ArgumentException>(() => new BytezClient(new HttpClient()));
        }
        finally
        {
            Environment.SetEnvironmentVariable("BYTEZ_KEY", saved);
        }
    }

    [Fact]
    public async Task Constructor_KeyFromEnvironmentVariable_SendsIt()
    {
        var saved = Environment.GetEnvironmentVariable("BYTEZ_KEY");
        Environment.SetEnvironmentVariable("BYTEZ_KEY", "env-key\n");
        try
        {
            var handler = FakeHandler.Json("""{"error":null,"output":[]}""");
            using var client = new BytezClient(new HttpClient(handler) { BaseAddress = TestClients.BaseAddress });
            await client.List.TasksAsync(Ct);
            Assert.Equal("Key env-key", handler.Single.Header("Authorization"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("BYTEZ_KEY", saved);
        }
    }

    [Fact]
    public void Constructor_Defaults_HostedAddressAndFifteenMinutes()
    {
        using var client = new BytezClient("k");
        Assert.Equal(new Uri("https://api.bytez.com/models/v2/"), client.BaseAddress);
        Assert.Equal(BytezClient.HostedBaseAddress, client.BaseAddress);
        Assert.Equal(TimeSpan.FromMinutes(15), client.Timeout);
        Assert.Equal(new Uri("http://localhost:8080/models/v2/"), BytezClient.LocalBaseAddress);
    }

    [Fact]
    public void Constructor_BaseAddressWithoutTrailingSlash_AddsIt()
    {
        using var client = new BytezClient(new BytezClientOptions { ApiKey = "k", BaseAddress = new Uri("http://host:9000/models/v2") });
        Assert.Equal(new Uri("http://host:9000/models/v2/"), client.BaseAddress);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Constructor_NonPositiveTimeout_ThrowsArgumentException(int seconds)
    {
        Assert.Throws<ArgumentException>(() =>
            new BytezClient(new BytezClientOptions { ApiKey = "k", Timeout = TimeSpan.FromSeconds(seconds) }));
    }

    [Fact]
    public void Constructor_RelativeBaseAddress_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() =>
            new BytezClient(new BytezClientOptions { ApiKey = "k", BaseAddress = new Uri("models/v2/", UriKind.Relative) }));
    }

    [Fact]
    public async Task Constructor_InjectedHttpClientWithBaseAddress_UsesIt()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":["chat"]}""");
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://injected.test/models/v2/") };
        using var client = new BytezClient(http, new BytezClientOptions { ApiKey = "k" });

        await client.List.TasksAsync(Ct);

        Assert.Equal("http://injected.test/models/v2/list/tasks", handler.Single.Uri.AbsoluteUri);
    }

    [Fact]
    public async Task Constructor_OptionsBaseAddress_WinsOverInjectedOne()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":["chat"]}""");
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://injected.test/models/v2/") };
        using var client = new BytezClient(http, new BytezClientOptions { ApiKey = "k", BaseAddress = BytezClient.LocalBaseAddress });

        await client.List.TasksAsync(Ct);

        Assert.Equal("http://localhost:8080/models/v2/list/tasks", handler.Single.Uri.AbsoluteUri);
    }

    [Fact]
    public async Task Dispose_InjectedHttpClient_LeavesItUsable()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":[]}""");
        using var http = new HttpClient(handler);
        new BytezClient(http, new BytezClientOptions { ApiKey = "k" }).Dispose();

        using var response = await http.GetAsync(new Uri("http://bytez.test/"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Requests_EveryCall_SendsKeyLanguageAndUserAgent()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":"ok"}""");
        using var client = TestClients.Create(handler);

        await client.List.TasksAsync(Ct);
        await client.Model("openai-community/gpt2").RunAsync("x", cancellationToken: Ct);

        Assert.All(handler.Requests, request =>
        {
            Assert.Equal("Key test-key", request.Header("Authorization"));
            Assert.Equal("csharp", request.Header("lang"));
            Assert.StartsWith("bytez-dotnet/", request.Header("User-Agent"), StringComparison.Ordinal);
            Assert.Null(request.Header("provider-key"));
        });
        Assert.Null(handler.Requests[0].ContentType);
        Assert.Equal("application/json", handler.Requests[1].ContentType);
    }

    [Fact]
    public async Task RequestModelAsync_ModelId_PostsWithoutBodyAndReturnsJobQueued()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":"Job queued"}""");
        using var client = TestClients.Create(handler);

        var result = await client.RequestModelAsync("BAAI/bge-small-en-v1.5", Ct);

        Assert.Equal(HttpMethod.Post, handler.Single.Method);
        Assert.Equal("http://bytez.test/models/v2/request/BAAI/bge-small-en-v1.5", handler.Single.Uri.AbsoluteUri);
        Assert.Null(handler.Single.Body);
        Assert.True(result.IsSuccess);
        Assert.Equal("Job queued", result.GetText());
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("org//name")]
    [InlineData("org/../name")]
    [InlineData("/name")]
    public void Model_InvalidId_ThrowsArgumentException(string modelId)
    {
        using var client = new BytezClient("k");
        Assert.ThrowsAny<ArgumentException>(() => client.Model(modelId));
    }

    [Fact]
    public void Model_IdAndProviderKey_KeepsThem()
    {
        using var client = new BytezClient("k");
        var model = client.Model("openai/gpt-4o", "sk-provider");
        Assert.Equal("openai/gpt-4o", model.Id);
        Assert.Equal("sk-provider", model.ProviderKey);
    }
}
