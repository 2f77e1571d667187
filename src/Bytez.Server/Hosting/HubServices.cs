using System.Net;
using Bytez.Engine;
using Bytez.Hub;
using Bytez.Hub.Jobs;

namespace Bytez.Server.Hosting;

/// <summary>Registers model requests: the hub client and downloader, the job store and queue, and the installer that feeds the engine.</summary>
public static class HubServices
{
    /// <summary>The SQLite database under the data directory that keeps model request jobs.</summary>
    public static string DatabasePath(BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.Combine(options.Home, "state", "bytez.db");
    }

    /// <summary>Adds the hub services and a hosted service that resumes unfinished jobs at start and stops them at shutdown.</summary>
    public static IServiceCollection AddBytezHub(this IServiceCollection services, BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var hub = options.Hub;
        hub.Validate();
        services.AddSingleton(hub);
        services.AddSingleton(_ => new HubCache(hub.ResolvedCachePath));
        services.AddSingleton(_ => new HubHttpClient(CreateHubHttpClient()));
        services.AddSingleton(provider => new HubClient(provider.GetRequiredService<HubHttpClient>().Client, hub));
        services.AddSingleton(provider =>
        {
            // Only catalog models get their own label (ids from clients would grow the series without bound).
            var catalog = provider.GetRequiredService<ModelCatalog>();
            return new HubMetrics(provider.GetService<System.Diagnostics.Metrics.IMeterFactory>(), id => catalog.Find(id) is not null);
        });
        services.AddSingleton(provider => new ModelDownloader(
            provider.GetRequiredService<HubHttpClient>().Client, provider.GetRequiredService<HubCache>(), hub, provider.GetRequiredService<HubMetrics>()));
        services.AddSingleton<IModelRequestStore>(_ =>
        {
            // SQLite gives its -wal and -shm files the mode of the database file: create that one owner-only first.
            var database = DatabasePath(options);
            PrivateFiles.CreateDirectory(Path.GetDirectoryName(database)!);
            PrivateFiles.EnsureFile(database);
            return new SqliteModelRequestStore(database);
        });
        services.AddSingleton<WebhookNotifier>();
        services.AddSingleton<IModelInstaller, HubModelInstaller>();
        services.AddSingleton<ModelRequestQueue>();
        services.AddSingleton<ModelRemover>();
        services.AddHostedService<ModelRequestService>();
        return services;
    }

    // Redirects are followed by the hub client itself, which keeps the token for the hub's own host only.
    private static HttpClient CreateHubHttpClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        // Downloads take as long as they take; stalls are caught per read by the downloader.
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>The HTTP client shared by the hub client and the downloader (disposed with the container).</summary>
    internal sealed class HubHttpClient(HttpClient client) : IDisposable
    {
        public HttpClient Client { get; } = client;

        public void Dispose() => Client.Dispose();
    }

    /// <summary>Starts the queue (resuming stored jobs) when the host starts, and stops it when the host stops.</summary>
    internal sealed class ModelRequestService(ModelRequestQueue queue) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => queue.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => queue.DisposeAsync().AsTask();
    }
}
