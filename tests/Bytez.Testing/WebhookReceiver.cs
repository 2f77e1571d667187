using System.Threading.Channels;
using Bytez.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bytez.Testing;

/// <summary>A real HTTP endpoint on loopback that records the model request statuses posted to it.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ModelRequestStatus> _received;

    private WebhookReceiver(WebApplication app, Channel<ModelRequestStatus> received, string url)
    {
        _app = app;
        _received = received;
        Url = url;
    }

    /// <summary>The URL to post to, <c>http://127.0.0.1:&lt;port&gt;/hook</c>.</summary>
    public string Url { get; }

    /// <summary>
    /// Starts the receiver on a port the OS picks, on loopback or (<paramref name="allInterfaces"/>) on every IPv4
    /// interface; <see cref="Url"/> names 127.0.0.1 either way.
    /// </summary>
    public static async Task<WebhookReceiver> StartAsync(bool allInterfaces = false)
    {
        var received = Channel.CreateUnbounded<ModelRequestStatus>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(allInterfaces ? "http://0.0.0.0:0" : "http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapPost("/hook", async (HttpContext context) =>
        {
            var status = await System.Text.Json.JsonSerializer.DeserializeAsync(
                context.Request.Body, ProtocolJsonContext.Default.ModelRequestStatus, context.RequestAborted);
            if (context.Request.ContentLength is null)
            {
                return Results.BadRequest("a Content-Length is expected");
            }

            await received.Writer.WriteAsync(status!, context.RequestAborted);
            return Results.Ok();
        });
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port;
        return new WebhookReceiver(app, received, $"http://127.0.0.1:{port}/hook");
    }

    /// <summary>The next status posted, waiting at most <paramref name="timeout"/>.</summary>
    public async Task<ModelRequestStatus> NextAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancellation.CancelAfter(timeout);
        return await _received.Reader.ReadAsync(cancellation.Token).ConfigureAwait(false);
    }

    /// <summary>Whether a status is waiting to be read.</summary>
    public bool HasPending => _received.Reader.Count > 0;

    /// <summary>Stops the receiver.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
