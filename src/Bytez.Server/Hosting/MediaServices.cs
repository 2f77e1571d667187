using Bytez.Engine.Media;
using Bytez.Server.Media;

namespace Bytez.Server.Hosting;

/// <summary>Registers media on the wire: the fetcher of media URLs (the engine's own refuses them) and the store of files tasks produce.</summary>
public static class MediaServices
{
    /// <summary>Adds the media services; call before <see cref="EngineServices.AddBytezEngine"/>, whose defaults they replace.</summary>
    public static IServiceCollection AddBytezMedia(this IServiceCollection services, BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Media.Validate();
        services.AddSingleton(options.Media);
        services.AddSingleton<IMediaFetcher>(_ => new HttpMediaFetcher(options.Media));
        if (!string.IsNullOrWhiteSpace(options.PublicUrl)
            && !(Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var publicUrl) && publicUrl.Scheme is "http" or "https"))
        {
            throw new StartupException($"Bytez:PublicUrl '{options.PublicUrl}' is not an absolute http or https URL (such as https://models.example.org).");
        }

        services.AddSingleton(provider => new MediaFileStore(FilesPath(options), options.Media, provider.GetRequiredService<TimeProvider>()));
        services.AddHostedService<FileStoreService>();
        return services;
    }

    /// <summary>The folder under the data directory that keeps the files tasks produced.</summary>
    public static string FilesPath(BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.Combine(options.Home, "media");
    }

    /// <summary>Opens the file store when the host starts, so files of an earlier run are swept even before the first new one.</summary>
    internal sealed class FileStoreService(MediaFileStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = store.Directory;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
