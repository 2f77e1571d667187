using System.Net;
using System.Text;
using System.Text.Json;
using Bytez.Engine.Generation;
using Bytez.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests;

/// <summary>text-generation and chat through the Bytez route, on a GGUF model (llama.cpp) and an ONNX decoder (ONNX Runtime), both added from local paths.</summary>
public sealed class GenerationApiTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    public static TheoryData<string> Models => [GenerationServer.GgufModel, GenerationServer.OnnxModel];

    private HttpClient Client() => fixture.Generation.Server.CreateHttpClient();

    [Fact]
    public async Task ListModels_LocalModels_AreListedWithTaskParamsAndRam()
    {
        using var client = Client();
        var (_, body, _) = await GetAsync(client, "list/models");
        var models = AssertOutput(body).EnumerateArray().ToDictionary(m => m.GetProperty("modelId").GetString()!);

        var gguf = models[GenerationServer.GgufModel];
        Assert.Equal("chat", gguf.GetProperty("task").GetString());
        Assert.Equal("micro-lm", gguf.GetProperty("meter").GetString());
        var expectedParams = fixture.Generation.Gguf.ParameterCount / 1e9;
        Assert.Equal(expectedParams, gguf.GetProperty("params").GetDouble(), expectedParams * 0.01);
        Assert.True(gguf.GetProperty("ramRequired").GetDouble() > 0);
        Assert.Equal("chat", models[GenerationServer.OnnxModel].GetProperty("task").GetString());
        Assert.True(models[GenerationServer.OnnxModel].GetProperty("params").GetDouble() > 0);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Run_Text_AnswersThePromptAndItsContinuation(string model)
    {
        using var client = Client();
        var (status, body, _) = await PostAsync(client, model, """{"text": "Once upon a time", "params": {"max_new_tokens": 8, "min_new_tokens": 8}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var text = AssertOutput(body).GetString()!;
        Assert.StartsWith("Once upon a time", text, StringComparison.Ordinal);
        Assert.True(text.Length > "Once upon a time".Length);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Run_ReturnFullTextFalse_AnswersOnlyTheContinuation(string model)
    {
        using var client = Client();
        var (_, full, _) = await PostAsync(client, model, """{"input": "Once upon a time", "params": {"max_new_tokens": 8, "min_new_tokens": 8}}""");
        var (_, part, _) = await PostAsync(client, model, """{"input": "Once upon a time", "params": {"max_new_tokens": 8, "min_new_tokens": 8, "return_full_text": false}}""");

        Assert.Equal(AssertOutput(full).GetString(), "Once upon a time" + AssertOutput(part).GetString());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Run_Chat_AnswersAnAssistantMessage(string model)
    {
        using var client = Client();
        var (status, body, _) = await PostAsync(client, model,
            """{"messages": [{"role": "system", "content": "Be brief"}, {"role": "user", "content": [{"type": "text", "text": "Hello"}]}], "params": {"max_new_tokens": 6, "min_new_tokens": 6}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var output = AssertOutput(body);
        Assert.Equal("assistant", output.GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.String, output.GetProperty("content").ValueKind);
        Assert.Equal(["content", "role"], output.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Run_ChatFromGenericInput_IsTheSameAsMessages(string model)
    {
        using var client = Client();
        const string messages = """[{"role": "user", "content": "Hi there"}]""";
        var (_, viaInput, _) = await PostAsync(client, model, $$$"""{"input": {{{messages}}}, "params": {"max_new_tokens": 6, "min_new_tokens": 6}}""");
        var (_, viaMessages, _) = await PostAsync(client, model, $$$"""{"messages": {{{messages}}}, "params": {"max_new_tokens": 6, "min_new_tokens": 6}}""");

        Assert.Equal(AssertOutput(viaMessages).GetRawText(), AssertOutput(viaInput).GetRawText());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Run_SameSeed_SameSample(string model)
    {
        using var client = Client();
        const string json = """{"input": "Hello", "params": {"do_sample": true, "temperature": 1.5, "seed": 7, "max_new_tokens": 12, "min_new_tokens": 12}}""";
        var (_, first, _) = await PostAsync(client, model, json);
        var (_, second, _) = await PostAsync(client, model, json);

        Assert.Equal(AssertOutput(first).GetString(), AssertOutput(second).GetString());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Stream_ConcatenatedPieces_EqualTheNonStreamedOutput(string model)
    {
        using var client = Client();
        const string parameters = """{"do_sample": true, "seed": 11, "max_new_tokens": 24, "min_new_tokens": 24}""";
        var (_, whole, _) = await PostAsync(client, model, $$$"""{"input": "The answer is", "params": {{{parameters}}}}""");
        var (response, chunks) = await StreamAsync(client, model, $$$"""{"input": "The answer is", "params": {{{parameters}}}, "stream": true}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(AssertOutput(whole).GetString(), string.Concat(chunks));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Stream_Chat_EqualsTheNonStreamedContent(string model)
    {
        using var client = Client();
        const string request = """{"messages": [{"role": "user", "content": "Tell me"}], "params": {"seed": 3, "do_sample": true, "max_new_tokens": 16, "min_new_tokens": 16}""";
        var (_, whole, _) = await PostAsync(client, model, request + "}");
        var (_, chunks) = await StreamAsync(client, model, request + ", \"stream\": true}");

        Assert.Equal(AssertOutput(whole).GetProperty("content").GetString(), string.Concat(chunks));
    }

    [Theory]
    [InlineData("""{"bogus": 1}""", "Unknown parameter `bogus`", "max_new_tokens")]
    [InlineData("""{"num_beams": 17}""", "num_beams", "from 1 to 16")]
    [InlineData("""{"penalty_alpha": 0.6}""", "penalty_alpha", "not supported")]
    [InlineData("""{"temperature": -1}""", "temperature", "> 0")]
    [InlineData("""{"top_p": 1.5}""", "top_p", "(0, 1]")]
    [InlineData("""{"top_k": -3}""", "top_k", ">= 0")]
    [InlineData("""{"max_new_tokens": 0}""", "max_new_tokens", ">= 1")]
    [InlineData("""{"max_new_tokens": "ten"}""", "max_new_tokens", "integer")]
    [InlineData("""{"eos_token_id": 99999999}""", "eos_token_id", "token ids")]
    [InlineData("""{"num_return_sequences": 2}""", "num_return_sequences", "do_sample")]
    public async Task Run_BadParameter_Is400NamingItAndTheValidRange(string parameters, string part1, string part2)
    {
        using var client = Client();
        foreach (var model in new[] { GenerationServer.GgufModel, GenerationServer.OnnxModel })
        {
            var (status, body, _) = await PostAsync(client, model, $$$"""{"input": "Hi", "params": {{{parameters}}}}""");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            var message = AssertErrorEnvelope(body);
            Assert.Contains(part1, message, StringComparison.Ordinal);
            Assert.Contains(part2, message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Run_BeamSearch_OnnxDecoderAnswersLlamaCppRefusesNamingIt()
    {
        using var client = Client();

        var (onnxStatus, onnxBody, _) = await PostAsync(client, GenerationServer.OnnxModel, """{"input": "Hi", "params": {"num_beams": 2, "max_new_tokens": 4}}""");
        var (ggufStatus, ggufBody, _) = await PostAsync(client, GenerationServer.GgufModel, """{"input": "Hi", "params": {"num_beams": 2, "max_new_tokens": 4}}""");

        Assert.Equal(HttpStatusCode.OK, onnxStatus);
        Assert.NotEqual(JsonValueKind.Null, AssertOutput(onnxBody).ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, ggufStatus);
        Assert.Contains("beam search", AssertErrorEnvelope(ggufBody), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Stream_BadParameter_Is400EnvelopeNotAStream(string model)
    {
        using var client = Client();
        var (status, body, _) = await PostAsync(client, model, """{"input": "Hi", "params": {"top_p": 7}, "stream": true}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("top_p", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Run_NumReturnSequences_AnswersThatManyTexts(string model)
    {
        using var client = Client();
        var (_, body, _) = await PostAsync(client, model, """{"input": "Hi", "params": {"num_return_sequences": 3, "do_sample": true, "seed": 5, "max_new_tokens": 5}}""");

        var outputs = AssertOutput(body).EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(3, outputs.Count);
        Assert.All(outputs, o => Assert.StartsWith("Hi", o, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Run_ImageBlockForATextModel_Is400(string model)
    {
        using var client = Client();
        var (status, body, _) = await PostAsync(client, model,
            """{"messages": [{"role": "user", "content": [{"type": "image", "url": "https://example.org/cat.jpg"}]}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("text only", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_ClientDisconnects_GenerationStops()
    {
        const string model = GenerationServer.SlowGgufModel;
        using var scrape = new HttpClient { BaseAddress = fixture.Generation.Server.BaseAddress };
        var cancelledBefore = await CancelledAsync(scrape, _ => true);
        using var client = Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, model)
        {
            Content = new StringContent("""{"input": "Go", "params": {"max_new_tokens": 4000, "min_new_tokens": 4000, "return_full_text": false}, "stream": true}""", Encoding.UTF8, "application/json"),
        };
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken))
        {
            await using var body = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
            var buffer = new byte[16];
            Assert.True(await body.ReadAsync(buffer, TestContext.Current.CancellationToken) > 0);
        }

        // The response is disposed mid-stream: the connection closes and the server stops at its next token, which the
        // engine's metrics count as a cancelled sequence.
        var cancelled = await CancelledAsync(scrape, c => c > cancelledBefore);
        Assert.True(cancelled > cancelledBefore, "the generation was not cancelled");
    }

    /// <summary>The server's count of cancelled sequences of the slow model, scraped until <paramref name="ready"/> holds (or 15 s pass).</summary>
    private static async Task<double> CancelledAsync(HttpClient scrape, Func<double, bool> ready)
    {
        static double Count(MetricsExposition e) => e.Named("bytez_sequences_cancelled_total")
            .Where(s => s.Labels.GetValueOrDefault("model") == GenerationServer.SlowGgufModel).Sum(s => s.Value);
        return Count(await MetricsExposition.ScrapeUntilAsync(scrape, "metrics", e => ready(Count(e))));
    }

    private static async Task<(HttpResponseMessage Response, List<string> Chunks)> StreamAsync(HttpClient client, string model, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, model) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var chunks = new List<string>();
        await using var body = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        using var reader = new StreamReader(body, Encoding.UTF8);
        var buffer = new char[256];
        int read;
        while ((read = await reader.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            chunks.Add(new string(buffer, 0, read));
        }

        return (response, chunks);
    }
}

/// <summary>Generation shows up in the Prometheus metrics.</summary>
public sealed class GenerationMetricsTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    [Fact]
    public async Task Metrics_AfterGeneration_CountTokensAndTheirRate()
    {
        using var client = fixture.Generation.Server.CreateHttpClient();
        await PostAsync(client, GenerationServer.GgufModel, """{"input": "Count", "params": {"max_new_tokens": 7, "min_new_tokens": 7}}""");

        using var scrape = new HttpClient { BaseAddress = fixture.Generation.Server.BaseAddress };
        var text = await scrape.GetStringAsync("metrics", TestContext.Current.CancellationToken);

        var tokens = text.Split('\n').Single(l => l.StartsWith("bytez_tokens_generated_total{", StringComparison.Ordinal) && l.Contains("model=\"local/tiny-gguf\"", StringComparison.Ordinal));
        Assert.True(double.Parse(tokens[(tokens.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture) >= 7, tokens);
        Assert.Contains("bytez_tokens_rate", text, StringComparison.Ordinal);
        Assert.Contains("bytez_batch_size", text, StringComparison.Ordinal);
        Assert.Contains("bytez_queue_time_seconds", text, StringComparison.Ordinal);
    }
}

/// <summary>The llama.cpp prefix cache shows up in the Prometheus metrics (its own server: scrapes are cached for 300 ms).</summary>
public sealed class PrefixCacheMetricsTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    [Fact]
    public async Task Metrics_SameLongPromptTwice_PrefixCacheHitAndReusedTokensCounted()
    {
        using var client = fixture.Generation.Server.CreateHttpClient();
        using var scrape = new HttpClient { BaseAddress = fixture.Generation.Server.BaseAddress };
        static (double Hits, double Tokens) Counts(MetricsExposition e) =>
            (e.Named("bytez_prefix_cache_hits_total").Where(s => s.Labels.GetValueOrDefault("model") == GenerationServer.GgufModel).Sum(s => s.Value),
             e.Named("bytez_prefix_cache_reused_tokens_total").Where(s => s.Labels.GetValueOrDefault("model") == GenerationServer.GgufModel).Sum(s => s.Value));
        var before = Counts(await MetricsExposition.ScrapeUntilAsync(scrape, "metrics", _ => true));

        // A prompt unlike any other test's, longer than the minimum worth reusing (16 tokens): the second request
        // reuses all of it but its last token.
        const string body = """{"input": "The keeper of the northern lighthouse wrote down every ship, its flag and the hour", "params": {"max_new_tokens": 3}}""";
        await PostAsync(client, GenerationServer.GgufModel, body);
        await PostAsync(client, GenerationServer.GgufModel, body);

        var after = Counts(await MetricsExposition.ScrapeUntilAsync(scrape, "metrics", e => Counts(e).Hits > before.Hits));
        Assert.True(after.Hits >= before.Hits + 1, $"hits {before.Hits} -> {after.Hits}");
        Assert.True(after.Tokens - before.Tokens >= 16, $"reused tokens {before.Tokens} -> {after.Tokens}");
    }
}
