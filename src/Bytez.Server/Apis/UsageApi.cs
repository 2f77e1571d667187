using System.Globalization;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Server.Apis.Admin;
using Bytez.Server.Auth;
using Bytez.Server.Hosting;
using Bytez.Server.Usage;
using Microsoft.Extensions.Primitives;

namespace Bytez.Server.Apis;

/// <summary>
/// <c>GET /models/v2/usage</c>: the caller's metered usage (requests, inference seconds, input and generated tokens,
/// downloads requested) per UTC day and model, with totals and a cost estimated from the models' meter prices, in the
/// Bytez envelope. Filters: <c>period=day|month</c>, or <c>from</c> / <c>to</c> (ISO dates, both included; the current
/// UTC month by default), and <c>model</c>. An admin key sees every key (<c>key=</c> an id or name narrows it), also
/// under <c>/admin/v1/usage</c>; any other key sees its own usage only. Keys appear by id and name, never by secret.
/// </summary>
public static class UsageApi
{
    /// <summary>The caller's usage route.</summary>
    public const string Path = BytezServer.ApiPrefix + "/usage";

    /// <summary>The admin usage route (the <c>admin</c> scope).</summary>
    public const string AdminPath = KeysApi.AdminPrefix + "/v1/usage";

    /// <summary>The longest period one read covers, in days.</summary>
    public const int MaxDays = 366;

    /// <summary>Maps the usage routes.</summary>
    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(Path, ReadAsync);
        app.MapGet(AdminPath, ReadAsync);
        return app;
    }

    private static async Task ReadAsync(HttpContext context, UsageMeter meter, IUsageStore store, MeteringOptions metering, InferenceEngine engine)
    {
        var who = ApiKeyIdentity.Of(context) ?? throw new InvalidOperationException("The usage routes need ApiKeyMiddleware.");
        var query = context.Request.Query;
        var (from, to) = Period(query, meter.Today);
        var model = Single(query, "model");
        var key = Single(query, "key");
        var admin = who.Has(ApiKeyScopes.Admin);
        if (!admin && key is not null && key != who.Id && key != who.Name)
        {
            await Envelope.WriteErrorAsync(
                context, StatusCodes.Status403Forbidden, "Forbidden: only an admin key reads other keys' usage; leave 'key' out to read this key's.").ConfigureAwait(false);
            return;
        }

        await meter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        var rows = await store.ReadAsync(new UsageQuery(from, to, admin ? null : who.Id, model), context.RequestAborted).ConfigureAwait(false);
        if (admin && key is not null)
        {
            rows = rows.Where(r => r.KeyId == key || r.KeyName == key).ToList();
        }

        var prices = new Dictionary<string, (string Text, decimal PerSecond)?>(StringComparer.OrdinalIgnoreCase);
        (string Text, decimal PerSecond)? Price(string modelId)
        {
            if (!prices.TryGetValue(modelId, out var price))
            {
                price = engine.Catalog.Find(modelId) is { } descriptor && ListApi.ToModelInfo(engine, descriptor, metering) is var info
                    ? (info.MeterPrice, metering.For(info.RamRequired, info.Params, info.Task).PricePerSecond)
                    : null;
                prices[modelId] = price;
            }

            return price;
        }

        await Envelope.WriteOutputAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("from", from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            w.WriteString("to", to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            w.WritePropertyName("totals");
            WriteCounts(w, rows.Sum(r => r.Requests), rows.Sum(r => r.InferenceSeconds), rows.Sum(r => r.InputTokens), rows.Sum(r => r.GeneratedTokens), rows.Sum(r => r.DownloadRequests),
                rows.Sum(r => Cost(r, Price(r.ModelId))), end: true);
            w.WriteStartArray("usage");
            foreach (var row in rows)
            {
                var price = Price(row.ModelId);
                w.WriteStartObject();
                w.WriteString("day", row.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                w.WriteString("keyId", row.KeyId);
                w.WriteString("keyName", row.KeyName);
                w.WriteString("modelId", row.ModelId);
                WriteCounts(w, row.Requests, row.InferenceSeconds, row.InputTokens, row.GeneratedTokens, row.DownloadRequests, Cost(row, price), end: false);
                if (price is { } p)
                {
                    w.WriteString("meterPrice", p.Text);
                }
                else
                {
                    w.WriteNull("meterPrice");
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static decimal Cost(UsageRow row, (string Text, decimal PerSecond)? price) =>
        price is { } p ? (decimal)row.InferenceSeconds * p.PerSecond : 0m;

    private static void WriteCounts(Utf8JsonWriter w, long requests, double seconds, long input, long generated, long downloads, decimal cost, bool end)
    {
        if (end)
        {
            w.WriteStartObject();
        }

        w.WriteNumber("requests", requests);
        w.WriteNumber("inferenceSeconds", Math.Round(seconds, 6));
        w.WriteNumber("inputTokens", input);
        w.WriteNumber("generatedTokens", generated);
        w.WriteNumber("downloadsRequested", downloads);
        w.WriteNumber("estimatedCost", Math.Round(cost, 10));
        if (end)
        {
            w.WriteEndObject();
        }
    }

    /// <summary>The days a read covers: <c>period</c> (day: today; month: this UTC month so far), or <c>from</c> / <c>to</c>.</summary>
    /// <exception cref="EngineException">A value is malformed, the range is reversed or longer than <see cref="MaxDays"/> (BadInput).</exception>
    public static (DateOnly From, DateOnly To) Period(IQueryCollection query, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(query);
        var period = Single(query, "period");
        var fromText = Single(query, "from");
        var toText = Single(query, "to");
        if (period is not null)
        {
            if (fromText is not null || toText is not null)
            {
                throw EngineException.BadInput("Give either 'period' or 'from'/'to', not both.");
            }

            return period switch
            {
                "day" => (today, today),
                "month" => (new DateOnly(today.Year, today.Month, 1), today),
                _ => throw EngineException.BadInput($"'period' must be 'day' or 'month', not '{period}'."),
            };
        }

        var to = toText is null ? today : Date(toText, "to");
        var from = fromText is null ? new DateOnly(to.Year, to.Month, 1) : Date(fromText, "from");
        if (from > to)
        {
            throw EngineException.BadInput($"'from' ({from:yyyy-MM-dd}) is after 'to' ({to:yyyy-MM-dd}).");
        }

        if (to.DayNumber - from.DayNumber >= MaxDays)
        {
            throw EngineException.BadInput($"A usage read covers at most {MaxDays} days; narrow 'from' and 'to'.");
        }

        return (from, to);
    }

    private static DateOnly Date(string text, string name)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return DateOnly.FromDateTime(at.UtcDateTime);
        }

        throw EngineException.BadInput($"'{name}' must be an ISO 8601 date such as \"2026-12-01\" (UTC days, both ends included).");
    }

    private static string? Single(IQueryCollection query, string name)
    {
        StringValues values = query[name];
        if (values.Count > 1)
        {
            throw EngineException.BadInput($"Give '{name}' once.");
        }

        return values.Count == 1 && values[0] is { Length: > 0 } value ? value : null;
    }
}
