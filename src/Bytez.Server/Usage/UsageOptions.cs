namespace Bytez.Server.Usage;

/// <summary>
/// Settings of usage metering, bound from the configuration section <c>Bytez:Usage</c>. Listed in docs/configuration.md.
/// </summary>
public sealed class UsageOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "Bytez:Usage";

    /// <summary>
    /// How often metered usage is written to the store; what is not written yet is kept in memory, counted in the token
    /// budgets, written on shutdown and before every usage read. Default 2 seconds.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most key names the Prometheus usage counters label; the keys seen after them are counted under
    /// <c>other</c>, so the number of series stays bounded. Default 50.
    /// </summary>
    public int MaxKeyLabels { get; set; } = 50;

    /// <summary>Reads the options from <paramref name="configuration"/> and checks them.</summary>
    public static UsageOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new UsageOptions();
        configuration.GetSection(Section).Bind(options);
        options.Validate();
        return options;
    }

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        if (FlushInterval < TimeSpan.FromMilliseconds(10) || FlushInterval > TimeSpan.FromMinutes(10))
        {
            throw new InvalidOperationException($"{Section}:FlushInterval must be from 00:00:00.010 to 00:10:00, not {FlushInterval}.");
        }

        if (MaxKeyLabels is < 0 or > 10_000)
        {
            throw new InvalidOperationException($"{Section}:MaxKeyLabels must be from 0 to 10000, not {MaxKeyLabels}.");
        }
    }
}
