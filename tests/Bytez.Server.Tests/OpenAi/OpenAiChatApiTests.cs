using System.Net;
using System.Text;
using System.Text.Json;
using Bytez.Engine.Tokenization.HuggingFace;
using Bytez.Testing;

namespace Bytez.Server.Tests.OpenAi;

/// <summary><c>POST chat/completions</c> over raw HTTP on the tiny GGUF (llama.cpp) and ONNX decoder models.</summary>
public sealed class OpenAiChatApiTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    public static TheoryData<string> Models => [GenerationServer.GgufModel, GenerationServer.OnnxModel];

    private const string Hello = """[{"role": "user", "content": "Hello"}]""";

    internal static HttpClient OpenAiClient(TestServer server) =>
        new() { BaseAddress = new Uri(server.BaseAddress, "v1/"), DefaultRequestHeaders = { { "Authorization", "Bearer " + TestServer.Key } } };

    private HttpClient Client() => OpenAiClient(fixture.Generation.Server);

    internal static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string path, string json)
    {
        using var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Reads a Server-Sent Events answer: the JSON of each <c>data:</c> event, and whether it ended with [DONE].</summary>
    internal static async Task<(HttpResponseMessage Response, List<JsonElement> Events, bool Done)> StreamAsync(HttpClient client, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var events = new List<JsonElement>();
        var done = false;
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.StartsWith("data: ", block, StringComparison.Ordinal);
            Assert.False(done, "an event after [DONE]");
            var data = block["data: ".Length..];
            if (data == "[DONE]")
            {
                done = true;
                continue;
            }

            events.Add(JsonDocument.Parse(data).RootElement.Clone());
        }

        return (response, events, done);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Chat_Plain_AnswersAChatCompletionEqualToTheBytezRoute(string model)
    {
        using var client = Client();
        var (status, body) = await PostAsync(client, "chat/completions", $$"""{"model": "{{model}}", "messages": {{Hello}}, "max_tokens": 6}""");
        using var bytez = fixture.Generation.Server.CreateHttpClient();
        var (_, bytezBody, _) = await Http.PostAsync(bytez, model, $$"""{"messages": {{Hello}}, "params": {"max_new_tokens": 6} }""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("chatcmpl-", body.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.Equal(model, body.GetProperty("model").GetString());
        Assert.True(body.GetProperty("created").GetInt64() > 1_700_000_000);
        Assert.StartsWith("bytez-", body.GetProperty("system_fingerprint").GetString(), StringComparison.Ordinal);
        var choice = Assert.Single(body.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("refusal").ValueKind);
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal(Http.AssertOutput(bytezBody).GetProperty("content").GetString(), choice.GetProperty("message").GetProperty("content").GetString());
        var usage = body.GetProperty("usage");
        var completion = usage.GetProperty("completion_tokens").GetInt32();
        Assert.Equal(choice.GetProperty("finish_reason").GetString() == "length" ? 6 : completion, completion);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + completion, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Chat_Usage_PromptTokensAreTheRenderedTemplatesTokens()
    {
        using var client = Client();
        var (_, body) = await PostAsync(client, "chat/completions",
            $$"""{"model": "{{GenerationServer.OnnxModel}}", "messages": [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "Hello there"}], "max_tokens": 2}""");
        var tokenizer = HfTokenizer.FromDirectory(fixture.Generation.Onnx.Folder);
        // The ChatML template with developer given as system.
        var rendered = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\n";

        Assert.Equal(tokenizer.Encode(rendered, addSpecialTokens: false).Length, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Chat_Streamed_ChunksAddUpToTheNonStreamedAnswerThenUsageThenDone(string model)
    {
        using var client = Client();
        var json = $$"""{"model": "{{model}}", "messages": {{Hello}}, "max_tokens": 8, "stream": true, "stream_options": {"include_usage": true} }""";
        var (_, plain) = await PostAsync(client, "chat/completions", json.Replace("\"stream\": true", "\"stream\": false", StringComparison.Ordinal));
        var (response, events, done) = await StreamAsync(client, "chat/completions", json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.True(done);
        Assert.All(events, e => Assert.Equal("chat.completion.chunk", e.GetProperty("object").GetString()));
        Assert.Single(events.Select(e => e.GetProperty("id").GetString()).Distinct());
        var first = events[0].GetProperty("choices")[0].GetProperty("delta");
        Assert.Equal("assistant", first.GetProperty("role").GetString());
        Assert.Equal(string.Empty, first.GetProperty("content").GetString());
        var withChoices = events.Where(e => e.GetProperty("choices").GetArrayLength() > 0).Select(e => e.GetProperty("choices")[0]).ToList();
        var text = string.Concat(withChoices.Select(c => c.GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : ""));
        var plainChoice = plain.GetProperty("choices")[0];
        Assert.Equal(plainChoice.GetProperty("message").GetProperty("content").GetString(), text);
        var last = withChoices[^1];
        Assert.Empty(last.GetProperty("delta").EnumerateObject());
        Assert.Equal(plainChoice.GetProperty("finish_reason").GetString(), last.GetProperty("finish_reason").GetString());
        Assert.All(withChoices[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("finish_reason").ValueKind));
        var usageChunk = events[^1];
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.Equal(plain.GetProperty("usage").GetRawText(), usageChunk.GetProperty("usage").GetRawText());
        Assert.All(events[..^1], e => Assert.Equal(JsonValueKind.Null, e.GetProperty("usage").ValueKind));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Chat_StopString_FinishesWithStopAndLeavesTheStopOut(string model)
    {
        using var client = Client();
        var (_, free) = await PostAsync(client, "chat/completions", $$"""{"model": "{{model}}", "messages": {{Hello}}, "max_tokens": 12, "temperature": 0}""");
        var content = free.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        Assert.Equal("length", free.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.True(content.Length >= 4, $"too short to cut: '{content}'");
        var stop = content.Substring(content.Length / 2, 2);
        var expected = content[..content.IndexOf(stop, StringComparison.Ordinal)];
        var json = $$"""{"model": "{{model}}", "messages": {{Hello}}, "max_tokens": 12, "temperature": 0, "stop": [{{JsonSerializer.Serialize(stop)}}]""";

        var (_, stopped) = await PostAsync(client, "chat/completions", json + "}");
        var (_, events, _) = await StreamAsync(client, "chat/completions", json + ", \"stream\": true}");

        Assert.Equal("stop", stopped.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(expected, stopped.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        var streamed = string.Concat(events.Select(e => e.GetProperty("choices")[0].GetProperty("delta")).Select(d => d.TryGetProperty("content", out var t) ? t.GetString() : ""));
        Assert.Equal(expected, streamed);
    }

    [Fact]
    public async Task Chat_Logprobs_GiveEachTokenItsLogprobAndTheTopAlternatives()
    {
        using var client = Client();
        var (_, body) = await PostAsync(client, "chat/completions",
            $$"""{"model": "{{GenerationServer.OnnxModel}}", "messages": {{Hello}}, "max_tokens": 5, "logprobs": true, "top_logprobs": 3}""");
        var choice = body.GetProperty("choices")[0];
        var tokens = choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().ToList();

        Assert.Equal(body.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), tokens.Count);
        Assert.Equal(choice.GetProperty("message").GetProperty("content").GetString(), string.Concat(tokens.Select(t => t.GetProperty("token").GetString())));
        foreach (var token in tokens)
        {
            var logprob = token.GetProperty("logprob").GetDouble();
            Assert.True(logprob <= 0);
            Assert.Equal(Encoding.UTF8.GetBytes(token.GetProperty("token").GetString()!), token.GetProperty("bytes").EnumerateArray().Select(b => (byte)b.GetInt32()));
            var top = token.GetProperty("top_logprobs").EnumerateArray().ToList();
            Assert.Equal(3, top.Count);
            // Greedy: the chosen token is the most likely one, so it heads the alternatives with the same logprob.
            Assert.Equal(token.GetProperty("token").GetString(), top[0].GetProperty("token").GetString());
            Assert.Equal(logprob, top[0].GetProperty("logprob").GetDouble(), 5);
            Assert.True(top.Select(t => t.GetProperty("logprob").GetDouble()).SequenceEqual(top.Select(t => t.GetProperty("logprob").GetDouble()).OrderDescending()));
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Chat_NWithSeed_GivesNChoicesRepeatableBySeed(string model)
    {
        using var client = Client();
        var json = $$"""{"model": "{{model}}", "messages": {{Hello}}, "max_tokens": 6, "n": 2, "temperature": 1.5, "seed": 42}""";
        var (_, a) = await PostAsync(client, "chat/completions", json);
        var (_, b) = await PostAsync(client, "chat/completions", json);

        var choices = a.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(a.GetProperty("choices").GetRawText(), b.GetProperty("choices").GetRawText());
    }

    [Fact]
    public async Task Chat_NGreedy_RepeatsTheOneGreedyAnswer()
    {
        using var client = Client();
        var (_, one) = await PostAsync(client, "chat/completions", $$"""{"model": "{{GenerationServer.GgufModel}}", "messages": {{Hello}}, "max_tokens": 5, "temperature": 0}""");
        var (_, three) = await PostAsync(client, "chat/completions", $$"""{"model": "{{GenerationServer.GgufModel}}", "messages": {{Hello}}, "max_tokens": 5, "temperature": 0, "n": 3}""");

        var answer = one.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        Assert.Equal([answer, answer, answer], three.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("message").GetProperty("content").GetString()));
        Assert.Equal(3 * one.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), three.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Chat_FrequencyPenalty_AnswersAsTheBytezRouteWithTheSamePenalty(string model)
    {
        using var client = Client();
        using var bytez = fixture.Generation.Server.CreateHttpClient();
        var (_, plain) = await PostAsync(client, "chat/completions", $$"""{"model": "{{model}}", "messages": {{Hello}}, "max_tokens": 24}""");
        var (_, penalized) = await PostAsync(client, "chat/completions", $$"""{"model": "{{model}}", "messages": {{Hello}}, "max_tokens": 24, "frequency_penalty": -2, "presence_penalty": -2}""");
        var (_, bytezBody, _) = await Http.PostAsync(bytez, model, $$"""{"messages": {{Hello}}, "params": {"max_new_tokens": 24, "frequency_penalty": -2, "presence_penalty": -2} }""");

        var penalizedText = penalized.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        Assert.Equal(Http.AssertOutput(bytezBody).GetProperty("content").GetString(), penalizedText);
        Assert.NotEqual(plain.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), penalizedText);
    }

    [Theory]
    [InlineData("""{"model": "nobody/nothing", "messages": [{"role": "user", "content": "Hi"}]}""", HttpStatusCode.NotFound, "nobody/nothing")]
    [InlineData("""{"model": "local/tiny-gguf", "messages": [{"role": "user", "content": "Hi"}], "temperature": 3}""", HttpStatusCode.BadRequest, "from 0 to 2")]
    [InlineData("""{"model": "local/tiny-gguf", "messages": [{"role": "user", "content": "Hi"}], "frobnicate": 1}""", HttpStatusCode.BadRequest, "frobnicate")]
    [InlineData("""{"model": "local/tiny-gguf", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,"}}]}]}""", HttpStatusCode.BadRequest, "image_url")]
    [InlineData("""{"model": "local/tiny-gguf", "messages": []}""", HttpStatusCode.BadRequest, "messages")]
    [InlineData("""{"model": "local/tiny-gguf", "messages": [{"role": "robot", "content": "Hi"}]}""", HttpStatusCode.BadRequest, "robot")]
    [InlineData("""{"model": "local/tiny-gguf", "messages": [{"role": "user", "content": "Hi"}], "stop": ["a", "b", "c", "d", "e"]}""", HttpStatusCode.BadRequest, "at most 4")]
    [InlineData("""{"model": "local/tiny-gguf", "messages": [{"role": "user", "content": "Hi"}], "stream": true, "n": 2, "temperature": 0, "max_tokens": 1, "logit_bias": {"1": 5}}""", HttpStatusCode.BadRequest, "logit_bias")]
    public async Task Chat_BadRequest_AnswersOpenAisErrorObject(string json, HttpStatusCode expected, string mentioned)
    {
        using var client = Client();
        using var response = await client.PostAsync("chat/completions", new StringContent(json, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var error = OpenAiModelsApiTests.AssertOpenAiError(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(expected, response.StatusCode);
        Assert.Contains(mentioned, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_ClientDisconnectsMidStream_GenerationStops()
    {
        using var scrape = new HttpClient { BaseAddress = fixture.Generation.Server.BaseAddress };
        static double Cancelled(MetricsExposition e) => e.Named("bytez_sequences_cancelled_total")
            .Where(s => s.Labels.GetValueOrDefault("model") == GenerationServer.SlowGgufModel).Sum(s => s.Value);
        var before = Cancelled(await MetricsExposition.ScrapeUntilAsync(scrape, "metrics", _ => true));
        using var client = Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
        {
            Content = new StringContent(
                $$"""{"model": "{{GenerationServer.SlowGgufModel}}", "messages": {{Hello}}, "max_tokens": 4000, "min_tokens": 4000, "stream": true}""", Encoding.UTF8, "application/json"),
        };
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken))
        {
            await using var body = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
            Assert.True(await body.ReadAsync(new byte[16], TestContext.Current.CancellationToken) > 0);
        }

        var after = Cancelled(await MetricsExposition.ScrapeUntilAsync(scrape, "metrics", e => Cancelled(e) > before));
        Assert.True(after > before, "the generation was not cancelled");
    }
}

/// <summary>The generation routes refuse a model of another task, in OpenAI's error object.</summary>
public sealed class OpenAiGenerationTaskTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("chat/completions", """{"model": "sentence-transformers/all-MiniLM-L6-v2", "messages": [{"role": "user", "content": "Hi"}]}""")]
    [InlineData("completions", """{"model": "sentence-transformers/all-MiniLM-L6-v2", "prompt": "Hi"}""")]
    public async Task Generate_EmbeddingModel_Is400NamingItsTask(string path, string json)
    {
        using var client = OpenAiChatApiTests.OpenAiClient(fixture.Server);
        using var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var error = OpenAiModelsApiTests.AssertOpenAiError(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not text generation", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }
}
