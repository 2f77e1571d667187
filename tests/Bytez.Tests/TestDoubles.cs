using System.Net;
using System.Text;
using System.Threading.Channels;

namespace Bytez.Tests;

/// <summary>One request as the fake handler saw it, copied before the client disposes it.</summary>
internal sealed record CapturedRequest(
    HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, string? ContentType, string? Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>An HttpMessageHandler that records requests and answers with whatever the test says.</summary>
internal sealed class FakeHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
{
    public List<CapturedRequest> Requests { get; } = [];

    public CapturedRequest Single => Assert.Single(Requests);

    public static FakeHandler Json(string body, HttpStatusCode status = HttpStatusCode.OK) =>
        new((_, _) => Task.FromResult(JsonResponse(body, status)));

    public static HttpResponseMessage JsonResponse(string body, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers.NonValidated)
        {
            headers[name] = values.ToString();
        }

        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Add(new CapturedRequest(
            request.Method, request.RequestUri!, headers, request.Content?.Headers.ContentType?.ToString(), body));
        return await respond(request, cancellationToken);
    }
}

/// <summary>
/// A response body the test writes chunk by chunk while the client reads it: each read returns at most one
/// chunk, and waits when none is written yet.
/// </summary>
internal sealed class ChunkedStream : Stream
{
    private readonly Channel<byte[]> _chunks = Channel.CreateUnbounded<byte[]>();
    private ReadOnlyMemory<byte> _current;

    public void Write(params byte[] chunk) => Assert.True(_chunks.Writer.TryWrite(chunk));

    public void Write(string text) => Write(Encoding.UTF8.GetBytes(text));

    public void Complete() => _chunks.Writer.Complete();

    public void Fail(Exception exception) => _chunks.Writer.Complete(exception);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_current.IsEmpty)
        {
            if (!await _chunks.Reader.WaitToReadAsync(cancellationToken))
            {
                return 0;
            }

            _chunks.Reader.TryRead(out var chunk);
            _current = chunk;
        }

        var count = Math.Min(buffer.Length, _current.Length);
        _current[..count].CopyTo(buffer);
        _current = _current[count..];
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

internal static class TestClients
{
    public const string Key = "test-key";

    public static readonly Uri BaseAddress = new("http://bytez.test/models/v2/");

    public static BytezClient Create(FakeHandler handler, TimeSpan? timeout = null, TimeProvider? timeProvider = null) =>
        new(new HttpClient(handler), new BytezClientOptions
        {
            ApiKey = Key,
            BaseAddress = BaseAddress,
            Timeout = timeout ?? BytezClientOptions.DefaultTimeout,
            TimeProvider = timeProvider,
        });

    /// <summary>A handler that gives the answers in order, one per request, repeating the last one.</summary>
    public static FakeHandler Scripted(params (HttpStatusCode Status, string Body)[] answers)
    {
        var next = 0;
        return new((_, _) =>
        {
            var (status, body) = answers[Math.Min(Interlocked.Increment(ref next) - 1, answers.Length - 1)];
            return Task.FromResult(FakeHandler.JsonResponse(body, status));
        });
    }

    /// <summary>A handler that never answers, until the request is cancelled.</summary>
    public static FakeHandler Hanging() => new(async (_, cancellationToken) =>
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable");
    });

    public static FakeHandler Streaming(ChunkedStream body, HttpStatusCode status = HttpStatusCode.OK) =>
        new((_, _) => Task.FromResult(new HttpResponseMessage(status) { Content = new StreamContent(body) }));
}
