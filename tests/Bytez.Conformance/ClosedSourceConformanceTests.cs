using System.Net;
using System.Text.Json;
using Bytez.Protocol;
using Bytez.Testing;
using Bytez.Testing.FakeProviders;

namespace Bytez.Conformance;

/// <summary>The five fake providers on loopback and a real server pointed at them, with no provider keys of its own.</summary>
public sealed class ProviderServerFixture : IAsyncLifetime
{
    /// <summary>The fakes.</summary>
    public FakeProviderSet Providers { get; private set; } = null!;

    /// <summary>The server.</summary>
    public TestServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Providers = await FakeProviderSet.StartAsync();
        var settings = Providers.Settings();
        settings["Bytez:EmbeddedModels"] = "false";
        Server = await TestServer.StartAsync(settings);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Providers.DisposeAsync();
    }
}

/// <summary>
/// Closed-source models (<c>openai/...</c>, <c>anthropic/...</c>, <c>google/...</c>, <c>mistral/...</c>,
/// <c>cohere/...</c>) run through our server to fakes of the providers' real APIs, driven by the official bytez.js
/// 3.0.0 (<c>model(id, providerKey).run</c>) and by our C# SDK (<c>client.Model(id, providerKey)</c>).
/// </summary>
public sealed class ClosedSourceConformanceTests(ProviderServerFixture fixture) : IClassFixture<ProviderServerFixture>
{
    public static TheoryData<string> ProviderNames => ["openai", "anthropic", "google", "mistral", "cohere"];

    private static readonly object[] Messages =
    [
        new { role = "system", content = "Answer in one line." },
        new { role = "user", content = "What is Bytez?" },
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = fixture.Server.ApiBase });

    [Theory]
    [MemberData(nameof(ProviderNames))]
    public async Task JsClient_Run_GetsTheAssistantMessageAndTheProviderAnswer(string name)
    {
        var fake = fixture.Providers[name];
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new
        {
            modelId = $"{name}/js-model",
            input = Messages,
            @params = new { temperature = 0.5, vendor_option = new { keep = new[] { "as", "is" } } },
            providerKey = fake.ValidKey,
        });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        Assert.Equal("assistant", result.GetProperty("output").GetProperty("role").GetString());
        Assert.Equal(fake.Reply("What is Bytez?"), result.GetProperty("output").GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Object, result.GetProperty("provider").ValueKind);
        var sent = fake.LastRequest;
        Assert.Equal("0.5", sent.Body.GetProperty("temperature").GetRawText());
        Assert.Equal("""{"keep":["as","is"]}""", sent.Body.GetProperty("vendor_option").GetRawText());
    }

    [Theory]
    [MemberData(nameof(ProviderNames))]
    public async Task JsClient_RunStream_ReadsTheTextInChunks(string name)
    {
        var fake = fixture.Providers[name];
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new
        {
            modelId = $"{name}/js-model",
            input = Messages,
            stream = true,
            providerKey = fake.ValidKey,
        });

        var chunks = result.GetProperty("chunks").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.NotEmpty(chunks);
        Assert.Equal(fake.Reply("What is Bytez?"), string.Concat(chunks));
    }

    [Theory]
    [MemberData(nameof(ProviderNames))]
    public async Task JsClient_BadProviderKey_ErrorInTheEnvelope(string name)
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = $"{name}/js-model", input = "Hi", providerKey = "sk-not-valid-123456" });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("output").ValueKind);
        var error = result.GetProperty("error").GetString()!;
        Assert.StartsWith(fixture.Providers[name].DisplayName + " refused the provider key", error, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-not-valid-123456", error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ProviderNames))]
    public async Task JsClient_RateLimited_ErrorInTheEnvelope(string name)
    {
        var result = await OfficialJsClient.CallAsync(fixture.Server, "run", new { modelId = $"{name}/js-model", input = "Hi", providerKey = FakeProvider.RateLimitedKey });

        Assert.Equal(JsonValueKind.Null, result.GetProperty("output").ValueKind);
        Assert.StartsWith(fixture.Providers[name].DisplayName + " is rate limiting", result.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ProviderNames))]
    public async Task Sdk_Run_GetsTheAssistantMessageTheProviderAnswerAndParamsArriveUnchanged(string name)
    {
        var fake = fixture.Providers[name];
        using var client = CreateClient();
        var model = client.Model($"{name}/sdk-model", fake.ValidKey);
        var parameters = new Dictionary<string, object?> { ["top_p"] = 0.75, ["vendor_option"] = new { n = 3, flag = false } };

        var result = await model.RunAsync(new[] { new ChatMessage("system", "Answer in one line."), new ChatMessage("user", "Hello SDK") }, parameters, Ct);

        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal(fake.Reply("Hello SDK"), result.GetText());
        Assert.Equal("assistant", result.Output!.Value.GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Object, result.Provider!.Value.ValueKind);
        Assert.Equal("0.75", fake.LastRequest.Body.GetProperty("top_p").GetRawText());
        Assert.Equal("""{"n":3,"flag":false}""", fake.LastRequest.Body.GetProperty("vendor_option").GetRawText());
    }

    [Theory]
    [MemberData(nameof(ProviderNames))]
    public async Task Sdk_Stream_ReadsTheText(string name)
    {
        var fake = fixture.Providers[name];
        using var client = CreateClient();
        var model = client.Model($"{name}/sdk-model", fake.ValidKey);

        var pieces = new List<string>();
        await foreach (var piece in model.StreamAsync([new ChatMessage("user", "Stream to SDK")], cancellationToken: Ct))
        {
            pieces.Add(piece);
        }

        Assert.Equal(fake.Reply("Stream to SDK"), string.Concat(pieces));
    }

    [Theory]
    [MemberData(nameof(ProviderNames))]
    public async Task Sdk_BadProviderKey_401Result(string name)
    {
        using var client = CreateClient();
        var result = await client.Model($"{name}/sdk-model", "sk-not-valid-123456").RunAsync("Hi", cancellationToken: Ct);

        Assert.False(result.IsSuccess);
        Assert.Equal(HttpStatusCode.Unauthorized, result.StatusCode);
        Assert.Contains("refused the provider key", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ProviderNames))]
    public async Task Sdk_RateLimited_429Result(string name)
    {
        using var client = CreateClient();
        var result = await client.Model($"{name}/sdk-model", FakeProvider.RateLimitedKey).RunAsync("Hi", cancellationToken: Ct);

        Assert.False(result.IsSuccess);
        Assert.Equal(HttpStatusCode.TooManyRequests, result.StatusCode);
        Assert.Contains("rate limiting", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sdk_StreamWithBadKey_ThrowsBytezExceptionWith401()
    {
        using var client = CreateClient();
        var model = client.Model("anthropic/sdk-model", "sk-not-valid-123456");

        var error = await Assert.ThrowsAsync<BytezException>(async () =>
        {
            await foreach (var _ in model.StreamAsync("Hi", cancellationToken: Ct))
            {
            }
        });

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }
}
