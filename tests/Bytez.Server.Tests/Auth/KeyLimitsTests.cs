using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bytez.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Server;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Auth;

/// <summary>
/// Per-key limits on the real server: the concurrency limit under a burst, the requests-per-minute window and its
/// headers, per-key overrides over the configured defaults, and the 429 in each route family's shape. The server's
/// clock is a fake one, so a window ends when the test says.
/// </summary>
public sealed class KeyLimitsTests : IAsyncLifetime
{
    private const int DefaultPerMinute = 50;

    private readonly HoldTool _hold = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync(
        new Dictionary<string, string?> { ["Bytez:Keys:Limits:RequestsPerMinute"] = DefaultPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        configure: builder =>
        {
            builder.Services.AddSingleton<McpServerTool>(_hold);
            builder.Services.AddSingleton<TimeProvider>(_time);
        });

    public async ValueTask DisposeAsync()
    {
        _hold.Release();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task ConcurrencyLimit_HoldsExactlyUnderABurstOf200_TheRestAre429WithRetryAfter()
    {
        const int limit = 3;
        var key = await ScopeTests.CreateKeyAsync(_server, $$$"""{"name": "burst", "scopes": ["run"], "limits": {"concurrentRequests": {{{limit}}}, "requestsPerMinute": 0}}""");
        using var client = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var calls = Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            using var response = await client.SendAsync(CallHold(), Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            return (response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta, Text: text,
                Limit: Header(response, "X-Concurrency-Limit"), Remaining: Header(response, "X-Concurrency-Remaining"));
        }, Ct)).ToList();
        // The refused ones come back while the admitted ones are held.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while ((calls.Count(c => c.IsCompleted) < 200 - limit || _hold.InFlight < limit) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }

        var inFlightWhileHeld = _hold.InFlight;
        _hold.Release();
        var results = await Task.WhenAll(calls);

        Assert.Equal(limit, inFlightWhileHeld);
        Assert.Equal(limit, _hold.Most);
        Assert.Equal(limit, _hold.Calls);
        Assert.Equal(limit, results.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = results.Where(r => r.StatusCode != HttpStatusCode.OK).ToList();
        Assert.Equal(200 - limit, refused.Count);
        Assert.All(refused, r =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), r.RetryAfter);
            Assert.Equal("3", r.Limit);
            Assert.Equal("0", r.Remaining);
            var error = AssertErrorEnvelope(JsonDocument.Parse(r.Text).RootElement);
            Assert.StartsWith("Rate limit exceeded", error, StringComparison.Ordinal);
            Assert.Contains("3 requests at once", error, StringComparison.Ordinal);
        });
        Assert.All(results.Where(r => r.StatusCode == HttpStatusCode.OK), r => Assert.Equal("3", r.Limit));

        // Slots are free again once the held requests are done.
        using var after = await client.SendAsync(CallHold(), Ct);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("2", Header(after, "X-Concurrency-Remaining"));
    }

    [Fact]
    public async Task RequestsPerMinute_429AfterN_HeadersCountDown_AndTheWindowComesBack()
    {
        var key = await ScopeTests.CreateKeyAsync(_server, """{"name": "rpm", "scopes": ["run"], "limits": {"requestsPerMinute": 4}}""");
        using var client = _server.CreateHttpClient("Key " + key);

        var remaining = new List<string?>();
        for (var i = 0; i < 4; i++)
        {
            var (status, _, response) = await GetAsync(client, "list/tasks");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("4", Header(response, "RateLimit-Limit"));
            Assert.Equal("4;w=60", Header(response, "RateLimit-Policy"));
            Assert.Equal("60", Header(response, "RateLimit-Reset"));
            remaining.Add(Header(response, "RateLimit-Remaining"));
        }

        _time.Advance(TimeSpan.FromSeconds(15));
        var (refused, body, refusal) = await GetAsync(client, "list/tasks");

        Assert.Equal(["3", "2", "1", "0"], remaining);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused);
        var message = AssertErrorEnvelope(body);
        Assert.StartsWith("Rate limit exceeded", message, StringComparison.Ordinal);
        Assert.Contains("4 requests per minute", message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(45), refusal.Headers.RetryAfter?.Delta);
        Assert.Equal("0", Header(refusal, "RateLimit-Remaining"));
        Assert.Equal("45", Header(refusal, "RateLimit-Reset"));

        _time.Advance(TimeSpan.FromSeconds(45));
        var (again, _, fresh) = await GetAsync(client, "list/tasks");
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal("3", Header(fresh, "RateLimit-Remaining"));
    }

    [Fact]
    public async Task PerKeyOverride_BeatsTheDefault_NullTakesIt_ZeroLiftsIt()
    {
        var overridden = await ScopeTests.CreateKeyAsync(_server, """{"name": "two", "scopes": ["run"], "limits": {"requestsPerMinute": 2}}""");
        var defaulted = await ScopeTests.CreateKeyAsync(_server, """{"name": "default", "scopes": ["run"], "limits": {"requestsPerMinute": null}}""");
        var unlimited = await ScopeTests.CreateKeyAsync(_server, """{"name": "free", "scopes": ["run"], "limits": {"requestsPerMinute": 0}}""");

        using var a = _server.CreateHttpClient("Key " + overridden);
        using var b = _server.CreateHttpClient("Key " + defaulted);
        using var c = _server.CreateHttpClient("Key " + unlimited);
        using var configured = _server.CreateHttpClient();
        var (_, _, first) = await GetAsync(a, "list/tasks");
        var (_, _, second) = await GetAsync(b, "list/tasks");
        var (_, _, third) = await GetAsync(c, "list/tasks");
        var (_, _, own) = await GetAsync(configured, "list/tasks");

        Assert.Equal("2", Header(first, "RateLimit-Limit"));
        Assert.Equal("1", Header(first, "RateLimit-Remaining"));
        Assert.Equal("50", Header(second, "RateLimit-Limit"));
        Assert.Equal("49", Header(second, "RateLimit-Remaining"));
        Assert.Null(Header(third, "RateLimit-Limit"));
        Assert.Null(Header(own, "RateLimit-Limit"));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(a, "list/tasks")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(a, "list/tasks")).Status);
        // One key's limit is its own: the others go on.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(b, "list/tasks")).Status);
    }

    [Fact]
    public async Task Refusal_OnOpenAiAndAnthropicPaths_IsTheirRateLimitError_WithTheHeaders()
    {
        var key = await ScopeTests.CreateKeyAsync(_server, """{"name": "openai", "scopes": ["run"], "limits": {"requestsPerMinute": 1}}""");
        using var client = new HttpClient { BaseAddress = _server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        using var first = await client.GetAsync("v1/models", Ct);
        using var second = await client.GetAsync("v1/models", Ct);
        using var anthropic = new HttpRequestMessage(HttpMethod.Post, "v1/messages") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        anthropic.Headers.Add("x-api-key", key);
        using var plain = new HttpClient { BaseAddress = _server.BaseAddress };
        using var third = await plain.SendAsync(anthropic, Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("0", Header(first, "RateLimit-Remaining"));
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter?.Delta);
        var error = JsonDocument.Parse(await second.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error");
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.StartsWith("Rate limit exceeded", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        var anthropicError = JsonDocument.Parse(await third.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("rate_limit_error", anthropicError.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("0", Header(third, "RateLimit-Remaining"));
    }

    [Fact]
    public async Task ErrorAnswers_OfALimitedKey_CarryTheHeadersToo()
    {
        var key = await ScopeTests.CreateKeyAsync(_server, """{"name": "errors", "scopes": ["run"], "limits": {"requestsPerMinute": 10, "concurrentRequests": 2}}""");
        using var client = _server.CreateHttpClient("Key " + key);

        var (status, _, response) = await PostAsync(client, "no-such/model", """{"input": "hi"}""");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("9", Header(response, "RateLimit-Remaining"));
        Assert.Equal("2", Header(response, "X-Concurrency-Limit"));
        Assert.Equal("1", Header(response, "X-Concurrency-Remaining"));
    }

    [Fact]
    public async Task ChangedLimits_HoldFromTheKeysNextRequest()
    {
        var key = await ScopeTests.CreateKeyAsync(_server, """{"name": "changing", "scopes": ["run"], "limits": {"requestsPerMinute": 100}}""");
        using var client = _server.CreateHttpClient("Key " + key);
        using var admin = _server.CreateHttpClient();
        var id = AssertOutput((await GetAsync(admin, "/admin/v1/keys")).Body).EnumerateArray()
            .Single(k => key.StartsWith(k.GetProperty("prefix").GetString()! + "_", StringComparison.Ordinal)).GetProperty("id").GetString();
        Assert.Equal("100", Header((await GetAsync(client, "list/tasks")).Response, "RateLimit-Limit"));

        var (changed, body, _) = await SendAsync(admin, HttpMethod.Patch, $"/admin/v1/keys/{id}/limits", """{"requestsPerMinute": 1}""");

        Assert.Equal(HttpStatusCode.OK, changed);
        Assert.Equal(1, AssertOutput(body).GetProperty("limits").GetProperty("requestsPerMinute").GetInt32());
        var (_, _, next) = await GetAsync(client, "list/tasks");
        Assert.Equal("1", Header(next, "RateLimit-Limit"));
        Assert.Equal("0", Header(next, "RateLimit-Remaining"));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(client, "list/tasks")).Status);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    private static HttpRequestMessage CallHold()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "mcp")
        {
            Content = new StringContent("""{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "hold", "arguments": {}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-06-18");
        return request;
    }
}
