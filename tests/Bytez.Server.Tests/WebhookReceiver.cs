using System.Threading.Channels;
using Bytez.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bytez.Server.Tests;

/// <summary>A real HTTP endpoint on loopback that records the model request statuses posted to it.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ModelRequestStatus> _received;

    private WebhookReceiver(WebApplication app, Channel<ModelRequestStatus> received, string url)
    {
        _app = app;
        _received = received;
        Url = url;
    }

    public string Url { get; }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var received = Channel.CreateUnbounded<ModelRequestStatus>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapPost("/hook", async (HttpContext context) =>
        {
            var status = await System.Text.Json.JsonSerializer.DeserializeAsync(
                context.Request.Body, ProtocolJsonContext.Default.ModelRequestStatus, context.RequestAborted);
            await received.Writer.WriteAsync(status!, context.RequestAborted);
            return Results.Ok();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new WebhookReceiver(app, received, address.TrimEnd('/') + "/hook");
    }

    public async Task<ModelRequestStatus> NextAsync(TimeSpan timeout)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancellation.CancelAfter(timeout);
        return await _received.Reader.ReadAsync(cancellation.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
