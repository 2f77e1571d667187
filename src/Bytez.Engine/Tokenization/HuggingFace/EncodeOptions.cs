namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>Which sequence of a pair truncation shortens (Hugging Face's <c>truncation</c> strategies).</summary>
public enum TruncationStrategy
{
    /// <summary><c>longest_first</c>: shortens the longer sequence first (both when both are too long).</summary>
    LongestFirst,

    /// <summary><c>only_first</c>: shortens only the first sequence (zero-shot classification's premise).</summary>
    OnlyFirst,

    /// <summary><c>only_second</c>: shortens only the second sequence (question answering's context).</summary>
    OnlySecond,
}

/// <summary>Which end truncation cuts (<c>truncation_side</c>).</summary>
public enum TruncationSide
{
    /// <summary>Keeps the start, cuts the end (the default).</summary>
    Right,

    /// <summary>Keeps the end, cuts the start.</summary>
    Left,
}

/// <summary>Which end padding fills (<c>padding_side</c>).</summary>
public enum PaddingSide
{
    /// <summary>Pads after the tokens (the default).</summary>
    Right,

    /// <summary>Pads before the tokens.</summary>
    Left,
}

/// <summary>
/// How <see cref="HfTokenizer.Encode(string, string?, EncodeOptions?)"/> encodes: special tokens, truncation (with
/// overflowing windows) and padding, with the meaning of the same arguments of a Hugging Face fast tokenizer
/// (<c>tokenizer(text, text_pair, add_special_tokens=..., truncation=..., max_length=..., stride=...,
/// return_overflowing_tokens=True, padding="max_length")</c>).
/// </summary>
public sealed record EncodeOptions
{
    /// <summary>The defaults: special tokens added, no truncation, no padding.</summary>
    public static EncodeOptions Default { get; } = new();

    /// <summary>Whether the post-processor's special tokens are added (<c>add_special_tokens</c>, default true).</summary>
    public bool AddSpecialTokens { get; init; } = true;

    /// <summary>
    /// Truncates to this many tokens, special tokens included (<c>max_length</c> with <c>truncation</c>); null does not
    /// truncate. What is cut goes to <see cref="TokenEncoding.Overflowing"/> windows.
    /// </summary>
    public int? MaxLength { get; init; }

    /// <summary>Which sequence of a pair is shortened (default <see cref="TruncationStrategy.LongestFirst"/>).</summary>
    public TruncationStrategy Truncation { get; init; } = TruncationStrategy.LongestFirst;

    /// <summary>
    /// How many tokens each overflowing window repeats from the end of the one before (<c>stride</c>, default 0;
    /// less than <see cref="MaxLength"/> minus the special tokens).
    /// </summary>
    public int Stride { get; init; }

    /// <summary>Which end truncation cuts (default right).</summary>
    public TruncationSide TruncationSide { get; init; } = TruncationSide.Right;

    /// <summary>Pads every window to this many tokens with the pad token (<c>padding="max_length"</c>); null does not pad.</summary>
    public int? PadToLength { get; init; }

    /// <summary>Which end padding fills (default right).</summary>
    public PaddingSide PaddingSide { get; init; } = PaddingSide.Right;
}
