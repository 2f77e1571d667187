using System.CommandLine;
using System.Globalization;

namespace Bytez.Cli;

/// <summary>
/// The <c>--concurrent</c>, <c>--requests-per-minute</c> and <c>--tokens-per-day</c> options of <c>bytez keys create</c>
/// and <c>bytez keys limits</c>: each a whole number (0 for no limit) or <c>default</c> for the server's default.
/// </summary>
internal sealed class KeyLimitOptions
{
    private const string Default = "default";

    /// <summary>Requests of the key served at once.</summary>
    public Option<string> Concurrent { get; } = Create("--concurrent", "Requests of the key served at once", int.MaxValue);

    /// <summary>Requests of the key admitted per minute.</summary>
    public Option<string> RequestsPerMinute { get; } = Create("--requests-per-minute", "Requests of the key admitted per minute", int.MaxValue);

    /// <summary>Tokens the key's generations may produce per UTC day.</summary>
    public Option<string> TokensPerDay { get; } = Create("--tokens-per-day", "Tokens the key's generations may produce per UTC day", long.MaxValue);

    /// <summary>Whether the command line gave any of the three.</summary>
    public bool AnyGiven(ParseResult parse) =>
        parse.GetValue(Concurrent) is not null || parse.GetValue(RequestsPerMinute) is not null || parse.GetValue(TokensPerDay) is not null;

    /// <summary>The limits given on the command line, each one not given taken from <paramref name="current"/>.</summary>
    public ApiKeyLimits Over(ParseResult parse, ApiKeyLimits current) => new()
    {
        ConcurrentRequests = parse.GetValue(Concurrent) is { } c ? (int?)Value(c) : current.ConcurrentRequests,
        RequestsPerMinute = parse.GetValue(RequestsPerMinute) is { } r ? (int?)Value(r) : current.RequestsPerMinute,
        GeneratedTokensPerDay = parse.GetValue(TokensPerDay) is { } t ? Value(t) : current.GeneratedTokensPerDay,
    };

    private static long? Value(string text) =>
        text.Equals(Default, StringComparison.OrdinalIgnoreCase) ? null : long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    private static Option<string> Create(string name, string what, long max)
    {
        var option = new Option<string>(name) { Description = $"{what}: a number, 0 for no limit, or '{Default}' for the server's default" };
        option.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string>();
            if (text is not null && !text.Equals(Default, StringComparison.OrdinalIgnoreCase)
                && !(long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= max))
            {
                r.AddError($"{name} must be a whole number from 0 (no limit) to {max.ToString(CultureInfo.InvariantCulture)}, or '{Default}'.");
            }
        });
        return option;
    }
}
