namespace Bytez.Engine.Tokenization;

/// <summary>
/// Limits of the tokenizers read from model files (section <c>Bytez:Tokenizers</c>). A <c>tokenizer.json</c> comes
/// from whoever published the model: its regular expressions are bounded so that a catastrophic pattern cannot hold a
/// request (or the server) for long.
/// </summary>
public sealed record TokenizerOptions
{
    /// <summary>The defaults.</summary>
    public static TokenizerOptions Default { get; } = new();

    /// <summary>
    /// The longest one regular-expression match of a tokenizer (a normalizer, pre-tokenizer or decoder pattern) may
    /// take on the backtracking engine (default 1 s; 1 ms to 1 min). Patterns without lookarounds, backreferences or
    /// atomic groups run on .NET's non-backtracking engine, whose time is linear in the text. A match that runs out of
    /// time fails the request with a 400 naming this limit.
    /// </summary>
    public TimeSpan RegexTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(RegexTimeout, TimeSpan.FromMilliseconds(1), nameof(RegexTimeout));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RegexTimeout, TimeSpan.FromMinutes(1), nameof(RegexTimeout));
    }
}
