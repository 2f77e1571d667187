namespace Bytez.Engine.Generation;

/// <summary>
/// Turns generated tokens into text piece by piece, never splitting a UTF-8 character and never losing a space
/// that a tokenizer only renders in context (SentencePiece's leading "▁"). Each new token's text is the difference
/// between decoding a short window with and without it; a window ending in U+FFFD (an incomplete character) waits
/// for the next token. Special tokens are skipped.
/// </summary>
public sealed class IncrementalDetokenizer
{
    private const int ContextTokens = 5;
    private readonly ITextTokenizer _tokenizer;
    private readonly List<int> _ids;
    private int _prefixOffset;
    private int _readOffset;

    /// <summary>Starts after the prompt; its last few tokens give the first piece its context.</summary>
    public IncrementalDetokenizer(ITextTokenizer tokenizer, IReadOnlyList<int> prompt)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(prompt);
        _tokenizer = tokenizer;
        _ids = [.. prompt.Skip(Math.Max(0, prompt.Count - ContextTokens))];
        _prefixOffset = 0;
        _readOffset = _ids.Count;
    }

    /// <summary>Adds a token; returns the text it completes (possibly empty).</summary>
    public string Add(int token)
    {
        _ids.Add(token);
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_ids);
        var prefix = _tokenizer.Decode(span[_prefixOffset.._readOffset], skipSpecialTokens: true);
        var full = _tokenizer.Decode(span[_prefixOffset..], skipSpecialTokens: true);
        if (full.Length <= prefix.Length || full.EndsWith('\uFFFD'))
        {
            return string.Empty;
        }

        return Advance(full[prefix.Length..]);
    }

    /// <summary>The text still held back at the end (an incomplete character), rendered as the tokenizer renders it.</summary>
    public string Flush()
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_ids);
        var prefix = _tokenizer.Decode(span[_prefixOffset.._readOffset], skipSpecialTokens: true);
        var full = _tokenizer.Decode(span[_prefixOffset..], skipSpecialTokens: true);
        _prefixOffset = _readOffset = _ids.Count;
        return full.Length > prefix.Length ? full[prefix.Length..] : string.Empty;
    }

    private string Advance(string piece)
    {
        _prefixOffset = _readOffset;
        _readOffset = _ids.Count;
        return piece;
    }
}
