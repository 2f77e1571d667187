using System.Net;
using System.Text;
using System.Text.Json;
using Bytez.Testing;
using static Bytez.Server.Tests.OpenAi.OpenAiChatApiTests;

namespace Bytez.Server.Tests.OpenAi;

/// <summary><c>POST completions</c> (legacy) over raw HTTP on the tiny GGUF and ONNX decoder models.</summary>
public sealed class OpenAiCompletionsApiTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    public static TheoryData<string> Models => [GenerationServer.GgufModel, GenerationServer.OnnxModel];

    private HttpClient Client() => OpenAiClient(fixture.Generation.Server);

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Completions_Prompt_ContinuesItAsTheBytezRouteDoes(string model)
    {
        using var client = Client();
        var (status, body) = await PostAsync(client, "completions", $$"""{"model": "{{model}}", "prompt": "Once upon a time", "max_tokens": 6}""");
        using var bytez = fixture.Generation.Server.CreateHttpClient();
        var (_, bytezBody, _) = await Http.PostAsync(bytez, model, """{"text": "Once upon a time", "params": {"max_new_tokens": 6, "return_full_text": false}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("cmpl-", body.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        var choice = Assert.Single(body.GetProperty("choices").EnumerateArray());
        Assert.Equal(Http.AssertOutput(bytezBody).GetString(), choice.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.True(body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Completions_Echo_StartsWithThePrompt()
    {
        using var client = Client();
        var (_, plain) = await PostAsync(client, "completions", $$"""{"model": "{{GenerationServer.OnnxModel}}", "prompt": "Once upon a time", "max_tokens": 4}""");
        var (_, echoed) = await PostAsync(client, "completions", $$"""{"model": "{{GenerationServer.OnnxModel}}", "prompt": "Once upon a time", "max_tokens": 4, "echo": true}""");

        Assert.Equal("Once upon a time" + plain.GetProperty("choices")[0].GetProperty("text").GetString(), echoed.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Completions_PromptList_GivesNChoicesPerPromptInOrder()
    {
        using var client = Client();
        var (_, a) = await PostAsync(client, "completions", $$"""{"model": "{{GenerationServer.GgufModel}}", "prompt": "Alpha", "max_tokens": 4, "temperature": 0}""");
        var (_, b) = await PostAsync(client, "completions", $$"""{"model": "{{GenerationServer.GgufModel}}", "prompt": "Beta gamma", "max_tokens": 4, "temperature": 0}""");
        var (_, both) = await PostAsync(client, "completions", $$"""{"model": "{{GenerationServer.GgufModel}}", "prompt": ["Alpha", "Beta gamma"], "max_tokens": 4, "temperature": 0, "n": 2}""");

        var texts = both.GetProperty("choices").EnumerateArray().Select(c => (c.GetProperty("index").GetInt32(), c.GetProperty("text").GetString())).ToList();
        var ta = a.GetProperty("choices")[0].GetProperty("text").GetString();
        var tb = b.GetProperty("choices")[0].GetProperty("text").GetString();
        Assert.Equal([(0, ta), (1, ta), (2, tb), (3, tb)], texts);
        Assert.Equal(a.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() + b.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(),
            both.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Completions_Logprobs_AreTheLegacyObjectAndAgreeWhenStreamed(string model)
    {
        using var client = Client();
        var json = $$"""{"model": "{{model}}", "prompt": "Once upon a time", "max_tokens": 5, "logprobs": 2""";
        var (_, body) = await PostAsync(client, "completions", json + "}");
        var (_, events, done) = await StreamAsync(client, "completions", json + ", \"stream\": true}");

        var choice = body.GetProperty("choices")[0];
        var logprobs = choice.GetProperty("logprobs");
        var tokens = logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToList();
        Assert.Equal(body.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), tokens.Count);
        if (model == GenerationServer.OnnxModel)
        {
            // Byte-level BPE tokens decode alone to their exact text (a SentencePiece token decoded alone loses its leading space).
            Assert.Equal(choice.GetProperty("text").GetString(), string.Concat(tokens));
        }

        Assert.Equal(tokens.Count, logprobs.GetProperty("token_logprobs").GetArrayLength());
        var offsets = logprobs.GetProperty("text_offset").EnumerateArray().Select(o => o.GetInt32()).ToList();
        Assert.Equal(tokens.Select((t, i) => tokens.Take(i).Sum(p => p.Length)), offsets);
        var tops = logprobs.GetProperty("top_logprobs").EnumerateArray().ToList();
        Assert.All(tops, t => Assert.Equal(2, t.EnumerateObject().Count()));
        Assert.True(done);
        Assert.All(events, e => Assert.Equal("text_completion", e.GetProperty("object").GetString()));
        Assert.Equal(choice.GetProperty("text").GetString(), string.Concat(events.Select(e => e.GetProperty("choices")[0].GetProperty("text").GetString())));
        var streamedLogprobs = events.SelectMany(e => e.GetProperty("choices")[0].GetProperty("logprobs") is { ValueKind: JsonValueKind.Object } l
            ? l.GetProperty("token_logprobs").EnumerateArray().Select(x => x.GetDouble()) : []);
        Assert.Equal(logprobs.GetProperty("token_logprobs").EnumerateArray().Select(x => x.GetDouble()), streamedLogprobs);
        Assert.Equal(choice.GetProperty("finish_reason").GetString(), events[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Theory]
    [InlineData("""{"model": "local/tiny-gguf", "prompt": [1, 2, 3]}""", "token ids")]
    [InlineData("""{"model": "local/tiny-gguf", "prompt": "Hi", "suffix": "end"}""", "suffix")]
    [InlineData("""{"model": "local/tiny-gguf", "prompt": "Hi", "best_of": 3}""", "best_of")]
    [InlineData("""{"model": "local/tiny-gguf", "prompt": "Hi", "logprobs": 6}""", "logprobs")]
    [InlineData("""{"model": "local/tiny-gguf", "prompt": "Hi", "logprobs": 1, "echo": true}""", "echo")]
    [InlineData("""{"model": "local/tiny-gguf"}""", "prompt")]
    public async Task Completions_BadRequest_Is400InOpenAisErrorObject(string json, string mentioned)
    {
        using var client = Client();
        using var response = await client.PostAsync("completions", new StringContent(json, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var error = OpenAiModelsApiTests.AssertOpenAiError(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(mentioned, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
