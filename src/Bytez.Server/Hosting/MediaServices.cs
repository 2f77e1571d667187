using Bytez.Engine.Media;
using Bytez.Server.Media;

namespace Bytez.Server.Hosting;

/// <summary>Registers media on the wire: the fetcher of media URLs (the engine's own refuses them).</summary>
public static class MediaServices
{
    /// <summary>Adds the media services; call before <see cref="EngineServices.AddBytezEngine"/>, whose defaults they replace.</summary>
    public static IServiceCollection AddBytezMedia(this IServiceCollection services, BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Media.Validate();
        services.AddSingleton(options.Media);
        services.AddSingleton<IMediaFetcher>(_ => new HttpMediaFetcher(options.Media));
        return services;
    }
}
