using Bytez.Engine;
using Bytez.Server.Responses;

namespace Bytez.Server.Hosting;

/// <summary>Registers the store of the Responses API's stored conversations and the hourly purge of expired ones.</summary>
public static partial class ResponsesServices
{
    /// <summary>How often expired responses are deleted (they are refused as not found from the moment they expire).</summary>
    public static readonly TimeSpan PurgeInterval = TimeSpan.FromHours(1);

    /// <summary>The SQLite database under the data directory that keeps stored responses.</summary>
    public static string DatabasePath(BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.Combine(options.Home, "state", "responses.db");
    }

    /// <summary>Adds the response store (validating <c>Bytez:Responses</c>) and its purge.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option of <c>Bytez:Responses</c> is out of range.</exception>
    public static IServiceCollection AddBytezResponses(this IServiceCollection services, BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Responses.Validate();
        services.AddSingleton(options.Responses);
        services.AddSingleton<IResponseStore>(provider =>
        {
            // SQLite gives its -wal and -shm files the mode of the database file: create that one owner-only first.
            var database = DatabasePath(options);
            PrivateFiles.CreateDirectory(Path.GetDirectoryName(database)!);
            PrivateFiles.EnsureFile(database);
            return new SqliteResponseStore(database, options.Responses, provider.GetRequiredService<TimeProvider>());
        });
        services.AddHostedService<PurgeService>();
        return services;
    }

    /// <summary>Deletes expired responses at start and then every <see cref="PurgeInterval"/>.</summary>
    internal sealed partial class PurgeService(IResponseStore store, TimeProvider time, ILogger<PurgeService> logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(PurgeInterval, time);
            do
            {
                try
                {
                    var purged = await store.PurgeAsync(stoppingToken).ConfigureAwait(false);
                    if (purged > 0)
                    {
                        LogPurged(logger, purged);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogPurgeFailed(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }

        [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} expired stored responses (Bytez:Responses:Retention)")]
        private static partial void LogPurged(ILogger logger, int count);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Purging expired stored responses failed; trying again at the next interval")]
        private static partial void LogPurgeFailed(ILogger logger, Exception exception);
    }
}
