using System.Net;
using System.Text;
using System.Text.Json;
using Bytez.Server.Hosting;
using Bytez.Testing;
using Bytez.Testing.FakeProviders;
using Bytez.Testing.TinyModels;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Providers;

/// <summary>
/// <c>POST /models/v2/{provider}/{model}</c> for closed-source models, through the real server to a fake of each
/// provider's real wire format on loopback: the request the provider gets, the envelope and stream the client gets,
/// and every error mapped.
/// </summary>
public sealed class ClosedSourceRunTests(ProviderProxyFixture fixture) : IClassFixture<ProviderProxyFixture>
{
    public static TheoryData<string> ProviderNames => ["openai", "anthropic", "google", "mistral", "cohere"];

    private const string Params = """{"temperature": 0.25, "custom_setting": {"list": [1, "two", null, true], "deep": {"x": -1.5e-3}}}""";

    private const string Conversation = """[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there"}]""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> RunAsync(
        TestServer server, string modelId, string body, string? providerKey)
    {
        using var client = server.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, modelId) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (providerKey is not null)
        {
            request.Headers.Add("provider-key", providerKey);
        }

        var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var json = response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonDocument.Parse(text).RootElement.Clone() : JsonSerializer.SerializeToElement(text);
        return (response.StatusCode, json, response);
    }

    [Theory]
    [MemberData(nameof(ProviderNames))]
    public async Task Run_Messages_AnswersAssistantMessageAndProviderRawAnswer(string name)
    {
        var fake = fixture.Providers[name];
        var (status, body, _) = await RunAsync(fixture.Server, $"{name}/model-a", $$"""{"messages": {{Conversation}}, "params": {{Params}}}""", fake.ValidKey);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["error", "output", "provider"], body.EnumerateObject().Select(p => p.Name));
        var output = AssertOutput(body);
        Assert.Equal(["role", "content"], output.EnumerateObject().Select(p => p.Name));
        Assert.Equal("assistant", output.GetProperty("role").GetString());
        Assert.Equal(fake.Reply("Hi there"), output.GetProperty("content").GetString());
        var provider = body.GetProperty("provider");
        switch (name)
        {
            case "openai" or "mistral":
                Assert.Equal("chat.completion", provider.GetProperty("object").GetString());
                Assert.Equal(fake.Reply("Hi there"), provider.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
                break;
            case "anthropic":
                Assert.Equal("msg_fake0001", provider.GetProperty("id").GetString());
                Assert.Equal("end_turn", provider.GetProperty("stop_reason").GetString());
                break;
            case "google":
                Assert.Equal("STOP", provider.GetProperty("candidates")[0].GetProperty("finishReason").GetString());
                break;
            case "cohere":
                Assert.Equal("COMPLETE", provider.GetProperty("finish_reason").GetString());
                break;
        }
    }

    [Theory]
    [MemberData(nameof(ProviderNames))]
    public async Task Run_Messages_ProviderGetsItsOwnRequestShapeAuthAndParamsUnchanged(string name)
    {
        var fake = fixture.Providers[name];
        var (status, _, _) = await RunAsync(fixture.Server, $"{name}/model-b", $$"""{"messages": {{Conversation}}, "params": {{Params}}}""", fake.ValidKey);
        Assert.Equal(HttpStatusCode.OK, status);

        var sent = fake.Requests.Last(r => r.Path.Contains("model-b", StringComparison.Ordinal) || (r.Body.TryGetProperty("model", out var m) && m.GetString() == "model-b"));
        using var expectedParams = JsonDocument.Parse(Params);
        foreach (var param in expectedParams.RootElement.EnumerateObject())
        {
            Assert.True(sent.Body.TryGetProperty(param.Name, out var value), $"params.{param.Name} did not reach {name}");
            Assert.Equal(param.Value.GetRawText().Replace(" ", "", StringComparison.Ordinal), value.GetRawText());
        }

        switch (name)
        {
            case "openai" or "mistral":
                Assert.Equal("/v1/chat/completions", sent.Path);
                Assert.Equal($"Bearer {fake.ValidKey}", sent.Headers["authorization"]);
                Assert.Equal("""[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi there"}]""", sent.Body.GetProperty("messages").GetRawText());
                Assert.False(sent.Body.TryGetProperty("stream", out _));
                break;
            case "anthropic":
                Assert.Equal("/v1/messages", sent.Path);
                Assert.Equal(fake.ValidKey, sent.Headers["x-api-key"]);
                Assert.Equal("2023-06-01", sent.Headers["anthropic-version"]);
                Assert.False(sent.Headers.ContainsKey("authorization"));
                Assert.Equal("Be brief.", sent.Body.GetProperty("system").GetString());
                Assert.Equal("""[{"role":"user","content":"Hi there"}]""", sent.Body.GetProperty("messages").GetRawText());
                Assert.Equal(4096, sent.Body.GetProperty("max_tokens").GetInt32());
                break;
            case "google":
                Assert.Equal("/v1beta/models/model-b:generateContent", sent.Path);
                Assert.Equal("", sent.Query);
                Assert.Equal(fake.ValidKey, sent.Headers["x-goog-api-key"]);
                Assert.Equal("""[{"role":"user","parts":[{"text":"Hi there"}]}]""", sent.Body.GetProperty("contents").GetRawText());
                Assert.Equal("""{"parts":[{"text":"Be brief."}]}""", sent.Body.GetProperty("systemInstruction").GetRawText());
                break;
            case "cohere":
                Assert.Equal("/v2/chat", sent.Path);
                Assert.Equal($"Bearer {fake.ValidKey}", sent.Headers["authorization"]);
                Assert.Equal("""[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi there"}]""", sent.Body.GetProperty("messages").GetRawText());
                Assert.False(sent.Body.GetProperty("stream").GetBoolean());
                break;
        }

        Assert.DoesNotContain(sent.Headers, h => h.Key == "provider-key");
    }

    [Theory]
    [MemberData(nameof(ProviderNames))]
    public async Task Run_Stream_RelaysTheProviderStreamAsRawText(string name)
    {
        var fake = fixture.Providers[name];
        using var client = fixture.Server.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{name}/model-s")
        {
            Content = new StringContent("""{"input": "Stream this, please", "stream": true, "params": {"max_tokens": 50}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("provider-key", fake.ValidKey);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Content.Headers.ContentLength);
        Assert.Equal(fake.Reply("Stream this, please"), await response.Content.ReadAsStringAsync(Ct));
        var sent = fake.LastRequest;
        if (name == "google")
        {
            Assert.Equal("/v1beta/models/model-s:streamGenerateContent", sent.Path);
            Assert.Equal("?alt=sse", sent.Query);
        }
        else
        {
            Assert.True(sent.Body.GetProperty("stream").GetBoolean());
        }

        Assert.Equal(50, sent.Body.GetProperty("max_tokens").GetInt32());
    }

    [Theory]
    [MemberData(nameof(ProviderNames))]
    public async Task Run_BadProviderKey_401WithTheProviderMessageAndNoKey(string name)
    {
        const string badKey = "sk-wrong-key-4b1d2c3e9f";
        var (status, body, _) = await RunAsync(fixture.Server, $"{name}/model-a", """{"input": "Hi"}""", badKey);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        var message = AssertErrorEnvelope(body);
        Assert.StartsWith(fixture.Providers[name].DisplayName + " refused the provider key", message, StringComparison.Ordinal);
        Assert.Contains("provider-key", message, StringComparison.Ordinal);
        Assert.DoesNotContain(badKey, message, StringComparison.Ordinal);
        var providerMessage = name switch
        {
            "openai" => "Incorrect API key provided: ***.",
            "anthropic" => "invalid x-api-key",
            "google" => "API key not valid",
            "mistral" => "Unauthorized",
            _ => "invalid api token",
        };
        Assert.Contains(providerMessage, message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ProviderNames))]
    public async Task Run_RateLimited_429WithTheProviderRetryAfter(string name)
    {
        var (status, body, response) = await RunAsync(fixture.Server, $"{name}/model-a", """{"input": "Hi"}""", FakeProvider.RateLimitedKey);

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.StartsWith(fixture.Providers[name].DisplayName + " is rate limiting", AssertErrorEnvelope(body), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(FakeProvider.RetryAfterSeconds), response.Headers.RetryAfter?.Delta);
    }

    [Theory]
    [MemberData(nameof(ProviderNames))]
    public async Task Run_StreamRateLimited_429EnvelopeBeforeAnyText(string name)
    {
        var (status, body, response) = await RunAsync(fixture.Server, $"{name}/model-a", """{"input": "Hi", "stream": true}""", FakeProvider.RateLimitedKey);

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        AssertErrorEnvelope(body);
        Assert.Equal(TimeSpan.FromSeconds(FakeProvider.RetryAfterSeconds), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Run_NoProviderKeyAnywhere_401NamingTheHeaderAndTheOption_ProviderNotCalled()
    {
        var before = fixture.Providers["anthropic"].Requests.Count;
        var (status, body, _) = await RunAsync(fixture.Server, "anthropic/claude-x", """{"input": "Hi"}""", providerKey: null);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        var message = AssertErrorEnvelope(body);
        Assert.Contains("provider-key", message, StringComparison.Ordinal);
        Assert.Contains("Bytez:Providers:Anthropic:Key", message, StringComparison.Ordinal);
        Assert.Equal(before, fixture.Providers["anthropic"].Requests.Count);
    }

    [Fact]
    public async Task Run_ServerHasTheKey_RunsWithoutProviderKeyHeader()
    {
        var fake = fixture.Providers["cohere"];
        var (status, body, _) = await RunAsync(fixture.KeyedServer, "cohere/command-x", """{"input": [{"role": "user", "content": "Keyed"}]}""", providerKey: null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(fake.Reply("Keyed"), AssertOutput(body).GetProperty("content").GetString());
        Assert.Equal($"Bearer {fake.ValidKey}", fake.LastRequest.Headers["authorization"]);
    }

    [Fact]
    public async Task Run_ProviderKeyHeader_WinsOverTheServerKey()
    {
        var (status, _, _) = await RunAsync(fixture.KeyedServer, "mistral/m", """{"input": "Hi"}""", "sk-someone-elses-key");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Bearer sk-someone-elses-key", fixture.Providers["mistral"].LastRequest.Headers["authorization"]);
    }

    [Fact]
    public async Task Run_ParamsNameAFieldTheServerBuilds_400NamingIt()
    {
        var fake = fixture.Providers["openai"];
        var before = fake.Requests.Count;
        var (status, body, _) = await RunAsync(fixture.Server, "openai/gpt-x", """{"input": "Hi", "params": {"messages": []}}""", fake.ValidKey);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'params.messages'", AssertErrorEnvelope(body), StringComparison.Ordinal);
        Assert.Equal(before, fake.Requests.Count);
    }

    [Theory]
    [InlineData("""{"params": {}}""", "no conversation")]
    [InlineData("""{"input": 42}""", "'input' must be messages or a string")]
    [InlineData("""{"messages": [{"role": "tool", "content": "x"}]}""", "'messages[0].role' must be system, user or assistant")]
    [InlineData("""{"messages": [{"role": "system", "content": "x"}]}""", "no user or assistant message")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"type": "image", "url": "http://x/y.png"}]}]}""", "only text")]
    public async Task Run_BadConversation_400SayingWhatIsExpected(string requestBody, string expected)
    {
        var (status, body, _) = await RunAsync(fixture.Server, "openai/gpt-x", requestBody, fixture.Providers["openai"].ValidKey);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ProviderSilent_504AfterTheConfiguredTimeout()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (status, body, _) = await RunAsync(fixture.Server, "google/gemini-slow", """{"input": "Hi"}""", FakeProvider.SlowKey);

        Assert.Equal(HttpStatusCode.GatewayTimeout, status);
        Assert.Contains("Bytez:Providers:Timeout", AssertErrorEnvelope(body), StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task Run_ProviderUnreachable_502NamingTheProvider()
    {
        // A port nothing listens on: a listener opened and closed at once.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var settings = new Dictionary<string, string?>
        {
            ["Bytez:EmbeddedModels"] = "false",
            ["Bytez:Providers:OpenAi:BaseUrl"] = $"http://127.0.0.1:{port}/v1",
        };
        await using var server = await TestServer.StartAsync(settings);

        var (status, body, _) = await RunAsync(server, "openai/gpt-x", """{"input": "Hi"}""", "sk-any");

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.StartsWith("OpenAI could not be reached", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_CatalogModelUnderAProviderOrg_RunsLocallyAndIsListedOnce()
    {
        var root = Directory.CreateTempSubdirectory("bytez-provider-precedence-").FullName;
        try
        {
            var model = TextClassificationModelWriter.Write(Path.Combine(root, "files", "classifier"));
            var models = Path.Combine(root, "models");
            Assert.Equal(0, AddModelCommand.Run([model.Folder, "--id", "openai/local-classifier", "--task", "text-classification", $"--Bytez:ModelsPath={models}"], TextWriter.Null, TextWriter.Null));
            var settings = fixture.Providers.Settings(serverKeys: true, "local-classifier");
            settings["Bytez:ModelsPath"] = models;
            settings["Bytez:EmbeddedModels"] = "false";
            await using var server = await TestServer.StartAsync(settings);
            var fake = fixture.Providers["openai"];
            var before = fake.Requests.Count;

            var (status, body, _) = await RunAsync(server, "openai/local-classifier", """{"text": "good movie"}""", fake.ValidKey);
            using var client = server.CreateHttpClient();
            var (_, listed, _) = await GetAsync(client, "list/models?modelId=openai/local-classifier");

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("POSITIVE", Assert.Single(AssertOutput(body).EnumerateArray()).GetProperty("label").GetString());
            Assert.False(body.TryGetProperty("provider", out _));
            Assert.Equal(before, fake.Requests.Count);
            Assert.Equal("text-classification", Assert.Single(AssertOutput(listed).EnumerateArray()).GetProperty("task").GetString());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Run_UnknownModelOfAnOrgThatIsNoProvider_Still404()
    {
        var (status, body, _) = await RunAsync(fixture.Server, "not-a-provider/model", """{"input": "Hi"}""", "sk-any");

        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertErrorEnvelope(body);
    }

    [Fact]
    public async Task Logs_AfterCallsWithKeys_NeverHoldAProviderKey()
    {
        foreach (var fake in fixture.Providers.All)
        {
            await RunAsync(fixture.Server, $"{fake.Name}/m", """{"input": "Hi"}""", fake.ValidKey);
            await RunAsync(fixture.Server, $"{fake.Name}/m", """{"input": "Hi", "stream": true}""", fake.ValidKey);
            await RunAsync(fixture.Server, $"{fake.Name}/m", """{"input": "Hi"}""", "sk-wrong-key-4b1d2c3e9f");
            await RunAsync(fixture.KeyedServer, $"{fake.Name}/m", """{"input": "Hi"}""", providerKey: null);
        }

        var entries = fixture.Logs.Entries.ToList();
        Assert.Contains(entries, e => e.Category.StartsWith("System.Net.Http.HttpClient.Bytez.Providers", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Category == "Bytez.Server.Errors" && e.Message.Contains("refused the provider key", StringComparison.Ordinal));
        // The HTTP client logs request headers at Trace: the key's header is there, its value is not.
        Assert.Contains(entries, e => e.Message.Contains("x-api-key", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(entries, e => e.Message.Contains("x-goog-api-key", StringComparison.OrdinalIgnoreCase));
        foreach (var entry in entries)
        {
            var text = entry.Message + entry.Exception;
            Assert.DoesNotContain("sk-wrong-key-4b1d2c3e9f", text, StringComparison.Ordinal);
            foreach (var fake in fixture.Providers.All)
            {
                Assert.DoesNotContain(fake.ValidKey, text, StringComparison.Ordinal);
            }
        }
    }
}
