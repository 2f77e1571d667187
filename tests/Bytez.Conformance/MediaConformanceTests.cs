using System.Net;
using Bytez.Testing;

namespace Bytez.Conformance;

/// <summary>
/// Our SDK's media helpers against our server: media in as base64 and as a URL, a media output read as a URL and
/// downloaded with the key, and the raw bytes of <c>json: false</c>. The task is the <see cref="EchoMedia"/>
/// collaborator fake (it answers the bytes it was sent); server, reader, fetcher and file store are real.
/// </summary>
public sealed class MediaConformanceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact]
    public async Task Sdk_MediaInAndOut_ThroughTheServer()
    {
        var png = Bytes(5000, 1);
        await using var origin = await MediaOrigin.StartAsync(new Dictionary<string, byte[]> { ["a.png"] = png });
        await using var server = await TestServer.StartAsync(
            new Dictionary<string, string?> { ["Bytez:Media:UrlAllowList"] = "127.0.0.1" }, configure: EchoMedia.Register);
        EchoMedia.AddModel(server);
        using var client = new BytezClient(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = server.ApiBase });
        var model = client.Model(EchoMedia.ModelId);

        var fromBytes = await model.RunAsync(BytezMedia.FromBytes(png, "image/png"), cancellationToken: Ct);
        var fromUrl = await model.RunAsync(BytezMedia.FromUrl(origin.Url("file/a.png")), cancellationToken: Ct);
        var downloaded = await client.DownloadAsync(fromBytes.EnsureSuccess().GetMediaUrl(), Ct);
        var downloadedFromUrl = await client.DownloadAsync(fromUrl.EnsureSuccess().GetMediaUrl(), Ct);
        var raw = await model.RunFileAsync(Convert.ToBase64String(png), cancellationToken: Ct);

        Assert.Equal(png, downloaded.EnsureSuccess().Output!.Data);
        Assert.Equal("image/png", downloaded.Output!.ContentType);
        Assert.Equal(png, downloadedFromUrl.EnsureSuccess().Output!.Data);
        Assert.Equal(png, raw.EnsureSuccess().Output!.Data);
        Assert.Equal("image/png", raw.Output!.ContentType);
    }

    [Fact]
    public async Task Sdk_DownloadWithAnotherKey_IsUnauthorized()
    {
        await using var server = await TestServer.StartAsync(configure: EchoMedia.Register);
        EchoMedia.AddModel(server);
        using var client = new BytezClient(new BytezClientOptions { ApiKey = TestServer.Key, BaseAddress = server.ApiBase });
        using var stranger = new BytezClient(new BytezClientOptions { ApiKey = "someone-else", BaseAddress = server.ApiBase });

        var url = (await client.Model(EchoMedia.ModelId).RunAsync(BytezMedia.FromBytes(Bytes(10, 2)), cancellationToken: Ct)).EnsureSuccess().GetMediaUrl();
        var refused = await stranger.DownloadAsync(url, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Unauthorized", refused.Error);
    }
}
