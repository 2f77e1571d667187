using Bytez.Engine;
using Bytez.Server.Hosting;

namespace Bytez.Server.Auth;

/// <summary>Registers the server's own key and the store of issued keys (a SQLite file under the data directory).</summary>
public static class ApiKeyServices
{
    /// <summary>The SQLite database under the data directory that keeps issued keys and their audit log.</summary>
    public static string DatabasePath(BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.Combine(options.Home, "state", "keys.db");
    }

    /// <summary>Adds <see cref="ApiKeyStore"/> (the configured or generated key) and <see cref="IApiKeyStore"/>.</summary>
    public static IServiceCollection AddBytezApiKeys(this IServiceCollection services, BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(ApiKeyStore.Create(options.Key, options.Home));
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
