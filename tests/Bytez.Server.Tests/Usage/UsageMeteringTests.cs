using System.Net;
using System.Text;
using System.Text.Json;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;
using static Bytez.Server.Tests.Usage.UsageFixture;

namespace Bytez.Server.Tests.Usage;

/// <summary>
/// Usage metering on the real server: what each key ran, on which model, through the Bytez, v1, OpenAI and Anthropic
/// routes, read back from <c>GET /models/v2/usage</c> (and the admin view), compared with what the routes themselves
/// reported (OpenAI's and Anthropic's usage objects), and the Prometheus counters by key name.
/// </summary>
public sealed class UsageMeteringTests(UsageFixture fixture) : IClassFixture<UsageFixture>
{
    private const string Hello = """[{"role": "user", "content": "Hello there"}]""";

    private TestServer Server => fixture.Usage.Server;

    private static string NewName(string who) => $"{who}-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task Usage_OfSeveralKeysAndModels_EqualsTheSumOfTheRequestsMade()
    {
        var aliceName = NewName("alice");
        var bobName = NewName("bob");
        var (alice, aliceId) = await CreateKeyAsync(Server, aliceName);
        var (bob, bobId) = await CreateKeyAsync(Server, bobName);
        using var a = Server.CreateHttpClient("Bearer " + alice);
        using var b = Server.CreateHttpClient("Key " + bob);

        // alice: two OpenAI chats on the GGUF model, one OpenAI embedding of two texts, one Bytez embedding, one Bytez generation.
        long chatPrompt = 0, chatCompletion = 0;
        for (var i = 0; i < 2; i++)
        {
            var (status, body, _) = await PostAsync(a, "/v1/chat/completions", $$"""{"model": "{{UsageServer.GgufModel}}", "messages": {{Hello}}, "max_tokens": {{4 + i}}}""");
            Assert.Equal(HttpStatusCode.OK, status);
            chatPrompt += body.GetProperty("usage").GetProperty("prompt_tokens").GetInt64();
            chatCompletion += body.GetProperty("usage").GetProperty("completion_tokens").GetInt64();
        }

        var (embedded, embedding, _) = await PostAsync(a, "/v1/embeddings", $$"""{"model": "{{UsageServer.EmbeddingModel}}", "input": ["the first text", "and a second, longer one"]}""");
        Assert.Equal(HttpStatusCode.OK, embedded);
        var embeddingTokens = embedding.GetProperty("usage").GetProperty("prompt_tokens").GetInt64();
        Assert.True(embeddingTokens > 0);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(a, UsageServer.EmbeddingModel, """{"input": "hello"}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(a, UsageServer.OnnxModel, """{"input": "Once", "params": {"max_new_tokens": 3, "min_new_tokens": 3}}""")).Status);

        // bob: one Anthropic message on the ONNX decoder and one v1 run of the embedding model.
        using var anthropic = new HttpClient { BaseAddress = Server.BaseAddress };
        anthropic.DefaultRequestHeaders.Add("x-api-key", bob);
        using var message = await anthropic.PostAsync(
            "v1/messages",
            new StringContent($$"""{"model": "{{UsageServer.OnnxModel}}", "max_tokens": 4, "messages": {{Hello}}}""", Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, message.StatusCode);
        var anthropicUsage = JsonDocument.Parse(await message.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("usage");
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(b, "/model/run", $$"""{"model": "{{UsageServer.EmbeddingModel}}", "input": "hi"}""")).Status);

        var aliceUsage = await ReadUsageAsync(a);
        Assert.All(aliceUsage.GetProperty("usage").EnumerateArray(), r =>
        {
            Assert.Equal(aliceId, r.GetProperty("keyId").GetString());
            Assert.Equal(aliceName, r.GetProperty("keyName").GetString());
        });
        var gguf = Sum(aliceUsage, UsageServer.GgufModel);
        Assert.Equal((2L, chatPrompt, chatCompletion, 0L), (gguf.Requests, gguf.Input, gguf.Generated, gguf.Downloads));
        Assert.True(gguf.Seconds > 0);
        var minilm = Sum(aliceUsage, UsageServer.EmbeddingModel);
        Assert.Equal((2L, embeddingTokens, 0L), (minilm.Requests, minilm.Input, minilm.Generated));
        Assert.True(minilm.Seconds > 0);
        var onnx = Sum(aliceUsage, UsageServer.OnnxModel);
        Assert.Equal((1L, 3L), (onnx.Requests, onnx.Generated));
        Assert.True(onnx.Input > 0);
        var totals = aliceUsage.GetProperty("totals");
        Assert.Equal(5, totals.GetProperty("requests").GetInt64());
        Assert.Equal(chatCompletion + 3, totals.GetProperty("generatedTokens").GetInt64());
        Assert.Equal(gguf.Seconds + minilm.Seconds + onnx.Seconds, totals.GetProperty("inferenceSeconds").GetDouble(), 5);

        var bobUsage = await ReadUsageAsync(b);
        Assert.All(bobUsage.GetProperty("usage").EnumerateArray(), r => Assert.Equal(bobId, r.GetProperty("keyId").GetString()));
        var bobOnnx = Sum(bobUsage, UsageServer.OnnxModel);
        Assert.Equal(
            (1L, anthropicUsage.GetProperty("input_tokens").GetInt64(), anthropicUsage.GetProperty("output_tokens").GetInt64()),
            (bobOnnx.Requests, bobOnnx.Input, bobOnnx.Generated));
        Assert.Equal(1, Sum(bobUsage, UsageServer.EmbeddingModel).Requests);

        // The admin sees both, by name or id, under both routes.
        using var admin = Server.CreateHttpClient();
        var all = await ReadUsageAsync(admin, "/admin/v1/usage");
        Assert.Equal(gguf, Sum(all, UsageServer.GgufModel, aliceId));
        Assert.Equal(bobOnnx, Sum(all, UsageServer.OnnxModel, bobId));
        var byName = await ReadUsageAsync(admin, $"usage?key={aliceName}");
        Assert.Equal(aliceUsage.GetProperty("totals").GetRawText(), byName.GetProperty("totals").GetRawText());
        Assert.All(byName.GetProperty("usage").EnumerateArray(), r => Assert.Equal(aliceId, r.GetProperty("keyId").GetString()));
        var byId = await ReadUsageAsync(admin, $"/admin/v1/usage?key={bobId}");
        Assert.Equal(bobUsage.GetProperty("totals").GetRawText(), byId.GetProperty("totals").GetRawText());
    }

    [Fact]
    public async Task Usage_OfAKeyThatIsNotAdmin_ShowsOnlyItsOwnKey()
    {
        var (carol, carolId) = await CreateKeyAsync(Server, NewName("carol"));
        var (dave, _) = await CreateKeyAsync(Server, NewName("dave"));
        using var c = Server.CreateHttpClient("Key " + carol);
        using var d = Server.CreateHttpClient("Key " + dave);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(d, UsageServer.EmbeddingModel, """{"input": "dave's text"}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(c, UsageServer.EmbeddingModel, """{"input": "carol's text"}""")).Status);

        var own = await ReadUsageAsync(c);
        Assert.Equal(carolId, Assert.Single(own.GetProperty("usage").EnumerateArray()).GetProperty("keyId").GetString());
        Assert.Equal(1, own.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(own.GetRawText(), (await ReadUsageAsync(c, $"usage?key={carolId}")).GetRawText());

        var (status, body, _) = await GetAsync(c, "usage?key=" + (await ReadUsageAsync(d)).GetProperty("usage")[0].GetProperty("keyId").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("admin", AssertErrorEnvelope(body), StringComparison.Ordinal);
        var (adminRoute, _, _) = await GetAsync(c, "/admin/v1/usage");
        Assert.Equal(HttpStatusCode.Forbidden, adminRoute);
    }

    [Fact]
    public async Task Usage_Filters_SelectByModelAndPeriod_AndRefuseBadValues()
    {
        var (erin, _) = await CreateKeyAsync(Server, NewName("erin"));
        using var e = Server.CreateHttpClient("Key " + erin);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(e, UsageServer.EmbeddingModel, """{"input": "a"}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(e, UsageServer.OnnxModel, """{"input": "b", "params": {"max_new_tokens": 2}}""")).Status);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var model = await ReadUsageAsync(e, $"usage?model={UsageServer.OnnxModel}");
        Assert.Equal(UsageServer.OnnxModel, Assert.Single(model.GetProperty("usage").EnumerateArray()).GetProperty("modelId").GetString());
        var day = await ReadUsageAsync(e, "usage?period=day");
        Assert.Equal((today, today), (day.GetProperty("from").GetString(), day.GetProperty("to").GetString()));
        Assert.Equal(2, day.GetProperty("usage").GetArrayLength());
        Assert.All(day.GetProperty("usage").EnumerateArray(), r => Assert.Equal(today, r.GetProperty("day").GetString()));
        var month = await ReadUsageAsync(e, "usage?period=month");
        Assert.Equal(today[..8] + "01", month.GetProperty("from").GetString());
        Assert.Equal(2, month.GetProperty("totals").GetProperty("requests").GetInt64());
        var past = await ReadUsageAsync(e, "usage?from=2000-01-01&to=2000-01-31");
        Assert.Equal(0, past.GetProperty("usage").GetArrayLength());
        Assert.Equal(0, past.GetProperty("totals").GetProperty("requests").GetInt64());
        var range = await ReadUsageAsync(e, $"usage?from={today}&to={today}&model={UsageServer.EmbeddingModel}");
        Assert.Equal(1, range.GetProperty("totals").GetProperty("requests").GetInt64());

        foreach (var (query, expected) in new[]
                 {
                     ("usage?period=week", "'period'"),
                     ("usage?from=2026-02-01&to=2026-01-01", "after"),
                     ("usage?period=day&from=2026-01-01", "not both"),
                     ("usage?from=yesterday", "ISO 8601"),
                     ("usage?from=2020-01-01&to=2026-01-01", "at most"),
                 })
        {
            var (status, body, _) = await GetAsync(e, query);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains(expected, AssertErrorEnvelope(body), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Metrics_CountUsageByKeyName_NeverByKey()
    {
        var name = NewName("frank");
        var (frank, _) = await CreateKeyAsync(Server, name);
        using var f = Server.CreateHttpClient("Key " + frank);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(f, UsageServer.OnnxModel, """{"input": "c", "params": {"max_new_tokens": 2, "min_new_tokens": 2}}""")).Status);

        using var scraper = new HttpClient { BaseAddress = Server.BaseAddress };
        var metrics = await MetricsExposition.ScrapeUntilAsync(
            scraper, "metrics", m => m.Named("bytez_usage_tokens_total").Any(s => s.Labels.GetValueOrDefault("key") == name));

        Assert.Equal(1, metrics.Named("bytez_usage_requests_total").Single(s => s.Labels["key"] == name && s.Labels["model"] == UsageServer.OnnxModel).Value);
        Assert.Equal(2, metrics.Named("bytez_usage_tokens_total").Single(s => s.Labels["key"] == name && s.Labels["type"] == "generated").Value);
        Assert.True(metrics.Named("bytez_usage_inference_time_seconds_total").Single(s => s.Labels["key"] == name).Value > 0);
        var text = await scraper.GetStringAsync("metrics", TestContext.Current.CancellationToken);
        Assert.DoesNotContain(frank, text, StringComparison.Ordinal);
        Assert.DoesNotContain(frank.Split('_')[2], text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelRequest_IsMeteredAsADownloadRequested()
    {
        var (grace, graceId) = await CreateKeyAsync(Server, NewName("grace"));
        using var g = Server.CreateHttpClient("Key " + grace);
        var (status, _, _) = await PostAsync(g, "request/usage-test/no-such-model", "{}");
        Assert.Equal(HttpStatusCode.OK, status);

        var usage = await ReadUsageAsync(g);
        Assert.Equal(1, Sum(usage, "usage-test/no-such-model", graceId).Downloads);
        Assert.Equal(0, usage.GetProperty("totals").GetProperty("requests").GetInt64());
    }
}
