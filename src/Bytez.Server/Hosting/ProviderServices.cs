using Bytez.Server.Providers;

namespace Bytez.Server.Hosting;

/// <summary>Registers the closed-source provider proxy and its HTTP client.</summary>
public static class ProviderServices
{
    /// <summary>Adds <see cref="ProviderProxy"/> with the options of <c>Bytez:Providers</c> (checked here: a bad value stops the start).</summary>
    public static IServiceCollection AddBytezProviders(this IServiceCollection services, BytezServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            options.Providers.Validate();
        }
        catch (ArgumentException e)
        {
            throw new StartupException($"Bytez:Providers: {e.Message}");
        }

        services.AddSingleton(options.Providers);
        services.AddSingleton<ProviderProxy>();
        services.AddHttpClient(ProviderProxy.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                ConnectTimeout = options.Providers.ConnectTimeout,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AutomaticDecompression = System.Net.DecompressionMethods.All,
                AllowAutoRedirect = false,
            })
            // The proxy bounds each call itself (a streamed answer may rightly last longer than any fixed timeout).
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            // Every header value is redacted in the client's logs: the provider key travels in a header.
            .RedactLoggedHeaders(_ => true);
        return services;
    }
}
