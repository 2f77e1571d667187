using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bytez.Tests;

/// <summary>The SDK's own HttpClient against a raw HTTP/1.1 server on loopback: the real wire, chunked encoding.</summary>
public sealed class LoopbackStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StreamAsync_RealChunkedResponse_YieldsFirstPieceBeforeServerWritesTheRest()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var firstPieceSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requestHead = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        var server = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync(Ct);
            var stream = socket.GetStream();
            requestHead.SetResult(await ReadRequestAsync(stream));
            await WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n");
            await WriteChunkAsync(stream, "Hello"u8.ToArray());
            await WriteChunkAsync(stream, [0xC3]);                     // first half of "é"
            await firstPieceSeen.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            await WriteChunkAsync(stream, [0xA9, (byte)'!']);
            await WriteAsync(stream, "0\r\n\r\n");
        }, Ct);

        using var client = new BytezClient(new BytezClientOptions
        {
            ApiKey = "loop-key",
            BaseAddress = new Uri($"http://127.0.0.1:{port}/models/v2/"),
        });

        var pieces = new List<string>();
        await foreach (var piece in client.Model("openai-community/gpt2").StreamAsync("x", cancellationToken: Ct))
        {
            pieces.Add(piece);
            firstPieceSeen.TrySetResult();
        }

        await server;
        Assert.Equal("Hello", pieces[0]);
        Assert.Equal("Helloé!", string.Concat(pieces));
        var head = await requestHead.Task;
        Assert.StartsWith("POST /models/v2/openai-community/gpt2 HTTP/1.1\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Authorization: Key loop-key\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Content-Type: application/json\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("lang: csharp\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("""{"input":"x","stream":true}""", head, StringComparison.Ordinal);
    }

    /// <summary>Reads the head and the Content-Length body of one request.</summary>
    private static async Task<string> ReadRequestAsync(NetworkStream stream)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            var text = Encoding.UTF8.GetString(received.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var lengthLine = text[..end].Split("\r\n").FirstOrDefault(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                if (received.Count >= end + 4 + length)
                {
                    return text;
                }
            }

            var read = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken);
            if (read == 0)
            {
                return text;
            }

            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    private static async Task WriteChunkAsync(NetworkStream stream, byte[] data)
    {
        await WriteAsync(stream, $"{data.Length:x}\r\n");
        await stream.WriteAsync(data, TestContext.Current.CancellationToken);
        await WriteAsync(stream, "\r\n");
    }

    private static Task WriteAsync(NetworkStream stream, string text) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(text), TestContext.Current.CancellationToken).AsTask();
}
