using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>One entry of <c>GET /models/v2/list/models</c>: a model, its task and its size.</summary>
public sealed class ModelInfo
{
    /// <summary>
    /// Rounds a value to three significant figures, as <c>params</c> (billions) and <c>ramRequired</c> (GB) are
    /// given; zero and negative values give zero.
    /// </summary>
    public static double ThreeSignificantFigures(double value)
    {
        if (value <= 0 || double.IsNaN(value))
        {
            return 0;
        }

        var scale = Math.Pow(10, 3 - (int)Math.Ceiling(Math.Log10(value)));
        return Math.Round(value * scale) / scale;
    }

    /// <summary>The model id, <c>org/name</c> as on the Hugging Face hub.</summary>
    [JsonPropertyName("modelId")]
    public required string ModelId { get; init; }

    /// <summary>The task the model runs, for example <c>feature-extraction</c>.</summary>
    [JsonPropertyName("task")]
    public required string Task { get; init; }

    /// <summary>Parameter count in billions.</summary>
    [JsonPropertyName("params")]
    public double Params { get; init; }

    /// <summary>Memory an instance of the model needs, in GB.</summary>
    [JsonPropertyName("ramRequired")]
    public double RamRequired { get; init; }

    /// <summary>The size class used for billing (<c>micro</c>, <c>xs</c>, <c>sm</c>, ... optionally with <c>-lm</c>).</summary>
    [JsonPropertyName("meter")]
    public string Meter { get; init; } = "";

    /// <summary>The price per second of inference, as the string <c>"&lt;usd&gt; / sec"</c>.</summary>
    [JsonPropertyName("meterPrice")]
    public string MeterPrice { get; init; } = "";
}
