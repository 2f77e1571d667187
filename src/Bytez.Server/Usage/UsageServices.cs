using Bytez.Engine;
using Bytez.Engine.Metrics;
using Bytez.Server.Hosting;
using Bytez.Server.Observability;

namespace Bytez.Server.Usage;

/// <summary>Registers usage metering (store, meter, counters, token budget) and the meter tiers of the model lists.</summary>
public static class UsageServices
{
    /// <summary>The SQLite database under the data directory that keeps metered usage.</summary>
    public static string DatabasePath(BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.Combine(options.Home, "state", "usage.db");
    }

    /// <summary>Adds <see cref="IUsageStore"/>, <see cref="UsageMeter"/> (a hosted service), <see cref="UsageMetrics"/>, <see cref="IKeyTokenBudget"/> and <see cref="MeteringOptions"/>.</summary>
    /// <exception cref="InvalidOperationException">An option of <c>Bytez:Usage</c>, <c>Bytez:Metering</c> or the token budget is out of range.</exception>
    public static IServiceCollection AddBytezUsage(this IServiceCollection services, IConfiguration configuration, BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        var usage = UsageOptions.Read(configuration);
        services.AddSingleton(usage);
        services.AddSingleton(MeteringOptions.Read(configuration));
        services.AddSingleton<IKeyTokenBudget, KeyTokenBudget>();
        services.AddSingleton<IUsageStore>(_ =>
        {
            // SQLite gives its -wal and -shm files the mode of the database file: create that one owner-only first.
            var database = DatabasePath(options);
            PrivateFiles.CreateDirectory(Path.GetDirectoryName(database)!);
            PrivateFiles.EnsureFile(database);
            return new SqliteUsageStore(database);
        });
        services.AddSingleton(provider =>
        {
            var engine = provider.GetRequiredService<EngineMetrics>();
            return new UsageMetrics(provider.GetService<System.Diagnostics.Metrics.IMeterFactory>(), usage.MaxKeyLabels, engine.ModelLabel);
        });
        services.AddSingleton<UsageMeter>();
        services.AddHostedService(provider => provider.GetRequiredService<UsageMeter>());
        return services;
    }

    /// <summary>Meters every request that carries a key; call after the key middleware.</summary>
    public static WebApplication UseBytezUsage(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<UsageMiddleware>();
        return app;
    }
}
