using System.Net;
using System.Text;
using System.Text.Json;
using Bytez.Server.Responses;
using Bytez.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Bytez.Server.Tests.OpenAi;

/// <summary>
/// The Responses API over raw HTTP on the tiny generative models: plain and streamed answers, stored responses (GET,
/// input items, DELETE), conversations continued with <c>previous_response_id</c> (also after a restart), retention,
/// <c>store: false</c>, and the errors.
/// </summary>
public sealed class OpenAiResponsesApiTests(GenerationFixture fixture) : IClassFixture<GenerationFixture>
{
    public static TheoryData<string, string> BasesAndModels => new()
    {
        { "v1/", GenerationServer.GgufModel },
        { "models/v2/openai/v1/", GenerationServer.OnnxModel },
    };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private HttpClient Client() => Client(fixture.Generation.Server);

    internal static HttpClient Client(TestServer server)
    {
        var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + TestServer.Key);
        return client;
    }

    internal static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request, Token);
        var text = await response.Content.ReadAsStringAsync(Token);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    internal static Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string json, string root = "v1/") =>
        SendAsync(client, HttpMethod.Post, root + "responses", json);

    /// <summary>The text of a response object's output messages (what the SDKs call output_text).</summary>
    internal static string OutputText(JsonElement response) => string.Concat(
        response.GetProperty("output").EnumerateArray().Where(i => i.GetProperty("type").GetString() == "message")
            .SelectMany(i => i.GetProperty("content").EnumerateArray()).Select(p => p.GetProperty("text").GetString()));

    internal static int InputTokens(JsonElement response) => response.GetProperty("usage").GetProperty("input_tokens").GetInt32();

    [Theory]
    [MemberData(nameof(BasesAndModels))]
    public async Task Create_Plain_AnswersOpenAisResponseObject(string root, string model)
    {
        using var client = Client();
        var (status, body) = await PostAsync(client, $$"""{"model": "{{model}}", "input": "Hello there", "max_output_tokens": 6, "temperature": 0, "metadata": {"k": "v"} }""", root);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("resp_", body.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("response", body.GetProperty("object").GetString());
        Assert.Equal(model, body.GetProperty("model").GetString());
        Assert.True(body.GetProperty("created_at").GetInt64() > 1_700_000_000);
        Assert.False(body.TryGetProperty("output_text", out _)); // the SDKs' convenience, not on the wire
        var message = Assert.Single(body.GetProperty("output").EnumerateArray());
        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.StartsWith("msg_", message.GetProperty("id").GetString(), StringComparison.Ordinal);
        var part = Assert.Single(message.GetProperty("content").EnumerateArray());
        Assert.Equal("output_text", part.GetProperty("type").GetString());
        Assert.Equal(0, part.GetProperty("annotations").GetArrayLength());
        var usage = body.GetProperty("usage");
        var output = usage.GetProperty("output_tokens").GetInt32();
        Assert.InRange(output, 1, 6);
        Assert.True(usage.GetProperty("input_tokens").GetInt32() > 3);
        Assert.Equal(usage.GetProperty("input_tokens").GetInt32() + output, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        // The budget ended it, or the model did: the status says which.
        var incomplete = body.GetProperty("status").GetString() == "incomplete";
        Assert.Equal(incomplete ? "incomplete" : "completed", message.GetProperty("status").GetString());
        Assert.Equal(incomplete, output == 6);
        if (incomplete)
        {
            Assert.Equal("max_output_tokens", body.GetProperty("incomplete_details").GetProperty("reason").GetString());
        }
        else
        {
            Assert.Equal(JsonValueKind.Null, body.GetProperty("incomplete_details").ValueKind);
        }

        Assert.Equal(JsonValueKind.Null, body.GetProperty("previous_response_id").ValueKind);
        Assert.True(body.GetProperty("store").GetBoolean());
        Assert.Equal(0, body.GetProperty("temperature").GetDouble());
        Assert.Equal("v", body.GetProperty("metadata").GetProperty("k").GetString());
    }

    [Fact]
    public async Task Create_SmallBudget_IncompleteWithReasonMaxOutputTokens()
    {
        using var client = Client();
        var (status, body) = await PostAsync(client, $$"""{"model": "{{GenerationServer.GgufModel}}", "input": "Count", "max_output_tokens": 2, "temperature": 0}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.Equal("incomplete", body.GetProperty("status").GetString());
        Assert.Equal("max_output_tokens", body.GetProperty("incomplete_details").GetProperty("reason").GetString());
    }

    [Theory]
    [MemberData(nameof(BasesAndModels))]
    public async Task Create_Streamed_EventsInOpenAisOrderAndDeltasAreThePlainText(string root, string model)
    {
        using var client = Client();
        var request = $$"""{"model": "{{model}}", "input": [{"role": "user", "content": [{"type": "input_text", "text": "Tell me"}]}], "max_output_tokens": 8, "temperature": 0""";
        var (_, plain) = await PostAsync(client, request + "}", root);

        var events = await StreamAsync(client, request + """, "stream": true}""", root);

        var types = events.Select(e => e.Type).ToList();
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"], types[..4]);
        var final = plain.GetProperty("status").GetString() == "completed" ? "response.completed" : "response.incomplete";
        Assert.Equal(["response.output_text.done", "response.content_part.done", "response.output_item.done", final], types[^4..]);
        Assert.All(types[4..^4], t => Assert.Equal("response.output_text.delta", t));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));
        Assert.All(events, e => Assert.Equal(e.Type, e.Data.GetProperty("type").GetString()));
        Assert.Equal("in_progress", events[0].Data.GetProperty("response").GetProperty("status").GetString());

        var itemId = events[2].Data.GetProperty("item").GetProperty("id").GetString();
        var deltas = events.Where(e => e.Type == "response.output_text.delta").ToList();
        Assert.NotEmpty(deltas);
        Assert.All(deltas, d =>
        {
            Assert.Equal(itemId, d.Data.GetProperty("item_id").GetString());
            Assert.Equal(0, d.Data.GetProperty("output_index").GetInt32());
            Assert.Equal(0, d.Data.GetProperty("content_index").GetInt32());
        });
        var text = string.Concat(deltas.Select(d => d.Data.GetProperty("delta").GetString()));
        Assert.Equal(OutputText(plain), text);
        Assert.Equal(text, events[^4].Data.GetProperty("text").GetString());
        var done = events[^1].Data.GetProperty("response");
        Assert.Equal(text, OutputText(done));
        Assert.Equal(plain.GetProperty("usage").GetProperty("output_tokens").GetInt32(), done.GetProperty("usage").GetProperty("output_tokens").GetInt32());

        // Stored before the last event: it can be read back at once.
        var (status, stored) = await SendAsync(client, HttpMethod.Get, $"{root}responses/{done.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(text, OutputText(stored));
    }

    [Fact]
    public async Task Stored_GetAndInputItems_AnswerWhatWasStored()
    {
        using var client = Client();
        var (_, created) = await PostAsync(client, $$"""
            {"model": "{{GenerationServer.GgufModel}}", "max_output_tokens": 4, "temperature": 0,
             "input": [{"role": "developer", "content": "Be brief."}, {"type": "message", "role": "user", "content": "Hi"}]}
            """);
        var id = created.GetProperty("id").GetString();

        foreach (var root in new[] { "v1/", "models/v2/openai/v1/" })
        {
            var (status, read) = await SendAsync(client, HttpMethod.Get, $"{root}responses/{id}");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(created.GetRawText(), read.GetRawText());
        }

        var (itemsStatus, items) = await SendAsync(client, HttpMethod.Get, $"v1/responses/{id}/input_items?order=asc");
        Assert.Equal(HttpStatusCode.OK, itemsStatus);
        Assert.Equal("list", items.GetProperty("object").GetString());
        var data = items.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["developer", "user"], data.Select(i => i.GetProperty("role").GetString()));
        Assert.Equal("Hi", data[1].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("input_text", data[1].GetProperty("content")[0].GetProperty("type").GetString());
        Assert.False(items.GetProperty("has_more").GetBoolean());
        Assert.Equal(data[0].GetProperty("id").GetString(), items.GetProperty("first_id").GetString());

        var (_, page) = await SendAsync(client, HttpMethod.Get, $"v1/responses/{id}/input_items?limit=1");
        Assert.Equal("user", Assert.Single(page.GetProperty("data").EnumerateArray()).GetProperty("role").GetString()); // newest first
        Assert.True(page.GetProperty("has_more").GetBoolean());
    }

    [Fact]
    public async Task Delete_RemovesIt_ThenGetAndContinuing404()
    {
        using var client = Client();
        var (_, created) = await PostAsync(client, $$"""{"model": "{{GenerationServer.GgufModel}}", "input": "Hi", "max_output_tokens": 3}""");
        var id = created.GetProperty("id").GetString();

        var (status, deleted) = await SendAsync(client, HttpMethod.Delete, $"v1/responses/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, deleted.GetProperty("id").GetString());
        Assert.True(deleted.GetProperty("deleted").GetBoolean());

        var (getStatus, getBody) = await SendAsync(client, HttpMethod.Get, $"v1/responses/{id}");
        Assert.Equal(HttpStatusCode.NotFound, getStatus);
        Assert.Contains(id!, OpenAiModelsApiTests.AssertOpenAiError(getBody.GetRawText()).GetProperty("message").GetString(), StringComparison.Ordinal);
        var (again, _) = await SendAsync(client, HttpMethod.Delete, $"v1/responses/{id}");
        Assert.Equal(HttpStatusCode.NotFound, again);
        var (continued, body) = await PostAsync(client, $$"""{"model": "{{GenerationServer.GgufModel}}", "input": "More", "previous_response_id": "{{id}}"}""");
        Assert.Equal(HttpStatusCode.NotFound, continued);
        OpenAiModelsApiTests.AssertOpenAiError(body.GetRawText());
    }

    [Theory]
    [InlineData(GenerationServer.GgufModel)]
    [InlineData(GenerationServer.OnnxModel)]
    public async Task Continue_PreviousResponseId_RendersTheEarlierTurnsWithoutTheirInstructions(string model)
    {
        using var client = Client();
        var (_, first) = await PostAsync(client, $$"""{"model": "{{model}}", "instructions": "Answer in French.", "input": "Hello", "max_output_tokens": 5, "temperature": 0}""");
        var (status, second) = await PostAsync(client, $$"""
            {"model": "{{model}}", "input": "And then?", "max_output_tokens": 5, "temperature": 0, "previous_response_id": "{{first.GetProperty("id").GetString()}}"}
            """);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(first.GetProperty("id").GetString(), second.GetProperty("previous_response_id").GetString());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("instructions").ValueKind);

        // The same conversation sent whole, without the first turn's instructions (OpenAI does not carry them over).
        var (_, whole) = await PostAsync(client, $$"""
            {"model": "{{model}}", "max_output_tokens": 5, "temperature": 0, "input": [
              {"role": "user", "content": "Hello"},
              {"role": "assistant", "content": [{"type": "output_text", "text": {{JsonSerializer.Serialize(OutputText(first))}}}]},
              {"role": "user", "content": "And then?"}]}
            """);
        Assert.Equal(InputTokens(whole), InputTokens(second));
        Assert.Equal(OutputText(whole), OutputText(second));
        var (_, alone) = await PostAsync(client, $$"""{"model": "{{model}}", "input": "And then?", "max_output_tokens": 1}""");
        Assert.True(InputTokens(second) > InputTokens(alone));

        // A third turn brings in both earlier ones.
        var (_, third) = await PostAsync(client, $$"""
            {"model": "{{model}}", "input": "Last", "max_output_tokens": 2, "previous_response_id": "{{second.GetProperty("id").GetString()}}"}
            """);
        var (_, wholeThird) = await PostAsync(client, $$"""
            {"model": "{{model}}", "max_output_tokens": 2, "input": [
              {"role": "user", "content": "Hello"}, {"role": "assistant", "content": {{JsonSerializer.Serialize(OutputText(first))}}},
              {"role": "user", "content": "And then?"}, {"role": "assistant", "content": {{JsonSerializer.Serialize(OutputText(second))}}},
              {"role": "user", "content": "Last"}]}
            """);
        Assert.Equal(InputTokens(wholeThird), InputTokens(third));
    }

    [Fact]
    public async Task StoreFalse_KeepsNothing_AndCannotBeContinued()
    {
        using var client = Client();
        var (status, created) = await PostAsync(client, $$"""{"model": "{{GenerationServer.GgufModel}}", "input": "Hi", "max_output_tokens": 3, "store": false}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(created.GetProperty("store").GetBoolean());
        var id = created.GetProperty("id").GetString();

        var (getStatus, _) = await SendAsync(client, HttpMethod.Get, $"v1/responses/{id}");
        Assert.Equal(HttpStatusCode.NotFound, getStatus);
        var (continued, _) = await PostAsync(client, $$"""{"model": "{{GenerationServer.GgufModel}}", "input": "More", "previous_response_id": "{{id}}"}""");
        Assert.Equal(HttpStatusCode.NotFound, continued);
    }

    [Theory]
    [InlineData("""{"input": "Hi"}""", HttpStatusCode.BadRequest, "model")]
    [InlineData("""{"model": "local/tiny-gguf"}""", HttpStatusCode.BadRequest, "input")]
    [InlineData("""{"model": "local/tiny-gguf", "input": []}""", HttpStatusCode.BadRequest, "input")]
    [InlineData("""{"model": "local/tiny-gguf", "input": "Hi", "tools": [{"type": "web_search"}, {"type": "file_search"}]}""", HttpStatusCode.BadRequest, "web_search, file_search")]
    [InlineData("""{"model": "local/tiny-gguf", "input": [{"role": "tool", "content": "x"}]}""", HttpStatusCode.BadRequest, "input[0].role")]
    [InlineData("""{"model": "local/tiny-gguf", "input": [{"role": "user", "content": [{"type": "input_image", "image_url": "https://example.org/a.png"}]}]}""", HttpStatusCode.BadRequest, "input_image")]
    [InlineData("""{"model": "local/tiny-gguf", "input": [{"type": "item_reference", "id": "msg_1"}]}""", HttpStatusCode.BadRequest, "item_reference")]
    [InlineData("""{"model": "local/tiny-gguf", "input": "Hi", "frobnicate": 1}""", HttpStatusCode.BadRequest, "frobnicate")]
    [InlineData("""{"model": "local/tiny-gguf", "input": "Hi", "temperature": 3}""", HttpStatusCode.BadRequest, "temperature")]
    [InlineData("""{"model": "local/tiny-gguf", "input": "Hi", "text": {"format": {"type": "xml"}}}""", HttpStatusCode.BadRequest, "text.format")]
    [InlineData("""{"model": "local/tiny-gguf", "input": "Hi", "reasoning": {"effort": "extreme"}}""", HttpStatusCode.BadRequest, "reasoning.effort")]
    [InlineData("""{"model": "local/tiny-gguf", "input": "Hi", "previous_response_id": "resp_nothing"}""", HttpStatusCode.NotFound, "resp_nothing")]
    [InlineData("""{"model": "nobody/nothing", "input": "Hi"}""", HttpStatusCode.NotFound, "nobody/nothing")]
    [InlineData("""[1, 2]""", HttpStatusCode.BadRequest, "JSON object")]
    public async Task Create_BadRequest_OpenAisErrorNamingTheProblem(string json, HttpStatusCode expected, string named)
    {
        using var client = Client();
        var (status, body) = await PostAsync(client, json);

        Assert.Equal(expected, status);
        var error = OpenAiModelsApiTests.AssertOpenAiError(body.GetRawText());
        Assert.Contains(named, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InputItems_BadQuery_400()
    {
        using var client = Client();
        var (_, created) = await PostAsync(client, $$"""{"model": "{{GenerationServer.GgufModel}}", "input": "Hi", "max_output_tokens": 1}""");
        var (status, body) = await SendAsync(client, HttpMethod.Get, $"v1/responses/{created.GetProperty("id").GetString()}/input_items?limit=1000");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("limit", OpenAiModelsApiTests.AssertOpenAiError(body.GetRawText()).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Continue_AfterRestart_OnTheSameDataDirectory()
    {
        var home = Path.Combine(Path.GetTempPath(), "bytez-responses-restart-" + Guid.NewGuid().ToString("N"));
        try
        {
            var settings = new Dictionary<string, string?> { ["Bytez:Home"] = home };
            string id;
            string firstText;
            await using (var before = await GenerationServer.StartAsync(settings))
            {
                using var client = Client(before.Server);
                var (_, first) = await PostAsync(client, $$"""{"model": "{{GenerationServer.GgufModel}}", "input": "Remember me", "max_output_tokens": 4, "temperature": 0}""");
                id = first.GetProperty("id").GetString()!;
                firstText = OutputText(first);
            }

            await using var after = await GenerationServer.StartAsync(settings);
            using var again = Client(after.Server);
            var (status, second) = await PostAsync(again, $$"""{"model": "{{GenerationServer.GgufModel}}", "input": "Who?", "max_output_tokens": 3, "temperature": 0, "previous_response_id": "{{id}}"}""");
            Assert.Equal(HttpStatusCode.OK, status);
            var (_, whole) = await PostAsync(again, $$"""
                {"model": "{{GenerationServer.GgufModel}}", "max_output_tokens": 3, "temperature": 0, "store": false, "input": [
                  {"role": "user", "content": "Remember me"}, {"role": "assistant", "content": {{JsonSerializer.Serialize(firstText)}}}, {"role": "user", "content": "Who?"}]}
                """);
            Assert.Equal(InputTokens(whole), InputTokens(second));
            Assert.Equal(OutputText(whole), OutputText(second));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task Retention_Expired_NotFoundAndPurged()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await GenerationServer.StartAsync(
            new Dictionary<string, string?> { ["Bytez:Responses:Retention"] = "02:00:00" },
            builder => builder.Services.AddSingleton<TimeProvider>(time));
        using var client = Client(server.Server);
        var (_, old) = await PostAsync(client, $$"""{"model": "{{GenerationServer.GgufModel}}", "input": "Hi", "max_output_tokens": 2}""");
        var oldId = old.GetProperty("id").GetString();
        time.Advance(TimeSpan.FromHours(1.5));
        var (_, fresh) = await PostAsync(client, $$"""{"model": "{{GenerationServer.GgufModel}}", "input": "Hi", "max_output_tokens": 2}""");
        time.Advance(TimeSpan.FromHours(1));

        var (expired, _) = await SendAsync(client, HttpMethod.Get, $"v1/responses/{oldId}");
        Assert.Equal(HttpStatusCode.NotFound, expired);
        var (continued, _) = await PostAsync(client, $$"""{"model": "{{GenerationServer.GgufModel}}", "input": "More", "previous_response_id": "{{oldId}}"}""");
        Assert.Equal(HttpStatusCode.NotFound, continued);
        var (kept, _) = await SendAsync(client, HttpMethod.Get, $"v1/responses/{fresh.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.OK, kept);

        // The hourly purge has deleted the expired row (the fresh one stays).
        var store = server.Server.Services.GetRequiredService<IResponseStore>();
        Assert.Equal(0, await store.PurgeAsync(Token));
        Assert.NotNull(await store.FindAsync(fresh.GetProperty("id").GetString()!, Token));
    }

    /// <summary>One Server-Sent Event of the Responses API: its <c>event:</c> name and its data.</summary>
    internal sealed record ServerEvent(string Type, JsonElement Data);

    /// <summary>Posts a streamed request and reads every event (the Responses API ends without <c>[DONE]</c>).</summary>
    internal static async Task<List<ServerEvent>> StreamAsync(HttpClient client, string json, string root = "v1/")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, root + "responses") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Token);
        var events = new List<ServerEvent>();
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("event: ", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("data: ", lines[1], StringComparison.Ordinal);
            events.Add(new ServerEvent(lines[0]["event: ".Length..], JsonDocument.Parse(lines[1]["data: ".Length..]).RootElement.Clone()));
        }

        return events;
    }
}
