using System.Globalization;
using System.Text;

namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>A piece of text on its way to the model, and whether it starts at the start of the input.</summary>
internal readonly record struct Piece(string Text, bool AtStart);

/// <summary>A Hugging Face normalizer.</summary>
internal interface INormalizer
{
    string Normalize(string text);

    /// <summary>The same normalization, keeping the alignments to the original text (must give the same text as <see cref="Normalize(string)"/>).</summary>
    void Normalize(AlignedString text);
}

/// <summary>A Hugging Face pre-tokenizer: splits pieces into smaller pieces (and may rewrite them).</summary>
internal interface IPreTokenizer
{
    void PreTokenize(List<Piece> input, List<Piece> output);

    /// <summary>The same splitting, keeping alignments: each output string is one word (must give the same texts as the other overload).</summary>
    void PreTokenize(List<AlignedString> input, List<AlignedString> output);
}

/// <summary>A Hugging Face decoder: one step of turning token strings back into text.</summary>
internal interface IDecoder
{
    List<string> DecodeChain(List<string> tokens);
}

internal sealed class SequenceNormalizer(INormalizer[] steps) : INormalizer
{
    public string Normalize(string text)
    {
        foreach (var step in steps)
        {
            text = step.Normalize(text);
        }

        return text;
    }

    public void Normalize(AlignedString text)
    {
        foreach (var step in steps)
        {
            step.Normalize(text);
        }
    }
}

internal sealed class PrependNormalizer(string prefix) : INormalizer
{
    public string Normalize(string text) => text.Length == 0 ? text : prefix + text;

    public void Normalize(AlignedString text) => text.Prepend(prefix);
}

internal sealed class ReplaceNormalizer(string? literal, OnigRegex? regex, string content) : INormalizer
{
    public string Normalize(string text) => Replacement.Apply(text, literal, regex, content);

    public void Normalize(AlignedString text) => text.Replace(Replacement.Matches(text.Text, literal, regex), content);
}

internal sealed class UnicodeNormalizer(NormalizationForm form) : INormalizer
{
    public string Normalize(string text) => text.Normalize(form);

    public void Normalize(AlignedString text) => text.Normalize(form);
}

internal sealed class LowercaseNormalizer : INormalizer
{
    public string Normalize(string text) => text.ToLowerInvariant();

    public void Normalize(AlignedString text) => text.Lowercase();
}

internal sealed class StripNormalizer(bool left, bool right) : INormalizer
{
    public string Normalize(string text) => left && right ? text.Trim() : left ? text.TrimStart() : right ? text.TrimEnd() : text;

    public void Normalize(AlignedString text) => text.Strip(left, right);
}

internal static class Replacement
{
    /// <summary>The ranges a literal or regex pattern matches (leftmost, non-overlapping).</summary>
    public static List<(int Start, int End)> Matches(string text, string? literal, OnigRegex? regex)
    {
        var matches = new List<(int Start, int End)>();
        if (literal is not null)
        {
            if (literal.Length == 0)
            {
                return matches;
            }

            for (var at = text.IndexOf(literal, StringComparison.Ordinal); at >= 0; at = text.IndexOf(literal, at + literal.Length, StringComparison.Ordinal))
            {
                matches.Add((at, at + literal.Length));
            }

            return matches;
        }

        regex!.FindMatches(text, matches);
        return matches;
    }

    public static string Apply(string text, string? literal, OnigRegex? regex, string content)
    {
        if (literal is not null)
        {
            return literal.Length == 0 ? text : text.Replace(literal, content, StringComparison.Ordinal);
        }

        var matches = new List<(int Start, int End)>();
        regex!.FindMatches(text, matches);
        if (matches.Count == 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        var last = 0;
        foreach (var (start, end) in matches)
        {
            sb.Append(text, last, start - last).Append(content);
            last = end;
        }

        return sb.Append(text, last, text.Length - last).ToString();
    }
}

/// <summary>How the matches of a split pattern become pieces (Hugging Face's <c>SplitDelimiterBehavior</c>).</summary>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

internal static class Splitter
{
    /// <summary>Splits <paramref name="piece"/> at the matches of <paramref name="regex"/> the way Hugging Face's <c>NormalizedString::split</c> does.</summary>
    public static void Split(Piece piece, OnigRegex regex, SplitBehavior behavior, bool invert, List<Piece> output)
    {
        var text = piece.Text;
        if (text.Length == 0)
        {
            return;
        }

        var found = new List<(int Start, int End)>();
        regex.FindMatches(text, found);
        foreach (var (start, end) in Ranges(text.Length, found, behavior, invert))
        {
            output.Add(new Piece(text[start..end], piece.AtStart && start == 0));
        }
    }

    /// <summary>The same split of an aligned string: each part keeps its alignments.</summary>
    public static void Split(AlignedString piece, OnigRegex regex, SplitBehavior behavior, bool invert, List<AlignedString> output)
    {
        if (piece.Text.Length == 0)
        {
            return;
        }

        var found = new List<(int Start, int End)>();
        regex.FindMatches(piece.Text, found);
        Add(piece, Ranges(piece.Text.Length, found, behavior, invert), output);
    }

    /// <summary>Splits where <paramref name="isMatch"/> accepts a code point, each such code point a match of its own (a <c>Fn(char) -> bool</c> pattern in tokenizers).</summary>
    public static void Split(AlignedString piece, Func<int, bool> isMatch, SplitBehavior behavior, List<AlignedString> output)
    {
        var text = piece.Text;
        var found = new List<(int Start, int End)>();
        for (var i = 0; i < text.Length;)
        {
            var width = AlignedString.Width(text, i);
            if (isMatch(width == 2 ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i]))
            {
                found.Add((i, i + width));
            }

            i += width;
        }

        Add(piece, Ranges(text.Length, found, behavior, invert: false), output);
    }

    private static void Add(AlignedString piece, List<(int Start, int End)> ranges, List<AlignedString> output)
    {
        if (ranges.Count == 1 && ranges[0] == (0, piece.Text.Length))
        {
            output.Add(piece);
            return;
        }

        foreach (var (start, end) in ranges)
        {
            output.Add(piece.Slice(start, end));
        }
    }

    /// <summary>The non-empty parts of a text of <paramref name="length"/> units split at <paramref name="found"/> matches with <paramref name="behavior"/>.</summary>
    public static List<(int Start, int End)> Ranges(int length, List<(int Start, int End)> found, SplitBehavior behavior, bool invert)
    {
        // All pieces, matches and not, in order.
        var parts = new List<(int Start, int End, bool IsMatch)>(found.Count * 2 + 1);
        var previous = 0;
        foreach (var (start, end) in found)
        {
            if (previous != start)
            {
                parts.Add((previous, start, invert));
            }

            parts.Add((start, end, !invert));
            previous = end;
        }

        if (previous != length)
        {
            parts.Add((previous, length, invert));
        }

        var result = new List<(int Start, int End)>(parts.Count);
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                foreach (var p in parts)
                {
                    result.Add((p.Start, p.End));
                }

                break;
            case SplitBehavior.Removed:
                foreach (var p in parts)
                {
                    if (!p.IsMatch)
                    {
                        result.Add((p.Start, p.End));
                    }
                }

                break;
            case SplitBehavior.MergedWithPrevious:
            {
                var previousMatch = false;
                foreach (var p in parts)
                {
                    if (p.IsMatch && !previousMatch && result.Count > 0)
                    {
                        result[^1] = (result[^1].Start, p.End);
                    }
                    else
                    {
                        result.Add((p.Start, p.End));
                    }

                    previousMatch = p.IsMatch;
                }

                break;
            }

            case SplitBehavior.MergedWithNext:
            {
                var previousMatch = false;
                for (var k = parts.Count - 1; k >= 0; k--)
                {
                    var p = parts[k];
                    if (p.IsMatch && !previousMatch && result.Count > 0)
                    {
                        result[^1] = (p.Start, result[^1].End);
                    }
                    else
                    {
                        result.Add((p.Start, p.End));
                    }

                    previousMatch = p.IsMatch;
                }

                result.Reverse();
                break;
            }

            case SplitBehavior.Contiguous:
            {
                var previousMatch = false;
                var first = true;
                foreach (var p in parts)
                {
                    if (!first && p.IsMatch == previousMatch)
                    {
                        result[^1] = (result[^1].Start, p.End);
                    }
                    else
                    {
                        result.Add((p.Start, p.End));
                    }

                    first = false;
                    previousMatch = p.IsMatch;
                }

                break;
            }
        }

        result.RemoveAll(r => r.End <= r.Start);
        return result;
    }
}

internal sealed class SequencePreTokenizer(IPreTokenizer[] steps) : IPreTokenizer
{
    public void PreTokenize(List<Piece> input, List<Piece> output)
    {
        var current = input;
        for (var i = 0; i < steps.Length; i++)
        {
            var next = i == steps.Length - 1 ? output : new List<Piece>(current.Count * 2);
            steps[i].PreTokenize(current, next);
            current = next;
        }

        if (steps.Length == 0)
        {
            output.AddRange(input);
        }
    }

    public void PreTokenize(List<AlignedString> input, List<AlignedString> output)
    {
        var current = input;
        for (var i = 0; i < steps.Length; i++)
        {
            var next = i == steps.Length - 1 ? output : new List<AlignedString>(current.Count * 2);
            steps[i].PreTokenize(current, next);
            current = next;
        }

        if (steps.Length == 0)
        {
            output.AddRange(input);
        }
    }
}

internal sealed class SplitPreTokenizer(OnigRegex regex, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    public void PreTokenize(List<Piece> input, List<Piece> output)
    {
        foreach (var piece in input)
        {
            Splitter.Split(piece, regex, behavior, invert, output);
        }
    }

    public void PreTokenize(List<AlignedString> input, List<AlignedString> output)
    {
        foreach (var piece in input)
        {
            Splitter.Split(piece, regex, behavior, invert, output);
        }
    }
}

internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    /// <summary>GPT-2's pre-tokenization pattern, the one Hugging Face's ByteLevel pre-tokenizer uses.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly OnigRegex Gpt2Regex = new(Gpt2Pattern);

    public void PreTokenize(List<Piece> input, List<Piece> output)
    {
        var split = new List<Piece>();
        foreach (var piece in input)
        {
            var p = addPrefixSpace && !piece.Text.StartsWith(' ') ? piece with { Text = " " + piece.Text } : piece;
            if (useRegex)
            {
                Splitter.Split(p, Gpt2Regex, SplitBehavior.Isolated, invert: false, split);
            }
            else if (p.Text.Length > 0)
            {
                split.Add(p);
            }
        }

        foreach (var piece in split)
        {
            output.Add(piece with { Text = ByteLevelMap.Encode(piece.Text) });
        }
    }

    public void PreTokenize(List<AlignedString> input, List<AlignedString> output)
    {
        var first = output.Count;
        foreach (var piece in input)
        {
            if (addPrefixSpace && !piece.Text.StartsWith(' '))
            {
                piece.Prepend(" ");
            }

            if (useRegex)
            {
                Splitter.Split(piece, Gpt2Regex, SplitBehavior.Isolated, invert: false, output);
            }
            else if (piece.Text.Length > 0)
            {
                output.Add(piece);
            }
        }

        for (var i = first; i < output.Count; i++)
        {
            output[i].ToByteLevel();
        }
    }
}

internal enum PrependScheme
{
    Always,
    First,
    Never,
}

internal sealed class MetaspacePreTokenizer(char replacement, PrependScheme scheme, bool split) : IPreTokenizer
{
    private readonly OnigRegex _splitter = OnigRegex.Literal(replacement.ToString());

    public void PreTokenize(List<Piece> input, List<Piece> output)
    {
        foreach (var piece in input)
        {
            var text = piece.Text.Replace(' ', replacement);
            var prepend = scheme == PrependScheme.Always || (scheme == PrependScheme.First && piece.AtStart);
            if (prepend && !text.StartsWith(replacement))
            {
                text = replacement + text;
            }

            var p = piece with { Text = text };
            if (split)
            {
                Splitter.Split(p, _splitter, SplitBehavior.MergedWithNext, invert: false, output);
            }
            else if (text.Length > 0)
            {
                output.Add(p);
            }
        }
    }

    public void PreTokenize(List<AlignedString> input, List<AlignedString> output)
    {
        foreach (var piece in input)
        {
            piece.Replace(Replacement.Matches(piece.Text, " ", null), replacement.ToString());
            var prepend = scheme == PrependScheme.Always || (scheme == PrependScheme.First && piece.OriginalStart == 0);
            if (prepend && !piece.Text.StartsWith(replacement))
            {
                piece.Prepend(replacement.ToString());
            }

            if (split)
            {
                Splitter.Split(piece, _splitter, SplitBehavior.MergedWithNext, invert: false, output);
            }
            else if (piece.Text.Length > 0)
            {
                output.Add(piece);
            }
        }
    }
}

internal sealed class DigitsPreTokenizer(bool individualDigits) : IPreTokenizer
{
    private static readonly OnigRegex Digit = new(@"\p{Nd}");

    public void PreTokenize(List<Piece> input, List<Piece> output)
    {
        foreach (var piece in input)
        {
            Splitter.Split(piece, Digit, individualDigits ? SplitBehavior.Isolated : SplitBehavior.Contiguous, invert: false, output);
        }
    }

    public void PreTokenize(List<AlignedString> input, List<AlignedString> output)
    {
        foreach (var piece in input)
        {
            Splitter.Split(piece, Digit, individualDigits ? SplitBehavior.Isolated : SplitBehavior.Contiguous, invert: false, output);
        }
    }
}

internal sealed class WhitespaceSplitPreTokenizer : IPreTokenizer
{
    private static readonly OnigRegex Space = new(@"\s+");

    public void PreTokenize(List<Piece> input, List<Piece> output)
    {
        foreach (var piece in input)
        {
            Splitter.Split(piece, Space, SplitBehavior.Removed, invert: false, output);
        }
    }

    public void PreTokenize(List<AlignedString> input, List<AlignedString> output)
    {
        foreach (var piece in input)
        {
            Splitter.Split(piece, Space, SplitBehavior.Removed, invert: false, output);
        }
    }
}

internal sealed class SequenceDecoder(IDecoder[] steps) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        foreach (var step in steps)
        {
            tokens = step.DecodeChain(tokens);
        }

        return tokens;
    }
}

internal sealed class ByteLevelDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>(tokens.Count * 4);
        foreach (var token in tokens)
        {
            var mapped = true;
            foreach (var c in token)
            {
                if (c >= ByteLevelMap.CharToByte.Length || ByteLevelMap.CharToByte[c] < 0)
                {
                    mapped = false;
                    break;
                }
            }

            if (mapped)
            {
                foreach (var c in token)
                {
                    bytes.Add((byte)ByteLevelMap.CharToByte[c]);
                }
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
            }
        }

        // Invalid or cut-off UTF-8 becomes U+FFFD, one per maximal invalid subpart, as Rust's from_utf8_lossy does.
        return [Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes))];
    }
}

internal sealed class ReplaceDecoder(string? literal, OnigRegex? regex, string content) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        foreach (var token in tokens)
        {
            result.Add(Replacement.Apply(token, literal, regex, content));
        }

        return result;
    }
}

internal sealed class ByteFallbackDecoder : IDecoder
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var token in tokens)
        {
            if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                pending.Add(b);
                continue;
            }

            Flush(pending, result);
            result.Add(token);
        }

        Flush(pending, result);
        return result;
    }

    private static void Flush(List<byte> pending, List<string> result)
    {
        if (pending.Count == 0)
        {
            return;
        }

        try
        {
            result.Add(Strict.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending)));
        }
        catch (DecoderFallbackException)
        {
            // Hugging Face gives one U+FFFD per byte when the run of byte tokens is not valid UTF-8.
            for (var i = 0; i < pending.Count; i++)
            {
                result.Add("\uFFFD");
            }
        }

        pending.Clear();
    }
}

internal sealed class FuseDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
}

internal sealed class StripDecoder(char content, int start, int stop) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        foreach (var token in tokens)
        {
            // Counted in code points, as Rust's chars(); the content is a BMP character in practice.
            var startCut = 0;
            for (var i = 0; i < start && i < token.Length; i++)
            {
                if (token[i] != content)
                {
                    break;
                }

                startCut = i + 1;
            }

            var stopCut = token.Length;
            for (var i = 0; i < stop; i++)
            {
                var index = token.Length - i - 1;
                if (index < 0 || token[index] != content)
                {
                    break;
                }

                stopCut = index;
            }

            result.Add(stopCut > startCut ? token[startCut..stopCut] : string.Empty);
        }

        return result;
    }
}

internal sealed class MetaspaceDecoder(char replacement, PrependScheme scheme) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var sb = new StringBuilder(tokens[i].Length);
            foreach (var c in tokens[i])
            {
                if (c == replacement)
                {
                    if (i == 0 && scheme != PrependScheme.Never)
                    {
                        continue;
                    }

                    sb.Append(' ');
                }
                else
                {
                    sb.Append(c);
                }
            }

            result.Add(sb.ToString());
        }

        return result;
    }
}

/// <summary>tokenizers' <c>WordPiece</c> decoder: continuation pieces lose their prefix, others get a space before them; <c>cleanup</c> tidies spaces before punctuation.</summary>
internal sealed class WordPieceDecoder(string prefix, bool cleanup) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (i != 0)
            {
                token = token.StartsWith(prefix, StringComparison.Ordinal) ? token[prefix.Length..] : " " + token;
            }

            result.Add(cleanup ? Cleanup(token) : token);
        }

        return result;
    }

    /// <summary>tokenizers' <c>wordpiece::cleanup</c>.</summary>
    public static string Cleanup(string text) => text
        .Replace(" .", ".", StringComparison.Ordinal)
        .Replace(" ?", "?", StringComparison.Ordinal)
        .Replace(" !", "!", StringComparison.Ordinal)
        .Replace(" ,", ",", StringComparison.Ordinal)
        .Replace(" ' ", "'", StringComparison.Ordinal)
        .Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal)
        .Replace(" do not", " don't", StringComparison.Ordinal)
        .Replace(" 's", "'s", StringComparison.Ordinal)
        .Replace(" 've", "'ve", StringComparison.Ordinal)
        .Replace(" 're", "'re", StringComparison.Ordinal);
}
