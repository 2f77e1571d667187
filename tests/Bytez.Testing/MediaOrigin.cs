using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bytez.Testing;

/// <summary>
/// A real HTTP server on loopback that serves media the way origins on the web do, for the media URL fetcher:
/// <c>/file/{name}</c> (with a Content-Length), <c>/stream/{bytes}</c> (chunked, no Content-Length),
/// <c>/redirect/{n}</c> (n redirects, n ≥ 1, then the file <c>a.png</c>), <c>/to?url=</c> (one redirect anywhere),
/// <c>/status/{code}</c>, <c>/slow</c> (headers, then nothing for a minute).
/// </summary>
public sealed class MediaOrigin : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MediaOrigin(WebApplication app, int port, IReadOnlyDictionary<string, byte[]> files)
    {
        _app = app;
        Port = port;
        Files = files;
    }

    /// <summary>The port the origin listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>The files served under <c>/file/{name}</c>.</summary>
    public IReadOnlyDictionary<string, byte[]> Files { get; }

    /// <summary>The URL of a path on this origin, <c>http://127.0.0.1:port/path</c>, or under another host name.</summary>
    public Uri Url(string path, string host = "127.0.0.1") => new($"http://{host}:{Port}/{path.TrimStart('/')}");

    /// <summary>Starts the origin on a port the OS picks, serving <paramref name="files"/>.</summary>
    public static async Task<MediaOrigin> StartAsync(IReadOnlyDictionary<string, byte[]> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapGet("/file/{name}", (string name) =>
            files.TryGetValue(name, out var data) ? Results.Bytes(data, "application/octet-stream") : Results.NotFound());
        app.MapGet("/stream/{bytes:int}", async (HttpContext context, int bytes) =>
        {
            context.Response.ContentType = "application/octet-stream";
            var chunk = new byte[4096];
            for (var sent = 0; sent < bytes; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, bytes - sent)), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });
        app.MapGet("/redirect/{n:int}", (int n) => Results.Redirect(n <= 1 ? "/file/a.png" : $"/redirect/{n - 1}"));
        app.MapGet("/to", (string url) => Results.Redirect(url));
        app.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));
        app.MapGet("/slow", async (HttpContext context) =>
        {
            await context.Response.StartAsync(context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(TimeSpan.FromMinutes(1), context.RequestAborted);
        });
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new MediaOrigin(app, new Uri(address).Port, files);
    }

    /// <summary>Stops the origin.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
