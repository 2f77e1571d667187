using System.Net;
using Bytez.Hub;
using Bytez.Testing.Hub;

namespace Bytez.Hub.Tests;

public sealed class HubClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetRepositoryAsync_PublicRepository_ParsesMetadata()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var fake = env.Hub.AddRepository("sentence-transformers/all-MiniLM-L6-v2");
        fake.PipelineTag = "feature-extraction";
        fake.LibraryName = "sentence-transformers";
        fake.Tags.AddRange(["onnx", "bert"]);
        fake.ModelType = "bert";
        fake.Architectures.Add("BertModel");
        var weights = HubTestEnvironment.RandomBytes(300_000);
        var config = "{\"model_type\":\"bert\"}"u8.ToArray();
        fake.AddFile("onnx/model.onnx", weights).AddFile("config.json", config);

        var repository = await env.Client.GetRepositoryAsync(fake.Id, "main", Ct);

        Assert.Equal(fake.Id, repository.Id);
        Assert.Equal(fake.Commit, repository.Commit);
        Assert.Equal("feature-extraction", repository.PipelineTag);
        Assert.Equal("sentence-transformers", repository.LibraryName);
        Assert.Equal(["onnx", "bert"], repository.Tags);
        Assert.Equal("bert", repository.ModelType);
        Assert.Equal(["BertModel"], repository.Architectures);
        Assert.Null(repository.GgufArchitecture);
        Assert.False(repository.Gated);
        Assert.False(repository.Private);
        var model = Assert.Single(repository.Files, f => f.Path == "onnx/model.onnx");
        Assert.Equal(weights.Length, model.Size);
        Assert.Equal(HubTestEnvironment.Sha256(weights), model.Sha256);
        Assert.Equal(model.Sha256, model.BlobName);
        var configFile = Assert.Single(repository.Files, f => f.Path == "config.json");
        Assert.Null(configFile.Sha256);
        Assert.Equal(HubTestEnvironment.GitBlobId(config), configFile.BlobId);
        Assert.Equal(config.Length, configFile.Size);
    }

    [Fact]
    public async Task GetRepositoryAsync_GgufRepository_ReadsGgufArchitecture()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var fake = env.Hub.AddRepository("org/tiny-GGUF");
        fake.GgufArchitecture = "llama";
        fake.AddFile("tiny.Q4_K_M.gguf", HubTestEnvironment.RandomBytes(20_000));

        var repository = await env.Client.GetRepositoryAsync(fake.Id, "main", Ct);

        Assert.Equal("llama", repository.GgufArchitecture);
        Assert.Equal("tiny.Q4_K_M.gguf", Assert.Single(repository.Files).Path);
    }

    [Fact]
    public async Task GetRepositoryAsync_UnknownRepository_NotFound()
    {
        await using var env = await HubTestEnvironment.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => env.Client.GetRepositoryAsync("nobody/nothing", "main", Ct));

        Assert.Equal(HubErrorKind.NotFound, error.Kind);
        Assert.Contains("nobody/nothing", error.Message, StringComparison.Ordinal);
        Assert.Contains("HF_TOKEN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetRepositoryAsync_GatedRepository_MetadataSaysGated()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var fake = env.Hub.AddRepository("meta-llama/gated").AddFile("config.json", "{}"u8.ToArray());
        fake.RequiredToken = "hf_secret";

        var repository = await env.Client.GetRepositoryAsync(fake.Id, "main", Ct);

        Assert.True(repository.Gated);
    }

    [Fact]
    public async Task GetRepositoryAsync_PrivateWithoutToken_NotFound()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var fake = env.Hub.AddRepository("org/private").AddFile("config.json", "{}"u8.ToArray());
        fake.RequiredToken = "hf_secret";
        fake.Private = true;

        var error = await Assert.ThrowsAsync<HubException>(() => env.Client.GetRepositoryAsync(fake.Id, "main", Ct));

        Assert.Equal(HubErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task GetRepositoryAsync_PrivateWithToken_SendsBearerAndSucceeds()
    {
        await using var env = await HubTestEnvironment.StartAsync(o => o.Token = "hf_secret");
        var fake = env.Hub.AddRepository("org/private").AddFile("config.json", "{}"u8.ToArray());
        fake.RequiredToken = "hf_secret";
        fake.Private = true;

        var repository = await env.Client.GetRepositoryAsync(fake.Id, "main", Ct);

        Assert.True(repository.Private);
        Assert.All(env.Hub.Requests, r => Assert.Equal("Bearer hf_secret", r.Authorization));
    }

    [Fact]
    public async Task GetRepositoryAsync_UnknownRevision_NotFoundNamingRevision()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var fake = env.Hub.AddRepository("org/model").AddFile("config.json", "{}"u8.ToArray());

        var error = await Assert.ThrowsAsync<HubException>(() => env.Client.GetRepositoryAsync(fake.Id, "no-such-branch", Ct));

        Assert.Equal(HubErrorKind.NotFound, error.Kind);
        Assert.Contains("no-such-branch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetRepositoryAsync_CommitAsRevision_Succeeds()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var fake = env.Hub.AddRepository("org/model").AddFile("config.json", "{}"u8.ToArray());

        var repository = await env.Client.GetRepositoryAsync(fake.Id, fake.Commit, Ct);

        Assert.Equal(fake.Commit, repository.Commit);
    }

    [Theory]
    [InlineData("")]
    [InlineData("noslash")]
    [InlineData("../etc")]
    [InlineData("org/../name")]
    [InlineData("org/name/extra")]
    [InlineData("-org/name")]
    [InlineData("org/na me")]
    [InlineData("org/name?x=1")]
    public async Task GetRepositoryAsync_InvalidId_RejectedWithoutRequest(string modelId)
    {
        await using var env = await HubTestEnvironment.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => env.Client.GetRepositoryAsync(modelId, "main", Ct));

        Assert.Equal(HubErrorKind.Invalid, error.Kind);
        Assert.Contains(Bytez.Protocol.ModelIds.Rule, error.Message, StringComparison.Ordinal);
        Assert.Empty(env.Hub.Requests);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/../b")]
    [InlineData("main\n")]
    [InlineData("x\u0001")]
    public async Task GetRepositoryAsync_InvalidRevision_RejectedWithoutRequest(string revision)
    {
        await using var env = await HubTestEnvironment.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => env.Client.GetRepositoryAsync("org/model", revision, Ct));

        Assert.Equal(HubErrorKind.Invalid, error.Kind);
        Assert.Empty(env.Hub.Requests);
    }

    [Fact]
    public async Task GetRepositoryAsync_TooLongRevision_Invalid()
    {
        await using var env = await HubTestEnvironment.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => env.Client.GetRepositoryAsync("org/model", new string('a', 257), Ct));

        Assert.Equal(HubErrorKind.Invalid, error.Kind);
        Assert.Empty(env.Hub.Requests);
    }

    [Fact]
    public async Task GetRepositoryAsync_BranchWithSlash_EscapedInPath()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        env.Hub.AddRepository("org/model").AddFile("config.json", "{}"u8.ToArray());

        await Assert.ThrowsAsync<HubException>(() => env.Client.GetRepositoryAsync("org/model", "refs/pr/1", Ct));

        var request = Assert.Single(env.Hub.Requests);
        Assert.StartsWith("/api/models/org/model/revision/refs%2Fpr%2F1", request.Path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetRepositoryAsync_ServiceUnavailableThenOk_Retried()
    {
        var failing = new FailingHandler(HttpStatusCode.ServiceUnavailable, times: 2);
        await using var env = await HubTestEnvironment.StartAsync(handler: failing);
        var fake = env.Hub.AddRepository("org/model").AddFile("config.json", "{}"u8.ToArray());

        var repository = await env.Client.GetRepositoryAsync(fake.Id, "main", Ct);

        Assert.Equal(fake.Commit, repository.Commit);
        Assert.Equal(3, failing.Calls);
    }

    [Fact]
    public async Task GetRepositoryAsync_AlwaysServiceUnavailable_UnavailableAfterMaxAttempts()
    {
        var failing = new FailingHandler(HttpStatusCode.ServiceUnavailable, times: int.MaxValue);
        await using var env = await HubTestEnvironment.StartAsync(o => o.MaxAttempts = 3, failing);
        env.Hub.AddRepository("org/model").AddFile("config.json", "{}"u8.ToArray());

        var error = await Assert.ThrowsAsync<HubException>(() => env.Client.GetRepositoryAsync("org/model", "main", Ct));

        Assert.Equal(HubErrorKind.Unavailable, error.Kind);
        Assert.Equal(3, failing.Calls);
    }

    [Fact]
    public async Task GetRepositoryAsync_ConnectionRefused_Unavailable()
    {
        using var http = new HttpClient();
        var options = new HubOptions
        {
            Endpoint = "http://127.0.0.1:1",
            MaxAttempts = 2,
            RetryDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromMilliseconds(5),
        };
        var client = new HubClient(http, options);

        var error = await Assert.ThrowsAsync<HubException>(() => client.GetRepositoryAsync("org/model", "main", Ct));

        Assert.Equal(HubErrorKind.Unavailable, error.Kind);
    }

    [Fact]
    public async Task GetRepositoryAsync_Request_SendsUserAgent()
    {
        var recording = new FailingHandler(HttpStatusCode.OK, times: 0);
        await using var env = await HubTestEnvironment.StartAsync(handler: recording);
        env.Hub.AddRepository("org/model").AddFile("config.json", "{}"u8.ToArray());

        await env.Client.GetRepositoryAsync("org/model", "main", Ct);

        Assert.StartsWith("bytez-dotnet/", recording.LastUserAgent, StringComparison.Ordinal);
        Assert.Null(recording.LastAuthorization);
    }

    [Fact]
    public async Task GetRepositoryAsync_HubWithoutSizes_UnavailableSayingWhy()
    {
        var canned = new CannedHandler("""{"id":"org/model","sha":"0123456789abcdef0123456789abcdef01234567","siblings":[{"rfilename":"config.json"}]}""");
        await using var env = await HubTestEnvironment.StartAsync(handler: canned);

        var error = await Assert.ThrowsAsync<HubException>(() => env.Client.GetRepositoryAsync("org/model", "main", Ct));

        Assert.Equal(HubErrorKind.Unavailable, error.Kind);
        Assert.Contains("sizes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetRepositoryAsync_GatedTrueAndPrivate_Parsed()
    {
        var canned = new CannedHandler("""{"id":"org/model","sha":"0123456789abcdef0123456789abcdef01234567","gated":"manual","private":true,"siblings":[]}""");
        await using var env = await HubTestEnvironment.StartAsync(handler: canned);

        var repository = await env.Client.GetRepositoryAsync("org/model", "main", Ct);

        Assert.True(repository.Gated);
        Assert.True(repository.Private);
        Assert.Empty(repository.Files);
    }

    [Fact]
    public async Task GetRepositoryAsync_RedirectFromHttpsToHttp_IsRefusedWithoutFollowing()
    {
        var handler = new DowngradingHandler();
        using var http = new HttpClient(handler);
        var client = new HubClient(http, new HubOptions { Endpoint = "https://hub.example.test", RetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.Zero });

        var error = await Assert.ThrowsAsync<HubException>(() => client.GetRepositoryAsync("org/model", "main", TestContext.Current.CancellationToken));

        Assert.Equal(HubErrorKind.Unavailable, error.Kind);
        Assert.Contains("never leave https", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, handler.Calls);
    }

    /// <summary>Redirects every request to the same path over plain http.</summary>
    private sealed class DowngradingHandler : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            var response = new HttpResponseMessage(HttpStatusCode.Found) { RequestMessage = request };
            response.Headers.Location = new UriBuilder(request.RequestUri!) { Scheme = "http", Port = 80 }.Uri;
            return Task.FromResult(response);
        }
    }

    /// <summary>Answers every request with 200 and a fixed JSON body.</summary>
    private sealed class CannedHandler(string json) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json), RequestMessage = request });
    }

    /// <summary>Answers <paramref name="status"/> itself for the first <paramref name="times"/> calls, then forwards to the hub.</summary>
    internal sealed class FailingHandler(HttpStatusCode status, int times) : DelegatingHandler
    {
        private int _calls;

        public int Calls => _calls;

        public string? LastUserAgent { get; private set; }

        public string? LastAuthorization { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastUserAgent = request.Headers.UserAgent.ToString();
            LastAuthorization = request.Headers.Authorization?.ToString();
            var call = Interlocked.Increment(ref _calls);
            return call <= times
                ? Task.FromResult(new HttpResponseMessage(status) { RequestMessage = request })
                : base.SendAsync(request, cancellationToken);
        }
    }
}
