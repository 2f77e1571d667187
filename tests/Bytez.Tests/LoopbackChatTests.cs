using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Bytez.Tests;

/// <summary>
/// The chat adapter over a real HTTP/1.1 connection on loopback: server-sent events in chunked encoding read as they
/// arrive, and Microsoft.Extensions.AI's function invocation (<c>UseFunctionInvocation</c>) going round the tool call.
/// </summary>
public sealed class LoopbackChatTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetStreamingResponseAsync_RealChunkedEvents_YieldsTheFirstUpdateBeforeTheServerWritesTheRest()
    {
        var firstSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new LoopbackHttpServer(async (request, stream) =>
        {
            await LoopbackHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
            await LoopbackHttpServer.WriteChunkAsync(stream, "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}\n\n");
            await firstSeen.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            // An event split across chunks, and a multi-byte character split across them.
            var tail = Encoding.UTF8.GetBytes("data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo é\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
            var split = Array.IndexOf(tail, (byte)0xC3) + 1;
            await LoopbackHttpServer.WriteChunkAsync(stream, tail[..split]);
            await LoopbackHttpServer.WriteChunkAsync(stream, tail[split..]);
            await LoopbackHttpServer.WriteAsync(stream, "0\r\n\r\n");
        });
        using var client = server.CreateClient();
        var chat = client.Model("org/chat").AsIChatClient();

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync("hi", cancellationToken: Ct))
        {
            updates.Add(update);
            firstSeen.TrySetResult();
        }

        Assert.Equal(["Hel", "lo é"], updates.Select(u => u.Text));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        var request = Assert.Single(server.Requests);
        Assert.StartsWith("POST /models/v2/openai/v1/chat/completions HTTP/1.1\r\n", request.Head, StringComparison.Ordinal);
        Assert.Contains("Authorization: Bearer loop-key\r\n", request.Head, StringComparison.OrdinalIgnoreCase);
        Assert.True((bool)JsonNode.Parse(request.Body)!["stream"]!);
    }

    [Fact]
    public async Task UseFunctionInvocation_ToolCallThenAnswer_SendsTheResultBackAndReturnsTheAnswer()
    {
        var answers = new Queue<string>(
        [
            """{"id":"c1","object":"chat.completion","created":1735689600,"model":"org/chat","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_9","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":20,"completion_tokens":8,"total_tokens":28}}""",
            """{"id":"c2","object":"chat.completion","created":1735689601,"model":"org/chat","choices":[{"index":0,"message":{"role":"assistant","content":"It is sunny in Paris, 21 degrees."},"finish_reason":"stop"}],"usage":{"prompt_tokens":40,"completion_tokens":9,"total_tokens":49}}""",
        ]);
        await using var server = new LoopbackHttpServer(async (request, stream) =>
        {
            var body = Encoding.UTF8.GetBytes(answers.Dequeue());
            await LoopbackHttpServer.WriteAsync(stream, $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(body, Ct);
        });
        using var client = server.CreateClient();
        var cities = new List<string>();
        var tool = AIFunctionFactory.Create((string city) => { cities.Add(city); return $"sunny, 21 degrees in {city}"; }, "get_weather", "Gets the weather of a city");
        using var chat = client.Model("org/chat").AsIChatClient().AsBuilder().UseFunctionInvocation().Build();

        var response = await chat.GetResponseAsync("Weather in Paris?", new ChatOptions { Tools = [tool] }, Ct);

        Assert.Equal("It is sunny in Paris, 21 degrees.", response.Text);
        Assert.Equal(["Paris"], cities);
        Assert.Equal(2, server.Requests.Count);
        var first = JsonNode.Parse(server.Requests[0].Body)!;
        Assert.Equal("get_weather", first["tools"]![0]!["function"]!["name"]!.GetValue<string>());
        Assert.Equal("string", first["tools"]![0]!["function"]!["parameters"]!["properties"]!["city"]!["type"]!.GetValue<string>());
        var second = JsonNode.Parse(server.Requests[1].Body)!["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "tool"], second.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Equal("call_9", second[1]!["tool_calls"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("""{"city":"Paris"}""", second[1]!["tool_calls"]![0]!["function"]!["arguments"]!.GetValue<string>());
        Assert.Equal("call_9", second[2]!["tool_call_id"]!.GetValue<string>());
        Assert.Equal("sunny, 21 degrees in Paris", second[2]!["content"]!.GetValue<string>());
        Assert.Equal(77, response.Usage!.TotalTokenCount);   // both calls' usage, added up by the function invocation
    }
}

/// <summary>A raw HTTP/1.1 server on a loopback port the OS picks: one request per connection, answered by the test.</summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackHttpServer(Func<(string Head, string Body), NetworkStream, Task> respond)
    {
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                using var socket = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = socket.GetStream();
                var request = await ReadRequestAsync(stream, _stop.Token);
                lock (Requests)
                {
                    Requests.Add(request);
                }

                await respond(request, stream);
                await stream.FlushAsync(_stop.Token);
            }
        });
    }

    public List<(string Head, string Body)> Requests { get; } = [];

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/models/v2/");

    public BytezClient CreateClient() => new(new BytezClientOptions { ApiKey = "loop-key", BaseAddress = BaseAddress });

    public static Task WriteAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();

    public static Task WriteChunkAsync(NetworkStream stream, string text) => WriteChunkAsync(stream, Encoding.UTF8.GetBytes(text));

    public static async Task WriteChunkAsync(NetworkStream stream, byte[] data)
    {
        await WriteAsync(stream, $"{data.Length:X}\r\n");
        await stream.WriteAsync(data);
        await WriteAsync(stream, "\r\n");
        await stream.FlushAsync();
    }

    private static async Task<(string Head, string Body)> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var received = new List<byte>();
        var buffer = new byte[8192];
        while (true)
        {
            var bytes = received.ToArray();
            var text = Encoding.UTF8.GetString(bytes);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var head = text[..(end + 4)];
                var lengthLine = head.Split("\r\n").FirstOrDefault(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                var headBytes = Encoding.UTF8.GetByteCount(head);
                if (bytes.Length >= headBytes + length)
                {
                    return (head, Encoding.UTF8.GetString(bytes, headBytes, length));
                }
            }

            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return (text, string.Empty);
            }

            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopped
        }

        _stop.Dispose();
    }
}
