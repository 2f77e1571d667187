using System.Net;
using System.Text.Json;

namespace Bytez.Tests;

/// <summary>
/// The SDK's media helpers on the wire: what <see cref="BytezMedia"/> sends in <c>input</c>, reading a media output's
/// URL, downloading it (the key only to the client's own server) and <c>json: false</c> raw answers. The server is a
/// collaborator fake (<see cref="FakeHandler"/>); base64 is checked by decoding it with the BCL.
/// </summary>
public sealed class BytezMediaTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0xFF, 0x00, 0x7E];

    [Fact]
    public void FromBytes_WithAType_IsADataUri_WithoutOne_BareBase64()
    {
        var typed = BytezMedia.FromBytes(Png, "image/png");
        var bare = BytezMedia.FromBytes(Png);

        Assert.False(typed.IsUrl);
        Assert.StartsWith("data:image/png;base64,", typed.Value, StringComparison.Ordinal);
        Assert.Equal(Png, Convert.FromBase64String(typed.Value["data:image/png;base64,".Length..]));
        Assert.Equal(Png, Convert.FromBase64String(bare.Value));
        Assert.DoesNotContain(bare.Value, bare.ToString(), StringComparison.Ordinal); // never logs the data
        Assert.Throws<ArgumentException>(() => BytezMedia.FromBytes([]));
    }

    [Fact]
    public async Task FromFileAndStream_ReadTheBytes_TheExtensionNamesTheType()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bytez-media-{Guid.NewGuid():N}.wav");
        await File.WriteAllBytesAsync(path, Png, Ct);
        try
        {
            var file = await BytezMedia.FromFileAsync(path, Ct);
            using var stream = new MemoryStream(Png);
            var fromStream = await BytezMedia.FromStreamAsync(stream, cancellationToken: Ct);

            Assert.Equal("data:audio/wav;base64," + Convert.ToBase64String(Png), file.Value);
            Assert.Equal(Convert.ToBase64String(Png), fromStream.Value);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromUrl_HttpOnly()
    {
        Assert.True(BytezMedia.FromUrl("https://example.org/cat.png").IsUrl);
        Assert.Equal("https://example.org/cat.png", BytezMedia.FromUrl(new Uri("https://example.org/cat.png")).Value);
        Assert.Throws<ArgumentException>(() => BytezMedia.FromUrl("ftp://example.org/cat.png"));
        Assert.Throws<ArgumentException>(() => BytezMedia.FromUrl("cat.png"));
    }

    [Fact]
    public async Task RunAsync_SendsTheMediaAsTheInputString()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":[{"label":"cat","score":0.9}]}""");
        using var client = TestClients.Create(handler);

        await client.Model("org/vit").RunAsync(BytezMedia.FromUrl("https://example.org/cat.png"), cancellationToken: Ct);
        await client.Model("org/vit").RunAsync(BytezMedia.FromBytes(Png, "image/png"), cancellationToken: Ct);

        using var first = JsonDocument.Parse(handler.Requests[0].Body!);
        using var second = JsonDocument.Parse(handler.Requests[1].Body!);
        Assert.Equal("https://example.org/cat.png", first.RootElement.GetProperty("input").GetString());
        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(Png), second.RootElement.GetProperty("input").GetString());
    }

    [Fact]
    public async Task RunAsync_WritesBase64WithoutHtmlEscapes_StillValidJson()
    {
        // Bytes whose base64 is full of '+' and '/' (0xFB 0xEF 0xBE → "++++"), which the default encoder writes as \u002B.
        var data = Enumerable.Repeat(new byte[] { 0xFB, 0xEF, 0xBE }, 1000).SelectMany(b => b).ToArray();
        var handler = FakeHandler.Json("""{"error":null,"output":[]}""");
        using var client = TestClients.Create(handler);

        await client.Model("org/vit").RunAsync(BytezMedia.FromBytes(data), cancellationToken: Ct);
        await client.Model("org/gpt").RunAsync("a \"quote\" <b> & \u0001", cancellationToken: Ct);

        var media = handler.Requests[0].Body!;
        Assert.DoesNotContain("\\u002B", media, StringComparison.Ordinal);
        Assert.Equal(Convert.ToBase64String(data).Length + """{"input":""}""".Length, media.Length);
        using var parsed = JsonDocument.Parse(media);
        Assert.Equal(data, Convert.FromBase64String(parsed.RootElement.GetProperty("input").GetString()!));

        // What JSON itself needs is still escaped: the quote and the control character.
        using var text = JsonDocument.Parse(handler.Requests[1].Body!);
        Assert.Equal("a \"quote\" <b> & \u0001", text.RootElement.GetProperty("input").GetString());
        Assert.Contains("\\u0001", handler.Requests[1].Body!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMediaUrl_ReadsTheOutputUrl_OrNamesTheShape()
    {
        var handler = FakeHandler.Json("""{"error":null,"output":"https://cdn.bytez.com/a/b.wav"}""");
        using var client = TestClients.Create(handler);
        var result = await client.Model("org/tts").RunAsync("hello", cancellationToken: Ct);
        var notUrl = new BytezResult(JsonDocument.Parse("\"just text\"").RootElement, null, null, HttpStatusCode.OK);

        Assert.Equal(new Uri("https://cdn.bytez.com/a/b.wav"), result.GetMediaUrl());
        var e = Assert.Throws<BytezException>(() => notUrl.GetMediaUrl());
        Assert.Contains("http or https URL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadAsync_SendsTheKeyToItsOwnServerOnly()
    {
        var handler = new FakeHandler((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new ByteArrayContent(Png) { Headers = { ContentType = new("audio/wav") } },
        }));
        using var client = TestClients.Create(handler);

        var own = await client.DownloadAsync(new Uri("http://bytez.test/files/0123.wav"), Ct);
        var other = await client.DownloadAsync(new Uri("https://cdn.bytez.com/0123.wav"), Ct);
        var otherPort = await client.DownloadAsync(new Uri("http://bytez.test:8081/files/0123.wav"), Ct);

        Assert.Equal(Png, own.Output!.Data);
        Assert.Equal("audio/wav", own.Output.ContentType);
        Assert.Equal($"Key {TestClients.Key}", handler.Requests[0].Header("Authorization"));
        Assert.Null(handler.Requests[1].Header("Authorization"));
        Assert.Null(handler.Requests[2].Header("Authorization"));
        Assert.Equal(Png, other.Output!.Data);
        Assert.True(otherPort.IsSuccess);
        Assert.Throws<ArgumentException>(() => { _ = client.DownloadAsync(new Uri("file:///etc/passwd"), Ct); });
    }

    [Fact]
    public async Task DownloadAsync_AnErrorAnswer_IsAnErrorResult()
    {
        var handler = FakeHandler.Json("""{"error":"The file 'x' does not exist or has expired","output":null}""", HttpStatusCode.NotFound);
        using var client = TestClients.Create(handler);

        var result = await client.DownloadAsync(new Uri("http://bytez.test/files/x.wav"), Ct);

        Assert.False(result.IsSuccess);
        Assert.Equal(HttpStatusCode.NotFound, result.StatusCode);
        Assert.Equal("The file 'x' does not exist or has expired", result.Error);
    }

    [Fact]
    public async Task RunFileAsync_SendsJsonFalse_ReturnsTheBytesAndType_AJsonAnswerIsAnError()
    {
        var answers = new Queue<HttpResponseMessage>(
        [
            new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Png) { Headers = { ContentType = new("image/png") } } },
            FakeHandler.JsonResponse("""{"error":null,"output":"a text"}"""),
            FakeHandler.JsonResponse("""{"error":"text-to-image expects `text`","output":null}""", HttpStatusCode.BadRequest),
        ]);
        var handler = new FakeHandler((_, _) => Task.FromResult(answers.Dequeue()));
        using var client = TestClients.Create(handler);
        var model = client.Model("org/sd");

        var file = await model.RunFileAsync("a red square", cancellationToken: Ct);
        var json = await model.RunFileAsync("a red square", cancellationToken: Ct);
        var error = await model.RunFileAsync("a red square", cancellationToken: Ct);

        using var body = JsonDocument.Parse(handler.Requests[0].Body!);
        Assert.False(body.RootElement.GetProperty("json").GetBoolean());
        Assert.Equal("a red square", body.RootElement.GetProperty("input").GetString());
        Assert.Equal(new Uri("http://bytez.test/models/v2/org/sd"), handler.Requests[0].Uri);
        Assert.Equal(Png, file.Output!.Data);
        Assert.Equal("image/png", file.Output.ContentType);
        Assert.Contains("not a file", json.Error, StringComparison.Ordinal);
        Assert.Equal("text-to-image expects `text`", error.Error);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
    }
}
