using System.Net;
using Bytez.Hub;

namespace Bytez.Hub.Tests;

/// <summary>The hub's metadata answer is untrusted: an endless answer fails the request instead of filling the memory.</summary>
public sealed class HubClientLimitsTests
{
    [Fact]
    public async Task GetRepositoryAsync_AnswerLargerThanTheLimit_FailsWithoutReadingItAll()
    {
        using var handler = new EndlessAnswer();
        using var http = new HttpClient(handler);
        var client = new HubClient(http, new HubOptions { Endpoint = "http://127.0.0.1:9", MaxAttempts = 1 });

        var e = await Assert.ThrowsAsync<HubException>(() => client.GetRepositoryAsync("org/model", "main", TestContext.Current.CancellationToken));

        Assert.Contains("64 MiB", e.Message, StringComparison.Ordinal);
        Assert.InRange(handler.Served, HubClient.MaxMetadataBytes, HubClient.MaxMetadataBytes + (1 << 20));
    }

    /// <summary>Answers 200 with a body of spaces that never ends and no Content-Length.</summary>
    private sealed class EndlessAnswer : HttpMessageHandler
    {
        private readonly SpaceStream _body = new();

        public long Served => _body.Served;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(_body) });
    }

    private sealed class SpaceStream : Stream
    {
        public long Served { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Served; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)' ');
            Served += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
