using System.Net;
using System.Text;
using Bytez.Protocol;

namespace Bytez.Tests;

public sealed class BytezModelStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StreamAsync_Text_PostsStreamTrue()
    {
        var body = new ChunkedStream();
        body.Complete();
        var handler = TestClients.Streaming(body);
        using var client = TestClients.Create(handler);

        await foreach (var _ in client.Model("openai-community/gpt2").StreamAsync("x", new ModelParameters { MaxNewTokens = 5 }, Ct))
        {
        }

        Assert.Equal("http://bytez.test/models/v2/openai-community/gpt2", handler.Single.Uri.AbsoluteUri);
        Assert.Equal("""{"input":"x","params":{"max_new_tokens":5},"stream":true}""", handler.Single.Body);
    }

    [Fact]
    public async Task StreamAsync_ChunksArriveOverTime_YieldsEachPieceBeforeTheNextIsWritten()
    {
        var body = new ChunkedStream();
        using var client = TestClients.Create(TestClients.Streaming(body));
        await using var pieces = client.Model("openai-community/gpt2").StreamAsync("x", cancellationToken: Ct).GetAsyncEnumerator(Ct);

        body.Write("Hello");
        Assert.True(await pieces.MoveNextAsync());
        Assert.Equal("Hello", pieces.Current);

        body.Write(",\nworld");
        Assert.True(await pieces.MoveNextAsync());
        Assert.Equal(",\nworld", pieces.Current);

        body.Complete();
        Assert.False(await pieces.MoveNextAsync());
    }

    [Fact]
    public async Task StreamAsync_MultiByteCharactersSplitAcrossChunks_NeverSplitsACharacter()
    {
        var body = new ChunkedStream();
        byte[] all = Encoding.UTF8.GetBytes("café 😀!");   // é = C3 A9, 😀 = F0 9F 98 80
        body.Write(all[..4]);     // "caf" + C3
        body.Write(all[4..7]);    // A9 " " F0
        body.Write(all[7..9]);    // 9F 98
        body.Write(all[9..]);     // 80 "!"
        body.Complete();
        using var client = TestClients.Create(TestClients.Streaming(body));

        var pieces = new List<string>();
        await foreach (var piece in client.Model("openai-community/gpt2").StreamAsync("x", cancellationToken: Ct))
        {
            pieces.Add(piece);
        }

        Assert.Equal(["caf", "é ", "😀!"], pieces);
    }

    [Fact]
    public async Task StreamAsync_TruncatedCharacterAtEnd_YieldsReplacementCharacter()
    {
        var body = new ChunkedStream();
        body.Write(0x61, 0xC3);
        body.Complete();
        using var client = TestClients.Create(TestClients.Streaming(body));

        var text = new StringBuilder();
        await foreach (var piece in client.Model("openai-community/gpt2").StreamAsync("x", cancellationToken: Ct))
        {
            text.Append(piece);
        }

        Assert.Equal("a\uFFFD", text.ToString());
    }

    [Fact]
    public async Task StreamAsync_ErrorStatus_ThrowsBytezExceptionWithEnvelopeError()
    {
        const string envelope = """{"error":"Unauthorized","output":null}""";
        var handler = FakeHandler.Json(envelope, HttpStatusCode.Unauthorized);
        using var client = TestClients.Create(handler);

        var exception = await Assert.ThrowsAsync<BytezException>(async () =>
        {
            await foreach (var _ in client.Model("openai-community/gpt2").StreamAsync("x", cancellationToken: Ct))
            {
            }
        });

        Assert.Equal("Unauthorized", exception.Message);
        Assert.Equal(HttpStatusCode.Unauthorized, exception.StatusCode);
        Assert.Equal(envelope, exception.ResponseBody);
    }

    [Fact]
    public async Task StreamAsync_ConnectionFails_ThrowsBytezException()
    {
        var handler = new FakeHandler((_, _) => throw new HttpRequestException("Connection refused"));
        using var client = TestClients.Create(handler);

        var exception = await Assert.ThrowsAsync<BytezException>(async () =>
        {
            await foreach (var _ in client.Model("openai-community/gpt2").StreamAsync("x", cancellationToken: Ct))
            {
            }
        });

        Assert.Equal("Connection refused", exception.Message);
        Assert.Null(exception.StatusCode);
        Assert.IsType<HttpRequestException>(exception.InnerException);
    }

    [Fact]
    public async Task StreamAsync_BodyFailsMidway_ThrowsBytezExceptionAfterEarlierPieces()
    {
        var body = new ChunkedStream();
        body.Write("partial");
        body.Fail(new IOException("The response ended prematurely."));
        using var client = TestClients.Create(TestClients.Streaming(body));
        var pieces = new List<string>();

        await Assert.ThrowsAsync<BytezException>(async () =>
        {
            await foreach (var piece in client.Model("openai-community/gpt2").StreamAsync("x", cancellationToken: Ct))
            {
                pieces.Add(piece);
            }
        });

        Assert.Equal(["partial"], pieces);
    }

    [Fact]
    public async Task StreamAsync_CallerCancelsMidStream_ThrowsOperationCanceled()
    {
        var body = new ChunkedStream();
        body.Write("first");
        using var client = TestClients.Create(TestClients.Streaming(body));
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await using var pieces = client.Model("openai-community/gpt2").StreamAsync("x", cancellationToken: cancellation.Token).GetAsyncEnumerator(Ct);

        Assert.True(await pieces.MoveNextAsync());
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pieces.MoveNextAsync());
    }

    [Fact]
    public async Task StreamAsync_WithCancellationOnEnumerable_ThrowsOperationCanceled()
    {
        var body = new ChunkedStream();
        using var client = TestClients.Create(TestClients.Streaming(body));
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
#pragma warning disable xUnit1051 // The token is given through WithCancellation on purpose.
            await foreach (var _ in client.Model("openai-community/gpt2").StreamAsync("x").WithCancellation(cancellation.Token))
#pragma warning restore xUnit1051
            {
            }
        });
    }

    [Fact]
    public async Task StreamAsync_Timeout_ThrowsBytezException()
    {
        var body = new ChunkedStream();
        using var client = TestClients.Create(TestClients.Streaming(body), TimeSpan.FromMilliseconds(100));

        var exception = await Assert.ThrowsAsync<BytezException>(async () =>
        {
            await foreach (var _ in client.Model("openai-community/gpt2").StreamAsync("x", cancellationToken: Ct))
            {
            }
        });

        Assert.Contains("timed out", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamAsync_ChatMessages_SendsMessagesAndProviderKey()
    {
        var body = new ChunkedStream();
        body.Complete();
        var handler = TestClients.Streaming(body);
        using var client = TestClients.Create(handler);

        await foreach (var _ in client.Model("openai/gpt-4o", "sk-provider").StreamAsync([new ChatMessage("user", "Hi")], cancellationToken: Ct))
        {
        }

        Assert.Equal("""{"input":[{"role":"user","content":"Hi"}],"stream":true}""", handler.Single.Body);
        Assert.Equal("sk-provider", handler.Single.Header("provider-key"));
    }

    [Fact]
    public async Task StreamBytesAsync_Media_PostsJsonFalseAndYieldsBytesAsTheyArrive()
    {
        var body = new ChunkedStream();
        var handler = TestClients.Streaming(body);
        using var client = TestClients.Create(handler);
        await using var chunks = client.Model("stabilityai/sdxl").StreamBytesAsync("a cat", cancellationToken: Ct).GetAsyncEnumerator(Ct);

        body.Write(0x89, (byte)'P', (byte)'N', (byte)'G');
        Assert.True(await chunks.MoveNextAsync());
        var first = chunks.Current;

        body.Write(1, 2, 3);
        Assert.True(await chunks.MoveNextAsync());
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, first.ToArray());   // not overwritten by the next read
        Assert.Equal(new byte[] { 1, 2, 3 }, chunks.Current.ToArray());

        body.Complete();
        Assert.False(await chunks.MoveNextAsync());
        Assert.Equal("""{"input":"a cat","json":false}""", handler.Single.Body);
    }
}
