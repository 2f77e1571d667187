using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Bytez.Server.Tests;

/// <summary>One sample line of the Prometheus text format: <c>name{label="value",...} value [timestamp]</c>.</summary>
internal sealed record MetricSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A parsed Prometheus text exposition (format 0.0.4), strict enough to reject malformed lines.</summary>
internal sealed partial class MetricsExposition
{
    private MetricsExposition(IReadOnlyList<MetricSample> samples, IReadOnlyDictionary<string, string> types)
    {
        Samples = samples;
        Types = types;
    }

    public IReadOnlyList<MetricSample> Samples { get; }

    /// <summary>Metric family name → its <c># TYPE</c> (counter, gauge, histogram, ...).</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public IEnumerable<MetricSample> Named(string name) => Samples.Where(s => s.Name == name);

    /// <summary>Parses <paramref name="text"/>; throws on any line that is not a comment, blank, or a well-formed sample.</summary>
    public static MetricsExposition Parse(string text)
    {
        var samples = new List<MetricSample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0 || line == "# EOF")
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var type = TypeLine().Match(line);
                if (type.Success)
                {
                    types[type.Groups["name"].Value] = type.Groups["type"].Value;
                }
                else if (!HelpLine().IsMatch(line))
                {
                    throw new FormatException($"Line {lineNumber} is a comment that is neither # HELP nor # TYPE: {line}");
                }

                continue;
            }

            var match = SampleLine().Match(line);
            if (!match.Success)
            {
                throw new FormatException($"Line {lineNumber} is not 'name{{labels}} value': {line}");
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var labelText = match.Groups["labels"].Value;
            var position = 0;
            while (position < labelText.Length)
            {
                var label = Label().Match(labelText, position);
                if (!label.Success || label.Index != position)
                {
                    throw new FormatException($"Line {lineNumber} has malformed labels: {line}");
                }

                labels[label.Groups["key"].Value] = Unescape(label.Groups["value"].Value);
                position = label.Index + label.Length;
            }

            samples.Add(new MetricSample(match.Groups["name"].Value, labels, ParseValue(match.Groups["value"].Value, line)));
        }

        return new MetricsExposition(samples, types);
    }

    /// <summary>Scrapes <paramref name="path"/> until <paramref name="ready"/> holds (metrics are recorded as requests finish, and scrapes are cached briefly).</summary>
    public static async Task<MetricsExposition> ScrapeUntilAsync(HttpClient client, string path, Func<MetricsExposition, bool> ready)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var exposition = Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            if (ready(exposition) || DateTime.UtcNow > deadline)
            {
                return exposition;
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    private static double ParseValue(string value, string line) => value switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => number,
        _ => throw new FormatException($"Not a number in: {line}"),
    };

    private static string Unescape(string value) =>
        value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( -?\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"\G(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)"",?")]
    private static partial Regex Label();

    [GeneratedRegex(@"^# TYPE (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?<type>counter|gauge|histogram|summary|untyped|info|stateset|gaugehistogram|unknown)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$")]
    private static partial Regex HelpLine();
}
