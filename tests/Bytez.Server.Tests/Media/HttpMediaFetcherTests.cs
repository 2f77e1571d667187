using System.Diagnostics;
using System.Net;
using Bytez.Engine;
using Bytez.Hub.Net;
using Bytez.Server.Media;
using Bytez.Testing;

namespace Bytez.Server.Tests.Media;

/// <summary>
/// The media URL fetcher against a real HTTP origin on loopback (<see cref="MediaOrigin"/>): the address policy at
/// connect time, redirects, the byte cap, the time limit and what each failure answers. Host names other than the
/// address literal are resolved by the test (to 127.0.0.1), as DNS would for a name that points at a private address.
/// </summary>
public sealed class HttpMediaFetcherTests : IAsyncLifetime
{
    private static readonly byte[] Png = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();

    private MediaOrigin _origin = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _origin = await MediaOrigin.StartAsync(new Dictionary<string, byte[]> { ["a.png"] = Png });

    public async ValueTask DisposeAsync() => await _origin.DisposeAsync();

    /// <summary>Every name resolves to loopback, as a public name pointing at a private address would.</summary>
    private static Task<IPAddress[]> ToLoopback(string host, CancellationToken cancellationToken) => Task.FromResult(new[] { IPAddress.Loopback });

    private static HttpMediaFetcher Fetcher(MediaOptions? options = null)
    {
        options ??= new MediaOptions();
        return new HttpMediaFetcher(options, options.UrlPolicy(), ToLoopback);
    }

    private static async Task<EngineException> RefusedAsync(HttpMediaFetcher fetcher, Uri url, EngineErrorKind kind, long maxBytes = 1 << 20)
    {
        var e = await Assert.ThrowsAsync<EngineException>(async () => await fetcher.FetchAsync(url, maxBytes, Ct));
        Assert.Equal(kind, e.Kind);
        return e;
    }

    [Fact]
    public async Task Loopback_IsRefusedByDefault_NamingTheOptions()
    {
        using var fetcher = new HttpMediaFetcher(new MediaOptions());

        var e = await RefusedAsync(fetcher, _origin.Url("file/a.png"), EngineErrorKind.BadInput);

        Assert.Contains("loopback, private, reserved", e.Message, StringComparison.Ordinal);
        Assert.Contains("Bytez:Media:UrlAllowList", e.Message, StringComparison.Ordinal);
        Assert.Contains("Bytez:Media:AllowPrivateUrls", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NameResolvingToLoopback_IsRefusedAtConnectTime()
    {
        using var fetcher = Fetcher();

        var e = await RefusedAsync(fetcher, _origin.Url("file/a.png", host: "media.example"), EngineErrorKind.BadInput);

        Assert.Contains("'media.example' resolves to 127.0.0.1", e.Message, StringComparison.Ordinal);
        Assert.Contains("Bytez:Media:UrlAllowList", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, "127.0.0.1")]
    [InlineData(false, "10.0.0.0/8, media.example")]
    public async Task Loopback_IsFetched_WhenConfigured(bool allowPrivate, string? allowList)
    {
        using var fetcher = Fetcher(new MediaOptions { AllowPrivateUrls = allowPrivate, UrlAllowList = allowList });
        var host = allowList?.Contains("media.example", StringComparison.Ordinal) == true ? "media.example" : "127.0.0.1";

        var data = await fetcher.FetchAsync(_origin.Url("file/a.png", host), 1 << 20, Ct);

        Assert.Equal(Png, data);
    }

    [Fact]
    public async Task Redirects_AreFollowedUpToTheCap_OneMoreIsRefused()
    {
        using var fetcher = Fetcher(new MediaOptions { AllowPrivateUrls = true, MaxRedirects = 2 });

        var data = await fetcher.FetchAsync(_origin.Url("redirect/2"), 1 << 20, Ct);
        var e = await RefusedAsync(fetcher, _origin.Url("redirect/3"), EngineErrorKind.BadInput);

        Assert.Equal(Png, data);
        Assert.Contains("redirected more than 2 times (Bytez:Media:MaxRedirects)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redirects_None_WhenTheCapIsZero()
    {
        using var fetcher = Fetcher(new MediaOptions { AllowPrivateUrls = true, MaxRedirects = 0 });

        var e = await RefusedAsync(fetcher, _origin.Url("redirect/1"), EngineErrorKind.BadInput);

        Assert.Contains("more than 0 times", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedirectToAPrivateAddress_FromAnAllowedHost_IsRefused()
    {
        // media.example is allowed (it resolves to loopback); the hop it redirects to is not, whether it names the
        // address itself (refused before connecting) or a name that resolves to it (refused at connect time).
        using var fetcher = Fetcher(new MediaOptions { UrlAllowList = "media.example" });
        var toLiteral = _origin.Url("to?url=" + Uri.EscapeDataString(_origin.Url("file/a.png").ToString()), host: "media.example");
        var toName = _origin.Url("to?url=" + Uri.EscapeDataString(_origin.Url("file/a.png", host: "internal.example").ToString()), host: "media.example");

        Assert.Equal(Png, await fetcher.FetchAsync(_origin.Url("file/a.png", host: "media.example"), 1 << 20, Ct));
        var literal = await RefusedAsync(fetcher, toLiteral, EngineErrorKind.BadInput);
        var name = await RefusedAsync(fetcher, toName, EngineErrorKind.BadInput);

        Assert.Contains("redirected to http://127.0.0.1", literal.Message, StringComparison.Ordinal);
        Assert.Contains("loopback, private, reserved", literal.Message, StringComparison.Ordinal);
        Assert.Contains("'internal.example' resolves to 127.0.0.1", name.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://example.org/a.png")]
    [InlineData("file:///etc/passwd")]
    public async Task RedirectToAnotherScheme_IsRefused(string target)
    {
        using var fetcher = Fetcher(new MediaOptions { AllowPrivateUrls = true });

        var e = await RefusedAsync(fetcher, _origin.Url("to?url=" + Uri.EscapeDataString(target)), EngineErrorKind.BadInput);

        Assert.Contains($"redirected to {new Uri(target)}, which is not http or https", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotHttp_IsRefusedWithoutAConnection()
    {
        using var fetcher = Fetcher(new MediaOptions { AllowPrivateUrls = true });

        var e = await RefusedAsync(fetcher, new Uri("ftp://127.0.0.1/a.png"), EngineErrorKind.BadInput);

        Assert.Contains("not http or https", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_OverTheCap_ByContentLength_Is413_ExactlyTheCap_IsRead()
    {
        using var fetcher = Fetcher(new MediaOptions { AllowPrivateUrls = true });

        var exact = await fetcher.FetchAsync(_origin.Url("file/a.png"), Png.Length, Ct);
        var e = await RefusedAsync(fetcher, _origin.Url("file/a.png"), EngineErrorKind.TooLarge, maxBytes: Png.Length - 1);

        Assert.Equal(Png, exact);
        Assert.Contains($"is {Png.Length} bytes long (Content-Length)", e.Message, StringComparison.Ordinal);
        Assert.Contains("Bytez:Media:MaxBytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_OverTheCap_WithoutContentLength_IsStoppedWhileStreaming()
    {
        using var fetcher = Fetcher(new MediaOptions { AllowPrivateUrls = true });

        var fits = await fetcher.FetchAsync(_origin.Url("stream/10000"), 10_000, Ct);
        // 100 MB announced by nobody: refused after the first 10 kB, not read to its end.
        var clock = Stopwatch.StartNew();
        var e = await RefusedAsync(fetcher, _origin.Url("stream/100000000"), EngineErrorKind.TooLarge, maxBytes: 10_000);

        Assert.Equal(10_000, fits.Length);
        Assert.Contains("has more than 10000 bytes", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Slow_IsStoppedAtTheTimeLimit_504NamingTheOption()
    {
        using var fetcher = Fetcher(new MediaOptions { AllowPrivateUrls = true, FetchTimeout = TimeSpan.FromMilliseconds(500) });
        var clock = Stopwatch.StartNew();

        var e = await RefusedAsync(fetcher, _origin.Url("slow"), EngineErrorKind.TimedOut);

        Assert.Contains("took longer than 0.5 s (Bytez:Media:FetchTimeout)", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task CallersCancellation_IsACancellation_NotATimeout()
    {
        using var fetcher = Fetcher(new MediaOptions { AllowPrivateUrls = true });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await fetcher.FetchAsync(_origin.Url("slow"), 1 << 20, cancel.Token));
    }

    [Theory]
    [InlineData(404, "answered HTTP 404 Not Found")]
    [InlineData(403, "answered HTTP 403 Forbidden")]
    [InlineData(500, "answered HTTP 500 Internal Server Error")]
    [InlineData(503, "answered HTTP 503 Service Unavailable")]
    public async Task UpstreamErrors_Are400SayingWhatTheUrlAnswered(int status, string expected)
    {
        using var fetcher = Fetcher(new MediaOptions { AllowPrivateUrls = true });

        var e = await RefusedAsync(fetcher, _origin.Url($"status/{status}"), EngineErrorKind.BadInput);

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_Is400SayingSo()
    {
        using var fetcher = Fetcher(new MediaOptions { AllowPrivateUrls = true });
        int closedPort;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var e = await RefusedAsync(fetcher, new Uri($"http://127.0.0.1:{closedPort}/a.png"), EngineErrorKind.BadInput);

        Assert.Contains("could not be fetched", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_IsTheMediaOptionsOne()
    {
        Assert.False(new MediaOptions().UrlPolicy().AllowsAll);
        Assert.True(new MediaOptions { AllowPrivateUrls = true }.UrlPolicy().AllowsAll);
        Assert.Throws<ArgumentException>(() => new MediaOptions { UrlAllowList = "not a host!" }.Validate());
        Assert.IsType<OutboundAddressPolicy>(new HttpMediaFetcher(new MediaOptions()).Policy);
    }
}
