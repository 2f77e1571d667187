using System.Buffers;
using System.Globalization;

namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>One entry of <c>added_tokens</c> in <c>tokenizer.json</c>.</summary>
internal sealed record AddedToken(int Id, string Content, bool SingleWord, bool LStrip, bool RStrip, bool Normalized, bool Special);

/// <summary>
/// Finds added tokens in text the way Hugging Face's <c>AddedVocabulary</c> does: leftmost-longest,
/// non-overlapping matches, then the <c>single_word</c>, <c>lstrip</c> and <c>rstrip</c> rules.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, (string Text, AddedToken Token)[]> _byFirstChar;
    private readonly SearchValues<char> _firstChars;

    /// <param name="tokens">The tokens with the text to look for (already normalized where the token says so).</param>
    public AddedTokenMatcher(IEnumerable<(string Text, AddedToken Token)> tokens)
    {
        var groups = new Dictionary<char, List<(string, AddedToken)>>();
        foreach (var (text, token) in tokens)
        {
            if (text.Length == 0)
            {
                continue;
            }

            if (!groups.TryGetValue(text[0], out var list))
            {
                groups[text[0]] = list = [];
            }

            // The first token with a given text wins, as aho-corasick keeps the first pattern.
            if (!list.Exists(e => e.Item1 == text))
            {
                list.Add((text, token));
            }
        }

        _byFirstChar = [];
        foreach (var (c, list) in groups)
        {
            // Longest first, so the first hit at a position is the longest one.
            _byFirstChar[c] = [.. list.OrderByDescending(e => e.Item1.Length)];
        }

        _firstChars = SearchValues.Create([.. groups.Keys]);
        IsEmpty = groups.Count == 0;
    }

    public bool IsEmpty { get; }

    /// <summary>Splits <paramref name="text"/> into (start, end, token) parts, token null for ordinary text.</summary>
    public void Split(string text, List<(int Start, int End, AddedToken? Token)> output)
    {
        if (IsEmpty)
        {
            output.Add((0, text.Length, null));
            return;
        }

        var startOffset = 0;
        var position = 0;
        while (position < text.Length)
        {
            var found = text.AsSpan(position).IndexOfAny(_firstChars);
            if (found < 0)
            {
                break;
            }

            var start = position + found;
            (string Text, AddedToken Token)? hit = null;
            foreach (var candidate in _byFirstChar[text[start]])
            {
                if (text.AsSpan(start).StartsWith(candidate.Text, StringComparison.Ordinal))
                {
                    hit = candidate;
                    break;
                }
            }

            if (hit is not { } match)
            {
                position = start + 1;
                continue;
            }

            var stop = start + match.Text.Length;
            position = stop;
            var token = match.Token;
            if (token.SingleWord)
            {
                var startSpace = start == 0 || !EndsWithWord(text.AsSpan(0, start));
                var stopSpace = stop == text.Length || !StartsWithWord(text.AsSpan(stop));
                if (!startSpace || !stopSpace)
                {
                    continue;
                }
            }

            if (token.LStrip)
            {
                var newStart = start;
                while (newStart > 0 && IsWhiteSpaceBefore(text, newStart, out var width))
                {
                    newStart -= width;
                }

                start = Math.Max(newStart, startOffset);
            }

            if (token.RStrip)
            {
                while (stop < text.Length && IsWhiteSpaceAt(text, stop, out var width))
                {
                    stop += width;
                }
            }

            if (start > startOffset)
            {
                output.Add((startOffset, start, null));
            }

            output.Add((start, stop, token));
            startOffset = stop;
            position = Math.Max(position, stop);
        }

        if (startOffset != text.Length)
        {
            output.Add((startOffset, text.Length, null));
        }
    }

    private static bool IsWhiteSpaceBefore(string text, int index, out int width)
    {
        if (index >= 2 && char.IsLowSurrogate(text[index - 1]) && char.IsHighSurrogate(text[index - 2]))
        {
            width = 2;
            return false;
        }

        width = 1;
        return char.IsWhiteSpace(text[index - 1]);
    }

    private static bool IsWhiteSpaceAt(string text, int index, out int width)
    {
        width = 1;
        return char.IsWhiteSpace(text[index]);
    }

    private static bool IsWordChar(int codePoint) =>
        codePoint == '_' || CharUnicodeInfo.GetUnicodeCategory(codePoint) is
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark or UnicodeCategory.DecimalDigitNumber
            or UnicodeCategory.ConnectorPunctuation;

    private static bool EndsWithWord(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        var last = text.Length >= 2 && char.IsLowSurrogate(text[^1]) && char.IsHighSurrogate(text[^2])
            ? char.ConvertToUtf32(text[^2], text[^1])
            : text[^1];
        return IsWordChar(last);
    }

    private static bool StartsWithWord(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        var first = text.Length >= 2 && char.IsHighSurrogate(text[0]) && char.IsLowSurrogate(text[1])
            ? char.ConvertToUtf32(text[0], text[1])
            : text[0];
        return IsWordChar(first);
    }
}
