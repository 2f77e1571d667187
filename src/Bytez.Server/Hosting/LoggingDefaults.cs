using Microsoft.Extensions.Configuration.Memory;

namespace Bytez.Server.Hosting;

/// <summary>
/// The server's default log levels, given as the lowest-precedence configuration source so that the usual
/// <c>Logging:LogLevel:*</c> keys (appsettings.json, environment, command line) override them.
/// </summary>
public static class LoggingDefaults
{
    /// <summary>The category of ASP.NET Core's own per-request logs (request started/finished, endpoint executed).</summary>
    public const string RequestCategory = "Microsoft.AspNetCore";

    /// <summary>The level of <see cref="RequestCategory"/> unless configured: requests are not logged one by one.</summary>
    public const string RequestLevel = "Warning";

    /// <summary>Adds the defaults beneath every other configuration source.</summary>
    public static void AddBytezLoggingDefaults(this IConfigurationBuilder configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                [$"Logging:LogLevel:{RequestCategory}"] = RequestLevel,
            },
        });
    }
}
