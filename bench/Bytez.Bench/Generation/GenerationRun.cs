using System.Diagnostics;

namespace Bytez.Bench.Generation;

/// <summary>
/// What one generation call measured. Times are from the start of the call (prompt given, nothing tokenized yet).
/// </summary>
/// <param name="FirstMs">Time to first token: until the first non-empty piece of generated text arrived (for paths that see
/// ids only: until the token with which that text appears, see <see cref="StreamClock.Finish"/>).</param>
/// <param name="TotalMs">Until the last piece arrived.</param>
/// <param name="Tokens">New tokens generated.</param>
/// <param name="TokensAtFirst">Tokens generated when the first text appeared (1 unless the first tokens hold an incomplete character).</param>
/// <param name="Text">The generated text, concatenated (the prompt not included).</param>
/// <param name="Ids">The generated token ids, where the path exposes them; otherwise <see langword="null"/>.</param>
internal sealed record GenerationRun(double FirstMs, double TotalMs, int Tokens, int TokensAtFirst, string Text, IReadOnlyList<int>? Ids)
{
    /// <summary>Decode speed: tokens after the first text, over the time after it (prefill excluded).</summary>
    public double DecodeTokensPerSecond => Tokens > TokensAtFirst && TotalMs > FirstMs ? (Tokens - TokensAtFirst) * 1000.0 / (TotalMs - FirstMs) : double.NaN;

    /// <summary>End-to-end speed: all tokens over the whole call, prefill included.</summary>
    public double EndToEndTokensPerSecond => TotalMs > 0 ? Tokens * 1000.0 / TotalMs : double.NaN;
}

/// <summary>Times a stream: text pieces (the first non-empty one, the last one) or token ids (each one).</summary>
internal sealed class StreamClock
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly List<long> _tokens = [];
    private long _first;
    private long _last;

    /// <summary>
    /// Marks a piece as it arrives; the first non-empty one fixes the time to first token, the last one the end (so a
    /// path that does work after its last token, such as an executor that evaluates the token it just yielded, is not
    /// charged for it).
    /// </summary>
    public void Piece(string text)
    {
        var now = Stopwatch.GetTimestamp();
        if (_first == 0 && text.Length > 0)
        {
            _first = now;
        }

        _last = now;
    }

    /// <summary>Marks a generated token (for paths that see ids, not text).</summary>
    public void Token()
    {
        var now = Stopwatch.GetTimestamp();
        _tokens.Add(now);
        _last = now;
    }

    /// <summary>
    /// Ends the measurement. <paramref name="tokensAtFirst"/>: how many tokens it takes for the first text to appear
    /// (known for the model and prompt from a reference generation); for an id path the time to first token is then
    /// the time of that token, so that every row counts the same thing.
    /// </summary>
    public GenerationRun Finish(int tokens, string text, IReadOnlyList<int>? ids, int tokensAtFirst)
    {
        var end = _last == 0 ? Stopwatch.GetTimestamp() : _last;
        var first = _tokens.Count > 0 ? _tokens[Math.Clamp(tokensAtFirst, 1, _tokens.Count) - 1] : _first == 0 ? end : _first;
        return new GenerationRun(Harness.Milliseconds(_start, first), Harness.Milliseconds(_start, end), tokens, tokensAtFirst, text, ids);
    }
}

/// <summary>One timed way of generating: each pass generates the same N tokens after the same prompt.</summary>
internal sealed class GenerationScenario(string part, string name, Func<Task<GenerationRun>> pass, bool isBaseline = false)
{
    public string Part { get; } = part;

    public string Name { get; } = name;

    /// <summary>The direct call the ratios are taken against.</summary>
    public bool IsBaseline { get; } = isBaseline;

    public Func<Task<GenerationRun>> Pass { get; } = pass;

    public List<GenerationRun> Runs { get; } = [];

    /// <summary>The first run (warm-up included), for the agreement check.</summary>
    public GenerationRun? First { get; set; }

    public string? Error { get; set; }

    public double FirstMs => Stats.Median(Runs.Select(r => r.FirstMs).ToList());

    public double DecodeTokensPerSecond => Stats.Median(Runs.Select(r => r.DecodeTokensPerSecond).ToList());

    public double EndToEndTokensPerSecond => Stats.Median(Runs.Select(r => r.EndToEndTokensPerSecond).ToList());

    /// <summary>Spread of the decode speed over the passes: (max − min) / median.</summary>
    public double Spread
    {
        get
        {
            if (Runs.Count < 2)
            {
                return 0;
            }

            var values = Runs.Select(r => r.DecodeTokensPerSecond).ToList();
            return (values.Max() - values.Min()) / Stats.Median(values);
        }
    }
}
