using Bytez.Engine;
using Bytez.Server.Hosting;

namespace Bytez.Server.Auth;

/// <summary>
/// Registers the server's own key, the store of issued keys (a SQLite file under the data directory), the per-key
/// limits (<see cref="KeyRateLimits"/>) and the engine's model access policy (<see cref="KeyModelAccess"/>).
/// </summary>
public static class ApiKeyServices
{
    /// <summary>The SQLite database under the data directory that keeps issued keys and their audit log.</summary>
    public static string DatabasePath(BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.Combine(options.Home, "state", "keys.db");
    }

    /// <summary>
    /// Adds <see cref="ApiKeyStore"/> (the configured or generated key), <see cref="IApiKeyStore"/>,
    /// <see cref="KeyRateLimits"/> and <see cref="KeyModelAccess"/> as the engine's <see cref="IModelAccessPolicy"/>.
    /// </summary>
    /// <exception cref="StartupException">A default limit (<c>Bytez:Keys:Limits</c>) is out of range.</exception>
    public static IServiceCollection AddBytezApiKeys(this IServiceCollection services, BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            options.Keys.Limits.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new StartupException(e.Message.Split(Environment.NewLine)[0]);
        }

        services.AddSingleton(ApiKeyStore.Create(options.Key, options.Home));
        services.AddHttpContextAccessor();
        services.AddSingleton<IModelAccessPolicy, KeyModelAccess>();
        services.AddSingleton(provider => new KeyRateLimits(options.Keys, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IApiKeyStore>(provider =>
        {
            // SQLite gives its -wal and -shm files the mode of the database file: create that one owner-only first.
            var database = DatabasePath(options);
            PrivateFiles.CreateDirectory(Path.GetDirectoryName(database)!);
            PrivateFiles.EnsureFile(database);
            return new SqliteApiKeyStore(database, provider.GetRequiredService<TimeProvider>());
        });
        return services;
    }
}
