using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Mcp;

/// <summary>
/// <c>run_model</c> through the official C# MCP client: each kind of model answers what the Bytez run route answers for
/// the same body (vectors as structured JSON, text as text, speech as an audio block), a streamed generation arrives
/// piece by piece as progress notifications, and every kind of bad call is a tool error naming the problem.
/// </summary>
[Collection(McpCollection.Name)]
public sealed class RunModelToolTests(McpFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Embedding_IsTheBytezRoutesVector_AsStructuredContent()
    {
        await using var mcp = await fixture.ConnectAsync();
        using var http = fixture.Server.CreateHttpClient();

        var result = await mcp.CallToolAsync("run_model", new Dictionary<string, object?> { ["model"] = McpFixture.Embedder, ["input"] = "The cat sat on the mat" }, cancellationToken: Ct);
        var (_, body, _) = await PostAsync(http, McpFixture.Embedder, """{"input": "The cat sat on the mat"}""");

        Assert.NotEqual(true, result.IsError);
        var vector = Vector(result.StructuredContent!.Value.GetProperty("output"));
        Assert.Equal(384, vector.Length);
        Assert.Equal(Vector(AssertOutput(body)), vector);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content));
        Assert.Equal(vector, Vector(JsonDocument.Parse(text.Text).RootElement.GetProperty("output")));
    }

    [Fact]
    public async Task SeveralTexts_AreSeveralVectors()
    {
        await using var mcp = await fixture.ConnectAsync();

        var result = await mcp.CallToolAsync("run_model", new Dictionary<string, object?> { ["model"] = McpFixture.Embedder, ["input"] = new[] { "one", "two", "three" } }, cancellationToken: Ct);

        var output = result.StructuredContent!.Value.GetProperty("output");
        Assert.Equal(3, output.GetArrayLength());
        Assert.All(output.EnumerateArray(), v => Assert.Equal(384, v.GetArrayLength()));
    }

    [Fact]
    public async Task Chat_IsTheAssistantsText_WithTheWholeAnswerStructured()
    {
        await using var mcp = await fixture.ConnectAsync();
        using var http = fixture.Server.CreateHttpClient();
        const string body = """{"messages": [{"role": "user", "content": "Hello"}], "params": {"max_new_tokens": 6, "min_new_tokens": 6}}""";

        var result = await mcp.CallToolAsync("run_model", Arguments(McpFixture.Generator, body), cancellationToken: Ct);
        var (_, answer, _) = await PostAsync(http, McpFixture.Generator, body);

        Assert.NotEqual(true, result.IsError);
        var expected = AssertOutput(answer);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content));
        Assert.Equal(expected.GetProperty("content").GetString(), text.Text);
        Assert.NotEmpty(text.Text);
        Assert.Equal("assistant", result.StructuredContent!.Value.GetProperty("output").GetProperty("role").GetString());
    }

    [Fact]
    public async Task TextGeneration_IsText()
    {
        await using var mcp = await fixture.ConnectAsync();
        using var http = fixture.Server.CreateHttpClient();
        const string body = """{"input": "Once upon a time", "params": {"max_new_tokens": 8, "min_new_tokens": 8}}""";

        var result = await mcp.CallToolAsync("run_model", Arguments(McpFixture.Generator, body), cancellationToken: Ct);
        var (_, answer, _) = await PostAsync(http, McpFixture.Generator, body);

        Assert.Equal(AssertOutput(answer).GetString(), Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Null(result.StructuredContent);
    }

    [Fact]
    public async Task Stream_SendsEachPieceAsAProgressNotification_AndAnswersTheWholeText()
    {
        await using var mcp = await fixture.ConnectAsync();
        using var http = fixture.Server.CreateHttpClient();
        // The per-call IProgress stops listening when the result arrives, and the C# client handles each incoming
        // message on its own task, so late notifications can be missed there: a session-wide handler sees them all.
        var pieces = new ConcurrentDictionary<double, string>();
        await using var handler = mcp.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (notification, _) =>
        {
            var parameters = notification.Params!;
            pieces[parameters["progress"]!.GetValue<double>()] = parameters["message"]?.GetValue<string>() ?? "";
            return ValueTask.CompletedTask;
        });

        var result = await mcp.CallToolAsync(
            "run_model", Arguments(McpFixture.Generator, """{"input": "Once upon a time", "stream": true, "params": {"max_new_tokens": 8, "min_new_tokens": 8}}"""), new Collector(), cancellationToken: Ct);
        var (_, unstreamed, _) = await PostAsync(http, McpFixture.Generator, """{"input": "Once upon a time", "params": {"max_new_tokens": 8, "min_new_tokens": 8}}""");

        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Equal(AssertOutput(unstreamed).GetString(), text);
        // Every notification was sent before the result; wait (bounded) for the handler tasks to have run.
        string Streamed() => string.Concat(pieces.OrderBy(p => p.Key).Select(p => p.Value));
        for (var waited = 0; Streamed() != text && waited < 100; waited++)
        {
            await Task.Delay(100, Ct);
        }

        Assert.True(pieces.Count >= 2, $"expected the text in pieces, got {pieces.Count}");
        Assert.Equal(Enumerable.Range(1, pieces.Count).Select(i => (double)i), pieces.Keys.Order());
        Assert.Equal(text, Streamed());
    }

    [Fact]
    public async Task TextToSpeech_IsAnAudioBlockOfTheWav()
    {
        await using var mcp = await fixture.ConnectAsync();
        using var http = fixture.Server.CreateHttpClient();
        using var content = new StringContent("""{"text": "Hi, BOB!", "json": false}""", System.Text.Encoding.UTF8, "application/json");

        var result = await mcp.CallToolAsync("run_model", new Dictionary<string, object?> { ["model"] = McpFixture.Voice, ["text"] = "Hi, BOB!" }, cancellationToken: Ct);
        using var wav = await http.PostAsync(McpFixture.Voice, content, Ct);

        Assert.NotEqual(true, result.IsError);
        var audio = Assert.IsType<AudioContentBlock>(Assert.Single(result.Content));
        Assert.Equal("audio/wav", audio.MimeType);
        Assert.Equal(await wav.Content.ReadAsByteArrayAsync(Ct), audio.DecodedData.ToArray());
    }

    [Theory]
    [InlineData("""{"model": "nobody/nothing", "input": "hi"}""", "404 Not Found: ", "nobody/nothing")]
    [InlineData("""{"input": "hi"}""", "400 Bad Request: ", "`model` is required")]
    [InlineData("""{"model": 7, "input": "hi"}""", "400 Bad Request: ", "`model` must be a string")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "inputs": "hi"}""", "400 Bad Request: ", "Unknown parameter `inputs` for the tool run_model; supported parameters: model, input, params")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "input": "hi", "params": 3}""", "400 Bad Request: ", "'params' must be an object")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "input": "hi", "params": {"max_new_tokens": 3}}""", "400 Bad Request: ", "Unknown parameter `max_new_tokens`")]
    [InlineData("""{"model": "local/tiny-onnx", "input": "hi", "params": {"max_new_tokens": "many"}}""", "400 Bad Request: ", "`max_new_tokens` must be")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2", "input": "hi", "stream": true}""", "400 Bad Request: ", "cannot be streamed")]
    [InlineData("""{"model": "sentence-transformers/all-MiniLM-L6-v2"}""", "400 Bad Request: ", "")]
    public async Task BadCall_IsAToolErrorNamingTheProblem(string arguments, string status, string message)
    {
        await using var mcp = await fixture.ConnectAsync();

        var result = await mcp.CallToolAsync(new CallToolRequestParams { Name = "run_model", Arguments = Parse(arguments) }, Ct);
        var after = await mcp.CallToolAsync("run_model", new Dictionary<string, object?> { ["model"] = McpFixture.Embedder, ["input"] = "still here" }, cancellationToken: Ct);

        Assert.True(result.IsError);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.StartsWith(status, text, StringComparison.Ordinal);
        Assert.Contains(message, text, StringComparison.Ordinal);
        Assert.NotEqual(true, after.IsError);
    }

    private static Dictionary<string, object?> Arguments(string model, string body)
    {
        var arguments = new Dictionary<string, object?> { ["model"] = model };
        foreach (var property in JsonDocument.Parse(body).RootElement.EnumerateObject())
        {
            arguments[property.Name] = property.Value.Clone();
        }

        return arguments;
    }

    private static Dictionary<string, JsonElement> Parse(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());

    /// <summary>Collects progress notifications as they are reported.</summary>
    private sealed class Collector : IProgress<ProgressNotificationValue>
    {
        private readonly ConcurrentQueue<ProgressNotificationValue> _values = new();

        /// <summary>The notifications seen so far.</summary>
        public IReadOnlyList<ProgressNotificationValue> Values => _values.ToList();

        public void Report(ProgressNotificationValue value) => _values.Enqueue(value);
    }
}
