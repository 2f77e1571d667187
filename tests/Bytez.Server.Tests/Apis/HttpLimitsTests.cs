using System.Text;
using System.Text.Json;
using Bytez.Server.Apis;
using Bytez.Testing;

namespace Bytez.Server.Tests.Apis;

public sealed class HttpLimitsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task LongTarget_UnderKestrelsLimit_Is414InTheEnvelope()
    {
        var answer = await SendAsync($"GET /models/v2/list/models?task={new string('a', HttpLimits.MaxTargetBytes)} HTTP/1.1\r\n", []);

        Assert.Equal(414, answer.Status);
        AssertEnvelope(answer);
    }

    [Fact]
    public async Task BigHeader_UnderKestrelsLimit_Is431InTheEnvelope()
    {
        var answer = await SendAsync("GET /models/v2/list/tasks HTTP/1.1\r\n", [$"X-Big: {new string('a', HttpLimits.MaxHeaderBytes)}"]);

        Assert.Equal(431, answer.Status);
        AssertEnvelope(answer);
    }

    [Fact]
    public async Task ManyHeaders_UnderKestrelsLimit_Is431InTheEnvelope()
    {
        var answer = await SendAsync("GET /models/v2/list/tasks HTTP/1.1\r\n", Enumerable.Range(0, HttpLimits.MaxHeaderCount + 1).Select(i => $"X-H{i}: v"));

        Assert.Equal(431, answer.Status);
        AssertEnvelope(answer);
    }

    [Fact]
    public async Task BigHeader_OverKestrelsLimit_IsKestrelsBare431()
    {
        var answer = await SendAsync("GET /models/v2/list/tasks HTTP/1.1\r\n", [$"X-Big: {new string('a', HttpLimits.KestrelMaxHeaderBytes)}"]);

        Assert.Equal(431, answer.Status);
        Assert.Empty(answer.Body);
    }

    [Fact]
    public async Task BadChunkSize_Is400InTheEnvelope()
    {
        var answer = await RawHttp.SendAsync(
            fixture.Server.BaseAddress,
            Encoding.ASCII.GetBytes(
                $"POST /model/run HTTP/1.1\r\nHost: x\r\nAuthorization: Key {TestServer.Key}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n{{}}\r\n0\r\n\r\n"),
            halfClose: false, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(400, answer.Status);
        Assert.Contains("could not be read", AssertEnvelope(answer), StringComparison.Ordinal);
    }

    private Task<RawHttp.Answer> SendAsync(string requestLine, IEnumerable<string> headers) =>
        RawHttp.SendAsync(
            fixture.Server.BaseAddress,
            Encoding.ASCII.GetBytes($"{requestLine}Host: x\r\nAuthorization: Key {TestServer.Key}\r\nConnection: close\r\n{string.Concat(headers.Select(h => h + "\r\n"))}\r\n"),
            halfClose: false, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

    private static string AssertEnvelope(RawHttp.Answer answer) => Http.AssertErrorEnvelope(JsonDocument.Parse(answer.Body).RootElement);
}
