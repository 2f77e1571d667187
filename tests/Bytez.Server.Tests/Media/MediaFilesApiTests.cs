using System.Net;
using System.Text;
using Bytez.Server.Media;
using Bytez.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Bytez.Server.Tests.Http;

namespace Bytez.Server.Tests.Media;

/// <summary>
/// Media on the wire through a real server: media inputs reach a pipeline (base64 and URLs from a real loopback
/// origin), and the file it produces comes back raw with <c>"json": false</c> or as a URL served by <c>GET /files/</c>
/// with the key, until it expires or is evicted. The task is the <see cref="EchoMedia"/> collaborator fake (it answers
/// the bytes it was sent), so every expected byte is the test's own input.
/// </summary>
public sealed class MediaFilesApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static Task<TestServer> StartAsync(Dictionary<string, string?>? settings = null, FakeTimeProvider? time = null) =>
        TestServer.StartAsync(settings, configure: builder =>
        {
            EchoMedia.Register(builder);
            if (time is not null)
            {
                builder.Services.AddSingleton<TimeProvider>(time);
            }
        });

    private static async Task<HttpResponseMessage> RunAsync(HttpClient client, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await client.PostAsync(EchoMedia.ModelId, content, Ct);
    }

    private static async Task<string> RunForUrlAsync(HttpClient client, byte[] data, string parameters = "{}")
    {
        var (status, body, _) = await PostAsync(client, EchoMedia.ModelId, $$"""{"base64": "{{Convert.ToBase64String(data)}}", "params": {{parameters}}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        return AssertOutput(body).GetString()!;
    }

    [Fact]
    public async Task JsonFalse_AnswersTheRawBytesWithTheContentType()
    {
        await using var server = await StartAsync();
        EchoMedia.AddModel(server);
        using var client = server.CreateHttpClient();
        var wav = Bytes(3000, 1);

        using var response = await RunAsync(client, $$$"""{"input": "data:audio/x-anything;base64,{{{Convert.ToBase64String(wav)}}}", "json": false, "params": {"content_type": "audio/wav", "extension": "wav"}}""");
        var bytes = await response.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(wav.Length, response.Content.Headers.ContentLength);
        Assert.Equal(wav, bytes);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.Home, "media"))); // nothing stored
    }

    [Fact]
    public async Task Json_AnswersAUrlOnThisServer_ServedWithTheKeyOnly()
    {
        await using var server = await StartAsync();
        EchoMedia.AddModel(server);
        using var client = server.CreateHttpClient();
        var png = Bytes(2000, 2);

        var url = await RunForUrlAsync(client, png);
        using var withKey = server.CreateHttpClient();
        using var noKey = server.CreateHttpClient(authorization: null);
        using var wrongKey = server.CreateHttpClient("Key not-the-key");
        using var got = await withKey.GetAsync(url, Ct);
        var (noKeyStatus, noKeyBody, _) = await GetAsync(noKey, url);
        var (wrongKeyStatus, _, _) = await GetAsync(wrongKey, url);

        Assert.Matches($"^{Regex(server.BaseAddress.ToString())}files/[0-9a-f]{{32}}\\.png$", url);
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal("image/png", got.Content.Headers.ContentType?.MediaType);
        Assert.Equal(png, await got.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, noKeyStatus);
        Assert.Equal("Unauthorized", AssertErrorEnvelope(noKeyBody));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKeyStatus);
    }

    [Fact]
    public async Task Files_AreOwnerOnly_AndNamedByRandomIds()
    {
        await using var server = await StartAsync();
        EchoMedia.AddModel(server);
        using var client = server.CreateHttpClient();

        var first = await RunForUrlAsync(client, Bytes(10, 3));
        var second = await RunForUrlAsync(client, Bytes(10, 3));
        var folder = Path.Combine(server.Home, "media");

        Assert.NotEqual(first, second); // the same bytes twice: two unguessable names, not a content hash
        Assert.Equal(2, Directory.EnumerateFiles(folder).Count());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }
        }
    }

    [Fact]
    public async Task PublicUrl_IsTheBaseOfTheUrls()
    {
        await using var server = await StartAsync(new() { ["Bytez:PublicUrl"] = "https://models.example.org/bytez/" });
        EchoMedia.AddModel(server);
        using var client = server.CreateHttpClient();

        var url = await RunForUrlAsync(client, Bytes(10, 4), """{"extension": "wav", "content_type": "audio/wav"}""");

        Assert.Matches("^https://models\\.example\\.org/bytez/files/[0-9a-f]{32}\\.wav$", url);
    }

    [Fact]
    public async Task Expired_Is404_AndTheSweepDeletesIt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(new() { ["Bytez:Media:FileLifetime"] = "00:10:00" }, time);
        EchoMedia.AddModel(server);
        using var client = server.CreateHttpClient();
        var url = await RunForUrlAsync(client, Bytes(100, 5));
        var folder = Path.Combine(server.Home, "media");

        time.Advance(TimeSpan.FromMinutes(9));
        using var beforeResponse = await client.GetAsync(url, Ct);
        var before = beforeResponse.StatusCode;
        Assert.Single(Directory.EnumerateFiles(folder));
        time.Advance(TimeSpan.FromMinutes(1)); // the sweep runs at least once a minute
        var (after, body, _) = await GetAsync(client, url);

        Assert.Equal(HttpStatusCode.OK, before);
        Assert.Equal(HttpStatusCode.NotFound, after);
        Assert.Contains("does not exist or has expired", AssertErrorEnvelope(body), StringComparison.Ordinal);
        Assert.Contains("Bytez:Media:FileLifetime", AssertErrorEnvelope(body), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(folder));
    }

    [Fact]
    public async Task OverTheStoreCap_TheOldestAreEvicted()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(new() { ["Bytez:Media:MaxFileStoreBytes"] = "2500" }, time);
        EchoMedia.AddModel(server);
        using var client = server.CreateHttpClient();

        var urls = new List<string>();
        foreach (var seed in new[] { 10, 11, 12 })
        {
            urls.Add(await RunForUrlAsync(client, Bytes(1000, seed)));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var statuses = new List<HttpStatusCode>();
        foreach (var url in urls)
        {
            using var response = await client.GetAsync(url, Ct);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.OK, HttpStatusCode.OK], statuses);
        Assert.Equal(2000, server.Services.GetRequiredService<MediaFileStore>().TotalBytes);
        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(server.Home, "media")).Count());
    }

    [Fact]
    public async Task AFileLargerThanTheWholeStore_Is413_AskingForJsonFalse()
    {
        await using var server = await StartAsync(new() { ["Bytez:Media:MaxFileStoreBytes"] = "100" });
        EchoMedia.AddModel(server);
        using var client = server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, EchoMedia.ModelId, $$"""{"base64": "{{Convert.ToBase64String(Bytes(101, 6))}}"}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("\"json\": false", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("files/0123456789abcdef0123456789abcdef.png")]
    [InlineData("files/not-a-file")]
    [InlineData("files/..%2Fstate%2Fclusters.json")]
    [InlineData("files/%2E%2E%2Fapi-key.sha256")]
    public async Task UnknownOrForgedNames_Are404(string path)
    {
        await using var server = await StartAsync();
        using var client = server.CreateHttpClient();

        var (status, body, _) = await GetAsync(client, new Uri(server.BaseAddress, path).ToString());

        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertErrorEnvelope(body);
    }

    [Fact]
    public async Task UrlInput_LoopbackIsRefusedByDefault_FetchedWhenAllowed()
    {
        var png = Bytes(4000, 7);
        await using var origin = await MediaOrigin.StartAsync(new Dictionary<string, byte[]> { ["a.png"] = png });
        await using var strict = await StartAsync();
        await using var open = await StartAsync(new() { ["Bytez:Media:UrlAllowList"] = "127.0.0.1" });
        EchoMedia.AddModel(strict);
        EchoMedia.AddModel(open);
        using var strictClient = strict.CreateHttpClient();
        using var openClient = open.CreateHttpClient();
        var json = $$"""{"url": "{{origin.Url("file/a.png")}}", "json": false}""";

        var (refused, body, _) = await PostAsync(strictClient, EchoMedia.ModelId, json);
        using var fetched = await RunAsync(openClient, json);

        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains("Bytez:Media:UrlAllowList", AssertErrorEnvelope(body), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(png, await fetched.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task BadMedia_WithJsonFalse_IsStillAnErrorEnvelope()
    {
        await using var server = await StartAsync();
        EchoMedia.AddModel(server);
        using var client = server.CreateHttpClient();

        var (status, body, _) = await PostAsync(client, EchoMedia.ModelId, """{"base64": "not base64!", "json": false}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("`base64` is not valid base64", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABase64BodyOfMaxBytes_FitsTheDefaultBodyLimit()
    {
        await using var server = await StartAsync();
        EchoMedia.AddModel(server);
        using var client = server.CreateHttpClient();
        var largest = Bytes((int)new MediaOptions().MaxBytes, 8);

        using var response = await RunAsync(client, $$"""{"base64": "data:image/png;base64,{{Convert.ToBase64String(largest)}}", "json": false}""");
        var (over, body, _) = await PostAsync(client, EchoMedia.ModelId, $$"""{"base64": "{{Convert.ToBase64String(largest.Append((byte)0).ToArray())}}"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(largest, await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, over);
        Assert.Contains("Bytez:Media:MaxBytes", AssertErrorEnvelope(body), StringComparison.Ordinal);
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);
}
