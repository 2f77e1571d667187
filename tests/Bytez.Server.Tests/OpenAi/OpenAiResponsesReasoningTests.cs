using System.Net;
using Bytez.Testing;
using static Bytez.Server.Tests.OpenAi.OpenAiResponsesApiTests;

namespace Bytez.Server.Tests.OpenAi;

/// <summary>The server with the thinking model, for one test class.</summary>
public sealed class ThinkingModelFixture : IAsyncLifetime
{
    /// <summary>The model's id.</summary>
    public const string Model = ThinkingServer.Model;

    private ThinkingServer _thinking = null!;

    /// <summary>The running server.</summary>
    public TestServer Server => _thinking.Server;

    public async ValueTask InitializeAsync() => _thinking = await ThinkingServer.StartAsync();

    public ValueTask DisposeAsync() => _thinking.DisposeAsync();
}

/// <summary>
/// The Responses API's <c>reasoning</c>: the thinking of a model whose template opens it becomes a <c>reasoning</c>
/// output item (<c>reasoning_text</c> content), streamed as <c>response.reasoning_text.delta</c> events;
/// <c>reasoning.effort</c> <c>none</c> turns the thinking off.
/// </summary>
public sealed class OpenAiResponsesReasoningTests(ThinkingModelFixture fixture) : IClassFixture<ThinkingModelFixture>
{
    private const string Request = $$"""{"model": "{{ThinkingModelFixture.Model}}", "input": "Why?", "max_output_tokens": 8, "temperature": 0, "reasoning": {"effort": "high"}""";

    [Fact]
    public async Task Create_ThinkingModel_ReasoningItemWithTheThinkingText()
    {
        using var client = Client(fixture.Server);
        var (status, body) = await PostAsync(client, Request + "}");

        Assert.Equal(HttpStatusCode.OK, status);
        // The random model never closes its thinking: the budget ends the response inside it.
        Assert.Equal("incomplete", body.GetProperty("status").GetString());
        var item = Assert.Single(body.GetProperty("output").EnumerateArray());
        Assert.Equal("reasoning", item.GetProperty("type").GetString());
        Assert.StartsWith("rs_", item.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, item.GetProperty("summary").GetArrayLength());
        var part = Assert.Single(item.GetProperty("content").EnumerateArray());
        Assert.Equal("reasoning_text", part.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(part.GetProperty("text").GetString()));
        Assert.Equal("high", body.GetProperty("reasoning").GetProperty("effort").GetString());
        var usage = body.GetProperty("usage");
        Assert.InRange(usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32(), 1, usage.GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Create_Streamed_ReasoningTextEventsAddUpToTheItem()
    {
        using var client = Client(fixture.Server);
        var (_, plain) = await PostAsync(client, Request + "}");

        var events = await StreamAsync(client, Request + """, "stream": true}""");

        var types = events.Select(e => e.Type).ToList();
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"], types[..4]);
        Assert.Equal(["response.reasoning_text.done", "response.content_part.done", "response.output_item.done", "response.incomplete"], types[^4..]);
        Assert.All(types[4..^4], t => Assert.Equal("response.reasoning_text.delta", t));
        var added = events[2].Data.GetProperty("item");
        Assert.Equal("reasoning", added.GetProperty("type").GetString());
        Assert.Equal("reasoning_text", events[3].Data.GetProperty("part").GetProperty("type").GetString());
        var text = string.Concat(events.Where(e => e.Type == "response.reasoning_text.delta").Select(e => e.Data.GetProperty("delta").GetString()));
        var expected = Assert.Single(plain.GetProperty("output").EnumerateArray()).GetProperty("content")[0].GetProperty("text").GetString();
        Assert.Equal(expected, text);
        Assert.Equal(text, events[^4].Data.GetProperty("text").GetString());
        Assert.All(events.Skip(3).Take(events.Count - 5), e => Assert.Equal(added.GetProperty("id").GetString(), e.Data.GetProperty("item_id").GetString()));
        Assert.Equal(text, events[^2].Data.GetProperty("item").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Create_EffortNone_NoThinking_AMessage()
    {
        using var client = Client(fixture.Server);
        var (status, body) = await PostAsync(client, Request.Replace("\"high\"", "\"none\"", StringComparison.Ordinal) + "}");

        Assert.Equal(HttpStatusCode.OK, status);
        var item = Assert.Single(body.GetProperty("output").EnumerateArray());
        Assert.Equal("message", item.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(OutputText(body)));
        Assert.Equal(0, body.GetProperty("usage").GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32());
    }

    [Fact]
    public async Task Continue_AfterReasoning_TheReasoningIsNotRenderedAgain()
    {
        using var client = Client(fixture.Server);
        var (_, first) = await PostAsync(client, Request + "}");
        var (_, second) = await PostAsync(client, $$"""{"model": "{{ThinkingModelFixture.Model}}", "input": "And?", "max_output_tokens": 1, "previous_response_id": "{{first.GetProperty("id").GetString()}}"}""");
        var (_, whole) = await PostAsync(client, $$"""
            {"model": "{{ThinkingModelFixture.Model}}", "max_output_tokens": 1, "store": false,
             "input": [{"role": "user", "content": "Why?"}, {"role": "user", "content": "And?"}]}
            """);

        Assert.Equal(InputTokens(whole), InputTokens(second));
    }
}
