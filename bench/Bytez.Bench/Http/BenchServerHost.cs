using Bytez.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bytez.Bench.Http;

/// <summary>Starts the real server (<see cref="BytezServer.Create"/>) in this process, logging warnings only, and reads its address.</summary>
internal static class BenchServerHost
{
    /// <summary>Starts the server with these arguments; returns it and its Bytez API base (<c>.../models/v2/</c>).</summary>
    public static async Task<(WebApplication App, Uri ApiBase)> StartAsync(string[] args)
    {
        var app = BytezServer.Create(args, builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return (app, new Uri(address.TrimEnd('/') + BytezServer.ApiPrefix + "/"));
    }
}
