using System.Net;
using Microsoft.Extensions.AI;

namespace Bytez.Tests;

/// <summary>The speech-to-text client's requests on the Bytez run route (options mapped) and its reading of transcripts.</summary>
public sealed class BytezSpeechToTextClientTests
{
    private static readonly byte[] Sound = [1, 2, 3, 4];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (ISpeechToTextClient Client, FakeHandler Handler) Create(string output)
    {
        var handler = FakeHandler.Json($$"""{"error":null,"output":{{output}}}""");
        return (TestClients.Create(handler).Model("org/whisper").AsISpeechToTextClient(), handler);
    }

    [Theory]
    [InlineData(null, null, """{"input":"AQIDBA=="}""")]
    [InlineData("fr-FR", null, """{"input":"AQIDBA==","params":{"generate_kwargs":{"language":"fr"}}}""")]
    [InlineData("fr", "fr-CA", """{"input":"AQIDBA==","params":{"generate_kwargs":{"language":"fr"}}}""")]
    [InlineData("fr", "en", """{"input":"AQIDBA==","params":{"generate_kwargs":{"language":"fr","task":"translate"}}}""")]
    [InlineData(null, "en-US", """{"input":"AQIDBA==","params":{"generate_kwargs":{"task":"translate"}}}""")]
    public async Task GetTextAsync_Languages_AreGenerateKwargs(string? speech, string? text, string body)
    {
        var (client, handler) = Create("\" hello world\"");

        var response = await client.GetTextAsync(new MemoryStream(Sound), new SpeechToTextOptions { SpeechLanguage = speech, TextLanguage = text }, Ct);

        Assert.Equal(" hello world", response.Text);
        Assert.Equal("org/whisper", response.ModelId);
        BytezChatClientTests.AssertJsonEqual(body, handler.Single.Body!);
    }

    [Fact]
    public async Task GetTextAsync_TextLanguageOtherThanEnglish_IsRefusedBeforeSending()
    {
        var (client, handler) = Create("\"x\"");

        var error = await Assert.ThrowsAsync<NotSupportedException>(() =>
            client.GetTextAsync(new MemoryStream(Sound), new SpeechToTextOptions { SpeechLanguage = "en", TextLanguage = "de" }, Ct));

        Assert.Contains("English only", error.Message, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task GetTextAsync_AdditionalProperties_AreParams_GenerateKwargsMerged_TimestampsRead()
    {
        var (client, handler) = Create("""{"text":" hello world","chunks":[{"timestamp":[0.0,0.4],"text":" hello"},{"timestamp":[0.4,1.25],"text":" world"}]}""");

        var response = await client.GetTextAsync(new MemoryStream(Sound), new SpeechToTextOptions
        {
            SpeechLanguage = "en",
            AdditionalProperties = new() { ["return_timestamps"] = true, ["generate_kwargs"] = new Dictionary<string, object?> { ["num_beams"] = 2 } },
        }, Ct);

        BytezChatClientTests.AssertJsonEqual(
            """{"input":"AQIDBA==","params":{"generate_kwargs":{"num_beams":2,"language":"en"},"return_timestamps":true}}""", handler.Single.Body!);
        Assert.Equal(" hello world", response.Text);
        Assert.Equal(TimeSpan.Zero, response.StartTime);
        Assert.Equal(TimeSpan.FromSeconds(1.25), response.EndTime);
        Assert.Equal(2, Assert.IsType<Bytez.Protocol.Transcription>(response.RawRepresentation).Chunks.Count);
    }

    [Fact]
    public async Task GetStreamingTextAsync_RouteDoesNotStream_OneUpdateWhoseFoldIsTheResponse()
    {
        var (client, _) = Create("\"HI BOB\"");

        var updates = new List<SpeechToTextResponseUpdate>();
        await foreach (var update in client.GetStreamingTextAsync(new MemoryStream(Sound), cancellationToken: Ct))
        {
            updates.Add(update);
        }

        Assert.Equal("HI BOB", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal("HI BOB", updates.ToSpeechToTextResponse().Text);
    }

    [Fact]
    public async Task Conformance_Errors_NullArguments_Cancellation_AndMetadata()
    {
        var failing = TestClients.Create(FakeHandler.Json("""{"error":"bad audio","output":null}""", HttpStatusCode.BadRequest)).Model("org/whisper").AsISpeechToTextClient();
        var model = TestClients.Create(TestClients.Hanging()).Model("org/whisper");
        var hanging = model.AsISpeechToTextClient();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(50));

        var error = await Assert.ThrowsAsync<BytezException>(() => failing.GetTextAsync(new MemoryStream(Sound), cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => hanging.GetTextAsync((Stream)null!, cancellationToken: Ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => hanging.GetTextAsync(new MemoryStream(Sound), cancellationToken: cancel.Token));

        Assert.Equal("bad audio", error.Message);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        var metadata = hanging.GetService<SpeechToTextClientMetadata>();
        Assert.Equal("bytez", metadata!.ProviderName);
        Assert.Equal("org/whisper", metadata.DefaultModelId);
        Assert.Same(model, hanging.GetService<BytezModel>());
        Assert.Null(hanging.GetService<SpeechToTextClientMetadata>("key"));
    }
}
