namespace Bytez.Server.Usage;

/// <summary>
/// One tier of <c>Bytez:Metering:Tiers</c>: models up to a size get a meter (size class) and a price per second of
/// inference, as <c>list/models</c> shows them. A tier without bounds matches every model.
/// </summary>
public sealed class MeterTier
{
    /// <summary>The largest memory an instance of the model may need, in GB (as <c>ramRequired</c>); <see langword="null"/> for no bound.</summary>
    public double? MaxRamGb { get; set; }

    /// <summary>The most parameters, in billions (as <c>params</c>); <see langword="null"/> for no bound.</summary>
    public double? MaxParams { get; set; }

    /// <summary>The meter <c>list/models</c> shows, such as <c>micro</c>, <c>sm-lm</c> or <c>team-small</c>.</summary>
    public string Meter { get; set; } = "";

    /// <summary>The price in USD per second of inference; <c>list/models</c> shows it as <c>"0.0000872083 / sec"</c>.</summary>
    public decimal MeterPrice { get; set; }
}
