using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>The per-request limits (Bytez:Requests) on the real embedding model.</summary>
public sealed class RequestLimitsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string MiniLm = "sentence-transformers/all-MiniLM-L6-v2";

    [Fact]
    public async Task Embeddings_ThousandTextsOf30KB_AreRefusedFastNamingTheItemLimit()
    {
        // The reproduction: one valid 29.7 MB request that used to hold both cores for 153 s.
        using var client = fixture.Server.CreateHttpClient();
        var watch = Stopwatch.StartNew();

        var (status, body, _) = await PostAsync(client, MiniLm, Texts(1000, 30_000));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        var message = AssertErrorEnvelope(body);
        Assert.Contains("Bytez:Requests:MaxItems", message, StringComparison.Ordinal);
        Assert.Contains("1000", message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Embeddings_ManyLongTextsUnderTheItemLimit_AreRefusedFastNamingTheTokenLimit()
    {
        using var client = fixture.Server.CreateHttpClient();
        var watch = Stopwatch.StartNew();

        var (status, body, _) = await PostAsync(client, MiniLm, Texts(250, 30_000));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("Bytez:Requests:MaxInputTokens", AssertErrorEnvelope(body), StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Embeddings_ManySentencesToCompare_AreRefusedNamingTheItemLimit()
    {
        using var client = fixture.Server.CreateHttpClient();
        var sentences = JsonSerializer.Serialize(Enumerable.Repeat("a", 257));

        var (status, body, _) = await PostAsync(client, MiniLm, $$$"""{"input": {"source_sentence": "a", "sentences": {{{sentences}}}}}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("at most 256", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embeddings_AtTheLimits_AreServed()
    {
        using var client = fixture.Server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, MiniLm, Texts(256, 8));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(256, AssertOutput(body).GetArrayLength());
    }

    private static string Texts(int count, int characters)
    {
        var text = new StringBuilder(characters);
        while (text.Length < characters)
        {
            text.Append("lorem ipsum dolor sit amet ");
        }

        return JsonSerializer.Serialize(new { input = Enumerable.Repeat(text.ToString(0, characters), count) });
    }
}

/// <summary>The per-request limits on the tiny generative models, with small limits so that they are reached quickly.</summary>
public sealed class GenerationLimitsTests(GenerationLimitsTests.Fixture fixture) : IClassFixture<GenerationLimitsTests.Fixture>
{
    private const string Long = """{"input": "Go", "params": {"max_new_tokens": 3000, "min_new_tokens": 3000}}""";

    [Fact]
    public async Task Run_LongerThanTheDeadline_Is504InTheEnvelope()
    {
        using var client = fixture.Generation.Server.CreateHttpClient();
        var watch = Stopwatch.StartNew();

        var (status, body, _) = await PostAsync(client, GenerationServer.SlowGgufModel, Long);

        Assert.Equal(HttpStatusCode.GatewayTimeout, status);
        Assert.Contains("Bytez:Requests:Deadline", AssertErrorEnvelope(body), StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Stream_LongerThanTheDeadline_EndsWithTheMidStreamError()
    {
        using var client = fixture.Generation.Server.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, GenerationServer.SlowGgufModel)
        {
            Content = new StringContent(Long.Replace("}}", "}, \"stream\": true}", StringComparison.Ordinal), Encoding.UTF8, "application/json"),
        };

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var error = text[text.LastIndexOf("Error: ", StringComparison.Ordinal)..];
        Assert.Contains("Bytez:Requests:Deadline", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WaitingInTheQueue_CountsTowardTheDeadline()
    {
        using var client = fixture.Generation.Server.CreateHttpClient();
        using var first = new HttpRequestMessage(HttpMethod.Post, GenerationServer.SlowGgufModel) { Content = new StringContent(Long, Encoding.UTF8, "application/json") };
        var firstWatch = Stopwatch.StartNew();
        var running = client.SendAsync(first, TestContext.Current.CancellationToken);
        await Task.Delay(300, TestContext.Current.CancellationToken);

        // One instance serving one request at a time: the second waits until the first is stopped at its deadline.
        // Counted, the wait leaves the second no time: it ends right after the first (both pay the same cancellation
        // latency, which a busy machine makes long). Not counted, its own deadline would start only then, and it
        // would end a whole Deadline after the first.
        var watch = Stopwatch.StartNew();
        var (status, body, _) = await PostAsync(client, GenerationServer.SlowGgufModel, Long);
        var took = watch.Elapsed;
        using var firstResponse = await running;
        var firstTook = firstWatch.Elapsed;

        Assert.Equal(HttpStatusCode.GatewayTimeout, status);
        AssertErrorEnvelope(body);
        Assert.True(took < firstTook + (Fixture.Deadline / 2), $"the deadline started after the wait: the second took {took}, the first {firstTook}");
    }

    [Fact]
    public async Task Run_PromptOverTheTokenLimit_Is413NamingIt()
    {
        using var client = fixture.Generation.Server.CreateHttpClient();
        var prompt = string.Join(' ', Enumerable.Repeat("hello", 200));

        var (status, body, _) = await PostAsync(client, GenerationServer.GgufModel, JsonSerializer.Serialize(new { input = prompt }));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("Bytez:Requests:MaxInputTokens", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("messages")]
    [InlineData("input")]
    public async Task Chat_MoreMessagesThanTheLimit_Is413NamingIt(string field)
    {
        using var client = fixture.Generation.Server.CreateHttpClient();
        var messages = Enumerable.Repeat(new { role = "user", content = "hi" }, 4).ToArray();

        var (status, body, _) = await PostAsync(client, GenerationServer.OnnxModel, JsonSerializer.Serialize(new Dictionary<string, object> { [field] = messages }));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("Bytez:Requests:MaxItems", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    /// <summary>A generation server with a short deadline, 64 input tokens, 3 items and one request per instance.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

        public GenerationServer Generation { get; private set; } = null!;

        public async ValueTask InitializeAsync() => Generation = await GenerationServer.StartAsync(new Dictionary<string, string?>
        {
            ["Bytez:Requests:Deadline"] = Deadline.ToString(),
            ["Bytez:Requests:MaxInputTokens"] = "64",
            ["Bytez:Requests:MaxItems"] = "3",
            ["Bytez:Scheduler:ConcurrencyPerInstance"] = "1",
        });

        public ValueTask DisposeAsync() => Generation.DisposeAsync();
    }
}
