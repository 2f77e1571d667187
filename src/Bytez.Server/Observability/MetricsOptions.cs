namespace Bytez.Server.Observability;

/// <summary>
/// Settings of the Prometheus metrics endpoint, bound from the configuration section <c>Bytez:Metrics</c> (for
/// example the environment variable <c>Bytez__Metrics__Enabled</c>). Listed in docs/configuration.md.
/// </summary>
public sealed class MetricsOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "Bytez:Metrics";

    /// <summary>The default scrape path.</summary>
    public const string DefaultPath = "/metrics";

    /// <summary>Whether metrics are collected and served at <see cref="Path"/>. Default <c>true</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Whether the scrape endpoint asks for the server's API key like the <c>/models/v2</c> routes. Default
    /// <c>false</c>: the endpoint is open, as Prometheus scrapers expect; keep the port private or turn this on.
    /// </summary>
    public bool RequireKey { get; set; }

    /// <summary>The path Prometheus scrapes. Default <c>/metrics</c>.</summary>
    public string Path { get; set; } = DefaultPath;

    /// <summary>Reads the options from <paramref name="configuration"/> and checks them.</summary>
    public static MetricsOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new MetricsOptions();
        configuration.GetSection(Section).Bind(options);
        options.Validate();
        return options;
    }

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path) || !Path.StartsWith('/'))
        {
            throw new InvalidOperationException($"{Section}:Path must be an absolute path such as '/metrics', not '{Path}'.");
        }

        if (Path.StartsWith("/models/", StringComparison.OrdinalIgnoreCase) || Path.StartsWith("/health", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{Section}:Path '{Path}' collides with the API or health routes.");
        }
    }
}
