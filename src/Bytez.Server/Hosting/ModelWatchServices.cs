using Bytez.Engine;

namespace Bytez.Server.Hosting;

/// <summary>Registers the watcher that serves model folders added to the models directory while the server runs.</summary>
public static class ModelWatchServices
{
    /// <summary>Adds the <see cref="ModelDirectoryWatcher"/> and a hosted service that starts it with the server and stops it at shutdown.</summary>
    public static IServiceCollection AddBytezModelWatch(this IServiceCollection services, BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ModelWatch.Validate();
        services.AddSingleton(options.ModelWatch);
        services.AddSingleton<ModelDirectoryWatcher>();
        services.AddHostedService<ModelWatchService>();
        return services;
    }

    /// <summary>Starts watching when the host starts; stops when it stops.</summary>
    internal sealed class ModelWatchService(ModelDirectoryWatcher watcher) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            watcher.Start();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            watcher.Dispose();
            return Task.CompletedTask;
        }
    }
}
