using System.Globalization;
using Bytez.Protocol;

namespace Bytez.Server.Usage;

/// <summary>
/// The <c>meter</c> and <c>meterPrice</c> of <c>list/models</c> (and the v1 list), from the configuration section
/// <c>Bytez:Metering</c>: an ordered list of <see cref="Tiers"/>, the first that fits a model's memory and parameter
/// count wins. Without tiers (or when none fits) a model gets the hosted service's size class for its memory
/// (<c>micro</c> up to 16 GB, then <c>xs</c>, <c>sm</c>, <c>md</c>, <c>lg</c>, <c>xl</c>, <c>xxl</c>, <c>super</c>; <c>-lm</c>
/// for language models) at price 0. Usage reads estimate a cost from the same price.
/// </summary>
public sealed class MeteringOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "Bytez:Metering";

    /// <summary>The tiers, in order.</summary>
    public List<MeterTier> Tiers { get; } = [];

    /// <summary>Reads the options from <paramref name="configuration"/> and checks them.</summary>
    public static MeteringOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new MeteringOptions();
        configuration.GetSection(Section).Bind(options);
        options.Validate();
        return options;
    }

    /// <summary>Throws when a tier is incomplete or out of range.</summary>
    public void Validate()
    {
        for (var i = 0; i < Tiers.Count; i++)
        {
            var tier = Tiers[i];
            if (string.IsNullOrWhiteSpace(tier.Meter) || tier.Meter.Length > 64 || tier.Meter.Any(char.IsControl))
            {
                throw new InvalidOperationException($"{Section}:Tiers:{i}:Meter must be a name of 1 to 64 characters, such as \"sm-lm\".");
            }

            if (tier.MeterPrice < 0)
            {
                throw new InvalidOperationException($"{Section}:Tiers:{i}:MeterPrice must be 0 or more USD per second, not {tier.MeterPrice}.");
            }

            if (tier.MaxRamGb is < 0 || tier.MaxParams is < 0 || tier.MaxRamGb is double.NaN || tier.MaxParams is double.NaN)
            {
                throw new InvalidOperationException($"{Section}:Tiers:{i}: MaxRamGb and MaxParams must be 0 or more.");
            }
        }
    }

    /// <summary>The meter, the price per second (USD) and its <c>meterPrice</c> text for a model of this size and task.</summary>
    public (string Meter, decimal PricePerSecond, string MeterPrice) For(double ramGb, double paramsBillions, string task)
    {
        foreach (var tier in Tiers)
        {
            if ((tier.MaxRamGb is not { } ram || ramGb <= ram) && (tier.MaxParams is not { } parameters || paramsBillions <= parameters))
            {
                return (tier.Meter, tier.MeterPrice, PriceText(tier.MeterPrice));
            }
        }

        return (SizeClass(ramGb, task), 0m, PriceText(0m));
    }

    /// <summary>A price as the hosted service writes it: <c>"0.0000872083 / sec"</c> (invariant digits, no exponent).</summary>
    public static string PriceText(decimal pricePerSecond) =>
        pricePerSecond.ToString("0.############################", CultureInfo.InvariantCulture) + " / sec";

    /// <summary>
    /// The hosted service's size class for an instance of this memory: micro up to 16 GB, then xs, sm, md, lg, xl,
    /// xxl and super; <c>-lm</c> for language models.
    /// </summary>
    public static string SizeClass(double ramGb, string task)
    {
        var size = ramGb switch
        {
            <= 16 => "micro",
            <= 24 => "xs",
            <= 48 => "sm",
            <= 96 => "md",
            <= 192 => "lg",
            <= 320 => "xl",
            <= 640 => "xxl",
            _ => "super",
        };
        return task is BytezTasks.TextGeneration or BytezTasks.Chat ? size + "-lm" : size;
    }
}
