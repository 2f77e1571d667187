using System.Globalization;
using System.Net;
using System.Text.Json;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;
using static Bytez.Server.Tests.Usage.UsageFixture;

namespace Bytez.Server.Tests.Usage;

/// <summary>
/// Usage across restarts and the budget of generated tokens per day, each on its own real server: totals written only at
/// shutdown are there after a restart on the same data directory, and a key over its budget gets 429 for generation.
/// </summary>
public sealed class UsagePersistenceTests
{
    private const string Hello = """[{"role": "user", "content": "Hello"}]""";

    [Fact]
    public async Task Usage_WrittenAtShutdown_SurvivesARestartOnTheSameHome()
    {
        var home = Path.Combine(Path.GetTempPath(), "bytez-usage-home-" + Guid.NewGuid().ToString("N"));
        // Only the shutdown flush writes: the interval is longer than the test.
        var settings = new Dictionary<string, string?> { ["Bytez:Home"] = home, ["Bytez:Usage:FlushInterval"] = "00:10:00" };
        try
        {
            string keyId;
            long prompt, completion, embeddingTokens;
            await using (var first = await UsageServer.StartAsync(settings))
            {
                (var key, keyId) = await CreateKeyAsync(first.Server, "restart");
                using var client = first.Server.CreateHttpClient("Bearer " + key);
                var (status, chat, _) = await PostAsync(client, "/v1/chat/completions", $$"""{"model": "{{UsageServer.GgufModel}}", "messages": {{Hello}}, "max_tokens": 5}""");
                Assert.Equal(HttpStatusCode.OK, status);
                prompt = chat.GetProperty("usage").GetProperty("prompt_tokens").GetInt64();
                completion = chat.GetProperty("usage").GetProperty("completion_tokens").GetInt64();
                var (embedded, embedding, _) = await PostAsync(client, "/v1/embeddings", $$"""{"model": "{{UsageServer.EmbeddingModel}}", "input": "some words to embed"}""");
                Assert.Equal(HttpStatusCode.OK, embedded);
                embeddingTokens = embedding.GetProperty("usage").GetProperty("prompt_tokens").GetInt64();
                // The server's own key is metered too, under its id and name.
                using var admin = first.Server.CreateHttpClient();
                Assert.Equal(HttpStatusCode.OK, (await PostAsync(admin, UsageServer.EmbeddingModel, """{"input": "admin text"}""")).Status);
            }

            Assert.True(File.Exists(Path.Combine(home, "state", "usage.db")));
            await using var second = await UsageServer.StartAsync(settings);
            using var reader = second.Server.CreateHttpClient();
            var usage = await ReadUsageAsync(reader, "/admin/v1/usage?period=day");

            Assert.Equal((1L, prompt, completion), Sum(usage, UsageServer.GgufModel, keyId) is var g ? (g.Requests, g.Input, g.Generated) : default);
            Assert.Equal((1L, embeddingTokens), Sum(usage, UsageServer.EmbeddingModel, keyId) is var m ? (m.Requests, m.Input) : default);
            var configured = usage.GetProperty("usage").EnumerateArray().Single(r => r.GetProperty("keyId").GetString() == "configured");
            Assert.Equal("configured", configured.GetProperty("keyName").GetString());
            Assert.Equal(1, configured.GetProperty("requests").GetInt64());
            Assert.Equal(3, usage.GetProperty("totals").GetProperty("requests").GetInt64());
        }
        finally
        {
            try
            {
                Directory.Delete(home, recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
        }
    }

    [Fact]
    public async Task GeneratedTokensPerDay_OnceSpent_Refuses429UntilUtcMidnight_ForGenerationOnly()
    {
        await using var server = await UsageServer.StartAsync(new Dictionary<string, string?> { ["Bytez:Keys:Limits:GeneratedTokensPerDay"] = "8" });
        var (key, keyId) = await CreateKeyAsync(server.Server, "budget");
        using var client = server.Server.CreateHttpClient("Key " + key);
        const string Generate = """{"input": "Once upon", "params": {"max_new_tokens": 4, "min_new_tokens": 4}}""";

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, UsageServer.OnnxModel, Generate)).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, UsageServer.OnnxModel, Generate)).Status);
        var (status, body, response) = await PostAsync(client, UsageServer.OnnxModel, Generate);

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.StartsWith("Rate limit exceeded", AssertErrorEnvelope(body), StringComparison.Ordinal);
        var now = DateTimeOffset.UtcNow;
        var untilMidnight = (new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero) - now).TotalSeconds;
        var retryAfter = int.Parse(response.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, untilMidnight - 30, untilMidnight + 2);

        // Streamed and OpenAI-shaped generation are refused too; embeddings still run; the server's own key still generates.
        var (streamed, _, _) = await PostAsync(client, UsageServer.OnnxModel, """{"input": "x", "stream": true, "params": {"max_new_tokens": 2}}""");
        Assert.Equal(HttpStatusCode.TooManyRequests, streamed);
        var (chat, chatBody, _) = await PostAsync(client, "/v1/chat/completions", $$"""{"model": "{{UsageServer.GgufModel}}", "messages": {{Hello}}, "max_tokens": 2}""");
        Assert.Equal(HttpStatusCode.TooManyRequests, chat);
        Assert.StartsWith("Rate limit exceeded", chatBody.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, UsageServer.EmbeddingModel, """{"input": "still fine"}""")).Status);
        using var admin = server.Server.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(admin, UsageServer.OnnxModel, Generate)).Status);

        var usage = await ReadUsageAsync(client);
        Assert.Equal((2L, 8L), Sum(usage, UsageServer.OnnxModel, keyId) is var onnx ? (onnx.Requests, onnx.Generated) : default);
        Assert.Equal(0, Sum(usage, UsageServer.GgufModel, keyId).Requests);
    }

    [Fact]
    public async Task GeneratedTokensPerDay_OfTheKeyItself_HoldsWithoutADefault_AndOnlyForThatKey()
    {
        await using var server = await UsageServer.StartAsync(new Dictionary<string, string?>());
        using var admin = server.Server.CreateHttpClient();
        var (created, createdBody, _) = await PostAsync(
            admin, "/admin/v1/keys", """{"name": "own budget", "scopes": ["run"], "limits": {"generatedTokensPerDay": 4}}""");
        Assert.Equal(HttpStatusCode.Created, created);
        var limited = AssertOutput(createdBody).GetProperty("key").GetString()!;
        var (free, _) = await CreateKeyAsync(server.Server, "no budget");
        using var limitedClient = server.Server.CreateHttpClient("Key " + limited);
        using var freeClient = server.Server.CreateHttpClient("Key " + free);
        const string Generate = """{"input": "Once upon", "params": {"max_new_tokens": 4, "min_new_tokens": 4}}""";

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(limitedClient, UsageServer.OnnxModel, Generate)).Status);
        var (refused, body, _) = await PostAsync(limitedClient, UsageServer.OnnxModel, Generate);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused);
        Assert.StartsWith("Rate limit exceeded", AssertErrorEnvelope(body), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(freeClient, UsageServer.OnnxModel, Generate)).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(freeClient, UsageServer.OnnxModel, Generate)).Status);
    }
}
