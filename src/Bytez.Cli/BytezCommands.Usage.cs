using System.CommandLine;
using System.Globalization;

namespace Bytez.Cli;

internal sealed partial class BytezCommands
{
    /// <summary><c>bytez usage</c>: the server's metered usage per UTC day, key and model (<c>GET /models/v2/usage</c>).</summary>
    private Command UsageCommand()
    {
        var period = new Option<string?>("--period") { Description = "day (today, UTC) or month (this UTC month so far); the default is this month" };
        period.AcceptOnlyFromAmong("day", "month");
        var from = new Option<DateOnly?>("--from") { Description = "The first UTC day, such as 2026-03-01 (instead of --period)" };
        var to = new Option<DateOnly?>("--to") { Description = "The last UTC day, included (default: today)" };
        var model = new Option<string?>("--model") { Description = "Only this model's usage" };
        var key = new Option<string?>("--for-key")
        {
            Description = "Only this key's usage, by id or name (an admin key reads every key's; any other key only its own)",
        };
        var json = JsonOption();
        var command = new Command("usage", "Show metered usage: requests, inference seconds and tokens per UTC day, key and model")
        {
            period, from, to, model, key, json,
        };
        command.Validators.Add(r =>
        {
            if (r.GetResult(period) is not null && (r.GetResult(from) is not null || r.GetResult(to) is not null))
            {
                r.AddError("Give either --period or --from/--to, not both.");
            }
        });
        command.SetAction((parse, ct) => WithClientAsync(parse, async (client, host) =>
        {
            var usage = await client.GetUsageAsync(
                new GetUsageOptions
                {
                    Period = parse.GetValue(period),
                    From = parse.GetValue(from),
                    To = parse.GetValue(to),
                    ModelId = parse.GetValue(model),
                    Key = parse.GetValue(key),
                },
                ct).ConfigureAwait(false);
            if (!usage.IsSuccess)
            {
                return await FailAsync(usage.Error, usage.StatusCode, host).ConfigureAwait(false);
            }

            await _out.WriteLineAsync(parse.GetValue(json)
                ? Format.Json(usage.Output!, CliJsonContext.Default.UsageReport)
                : UsageTable(usage.Output!)).ConfigureAwait(false);
            return Program.Success;
        }, ct));
        return command;
    }

    /// <summary>The usage as a table, one row per day, key and model, then the totals.</summary>
    internal static string UsageTable(UsageReport report)
    {
        var period = $"{Day(report.From)} to {Day(report.To)}";
        if (report.Usage.Count == 0)
        {
            return $"No usage from {period}.";
        }

        var rows = new List<string[]> { new[] { "DAY", "KEY", "MODEL", "REQUESTS", "INFERENCE (S)", "INPUT TOKENS", "GENERATED TOKENS" } };
        rows.AddRange(report.Usage.Select(u => Row(Day(u.Day), u.KeyName, u.ModelId, u)));
        rows.Add(Row("total", "", period, report.Totals));
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Format.Table(writer, rows, 3, 4, 5, 6);
        return writer.ToString().TrimEnd('\n');

        static string[] Row(string day, string key, string model, UsageTotals u) =>
        [
            day, key, model,
            u.Requests.ToString(CultureInfo.InvariantCulture),
            u.InferenceSeconds.ToString("0.000", CultureInfo.InvariantCulture),
            u.InputTokens.ToString(CultureInfo.InvariantCulture),
            u.GeneratedTokens.ToString(CultureInfo.InvariantCulture),
        ];

        static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }
}
