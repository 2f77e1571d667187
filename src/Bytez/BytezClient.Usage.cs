using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace Bytez;

public sealed partial class BytezClient
{
    /// <summary>
    /// Reads metered usage (<c>GET usage</c>, a self-hosted server's extension): requests, inference seconds, input and
    /// generated tokens and downloads requested, per UTC day, key and model, with totals. A key reads its own usage; an
    /// admin key reads every key's, narrowed by <see cref="GetUsageOptions.Key"/>.
    /// </summary>
    /// <param name="options">The period, model and key filters; <see langword="null"/> for the current UTC month.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public async Task<BytezResult<UsageReport>> GetUsageAsync(GetUsageOptions? options = null, CancellationToken cancellationToken = default)
    {
        var path = new StringBuilder("usage");
        var separator = '?';
        foreach (var (name, value) in new[]
                 {
                     ("period", options?.Period),
                     ("from", options?.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                     ("to", options?.To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                     ("model", options?.ModelId),
                     ("key", options?.Key),
                 })
        {
            if (value is not null)
            {
                path.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
                separator = '&';
            }
        }

        var result = await SendAsync(HttpMethod.Get, path.ToString(), body: null, providerKey: null, cancellationToken).ConfigureAwait(false);
        return Envelope.Typed(result, UsageJsonContext.Default.UsageReport);
    }
}

/// <summary>Filters of <see cref="BytezClient.GetUsageAsync"/>: a period (or a range of UTC days), a model and, for an admin key, a key.</summary>
public sealed class GetUsageOptions
{
    /// <summary><c>day</c> (today, UTC) or <c>month</c> (this UTC month so far); use <see cref="From"/> and <see cref="To"/> instead for a range.</summary>
    public string? Period { get; set; }

    /// <summary>The first UTC day (included); <see langword="null"/> for the first day of <see cref="To"/>'s month.</summary>
    public DateOnly? From { get; set; }

    /// <summary>The last UTC day (included); <see langword="null"/> for today.</summary>
    public DateOnly? To { get; set; }

    /// <summary>Only this model's usage; <see langword="null"/> for every model.</summary>
    public string? ModelId { get; set; }

    /// <summary>Only this key's usage, by id (<c>key_…</c>) or name (admin keys; any other key may name only itself).</summary>
    public string? Key { get; set; }
}

/// <summary>The answer of <see cref="BytezClient.GetUsageAsync"/>: the period, the totals and the rows.</summary>
public sealed class UsageReport
{
    /// <summary>The first UTC day covered.</summary>
    [JsonPropertyName("from")]
    public DateOnly From { get; init; }

    /// <summary>The last UTC day covered (included).</summary>
    [JsonPropertyName("to")]
    public DateOnly To { get; init; }

    /// <summary>The sums over <see cref="Usage"/>.</summary>
    [JsonPropertyName("totals")]
    public UsageTotals Totals { get; init; } = new();

    /// <summary>One row per UTC day, key and model, ordered by day, key name and model.</summary>
    [JsonPropertyName("usage")]
    public IReadOnlyList<UsageRecord> Usage { get; init; } = [];
}

/// <summary>Counts of metered usage.</summary>
public class UsageTotals
{
    /// <summary>Runs served.</summary>
    [JsonPropertyName("requests")]
    public long Requests { get; init; }

    /// <summary>Seconds the models spent running them (what Bytez bills; queueing and loading left out).</summary>
    [JsonPropertyName("inferenceSeconds")]
    public double InferenceSeconds { get; init; }

    /// <summary>Tokens fed: generation prompts, and texts embedded or ranked where the route counts them.</summary>
    [JsonPropertyName("inputTokens")]
    public long InputTokens { get; init; }

    /// <summary>Tokens generated.</summary>
    [JsonPropertyName("generatedTokens")]
    public long GeneratedTokens { get; init; }

    /// <summary>Model requests (downloads from the hub) accepted.</summary>
    [JsonPropertyName("downloadsRequested")]
    public long DownloadsRequested { get; init; }

    /// <summary>Inference seconds times each model's meter price, in USD (0 where the server sets no price).</summary>
    [JsonPropertyName("estimatedCost")]
    public decimal EstimatedCost { get; init; }
}

/// <summary>The usage of one key on one model during one UTC day.</summary>
public sealed class UsageRecord : UsageTotals
{
    /// <summary>The UTC day.</summary>
    [JsonPropertyName("day")]
    public DateOnly Day { get; init; }

    /// <summary>The key's id (<c>key_…</c>, or <c>configured</c> for the server's own key); never the key itself.</summary>
    [JsonPropertyName("keyId")]
    public string KeyId { get; init; } = "";

    /// <summary>The key's name.</summary>
    [JsonPropertyName("keyName")]
    public string KeyName { get; init; } = "";

    /// <summary>The model.</summary>
    [JsonPropertyName("modelId")]
    public string ModelId { get; init; } = "";

    /// <summary>The model's price now, as <c>list/models</c> shows it (<c>"0.0000872083 / sec"</c>); <see langword="null"/> for a model the server no longer serves.</summary>
    [JsonPropertyName("meterPrice")]
    public string? MeterPrice { get; init; }
}

/// <summary>The source-generated JSON metadata of the usage answer.</summary>
[JsonSerializable(typeof(UsageReport))]
internal sealed partial class UsageJsonContext : JsonSerializerContext;
