using System.Globalization;
using System.Text;

namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>
/// A piece of text on its way through normalization and pre-tokenization that remembers, for each of its UTF-16 units,
/// which range of the ORIGINAL input it came from — what <c>tokenizers</c>' <c>NormalizedString</c> does with its
/// alignments, so token offsets point into the text the user sent. Positions are UTF-16 units of the original input
/// (absolute, not relative to a slice); all units of one code point share one alignment, so the alignments convert
/// exactly to the code-point offsets Python reports.
/// </summary>
internal sealed class AlignedString
{
    private int[] _starts;
    private int[] _ends;

    private AlignedString(string text, int[] starts, int[] ends, int originalStart, int originalEnd)
    {
        Text = text;
        _starts = starts;
        _ends = ends;
        OriginalStart = originalStart;
        OriginalEnd = originalEnd;
    }

    /// <summary>The current (normalized) text.</summary>
    public string Text { get; private set; }

    /// <summary>Where in the original input this string starts (what <c>offsets_original().0</c> gives).</summary>
    public int OriginalStart { get; }

    /// <summary>Where in the original input this string ends.</summary>
    public int OriginalEnd { get; }

    /// <summary>A string for <c>original[start..end]</c>, each code point aligned to itself.</summary>
    public static AlignedString FromOriginal(string original, int start, int end)
    {
        var length = end - start;
        var starts = new int[length];
        var ends = new int[length];
        for (var i = start; i < end;)
        {
            var width = i + 1 < end && char.IsHighSurrogate(original[i]) && char.IsLowSurrogate(original[i + 1]) ? 2 : 1;
            for (var k = 0; k < width; k++)
            {
                starts[i - start + k] = i;
                ends[i - start + k] = i + width;
            }

            i += width;
        }

        return new AlignedString(original.Substring(start, length), starts, ends, start, end);
    }

    /// <summary>The original range of the normalized range <c>[start, end)</c> (first unit's start, last unit's end).</summary>
    public (int Start, int End) ToOriginal(int start, int end)
    {
        if (end <= start)
        {
            var at = start < Text.Length ? _starts[start] : OriginalEnd;
            return (at, at);
        }

        return (_starts[start], _ends[end - 1]);
    }

    /// <summary>The part <c>[start, end)</c> of the normalized text, with its alignments (tokenizers' <c>slice</c>).</summary>
    public AlignedString Slice(int start, int end)
    {
        var (originalStart, originalEnd) = ToOriginal(start, end);
        return new AlignedString(Text[start..end], _starts[start..end], _ends[start..end], originalStart, originalEnd);
    }

    /// <summary>Puts <paramref name="prefix"/> in front; it takes the alignment of the first character (tokenizers' <c>prepend</c>).</summary>
    public void Prepend(string prefix)
    {
        if (Text.Length == 0 || prefix.Length == 0)
        {
            return;
        }

        var starts = new int[prefix.Length + Text.Length];
        var ends = new int[starts.Length];
        Array.Fill(starts, _starts[0], 0, prefix.Length);
        Array.Fill(ends, _ends[0], 0, prefix.Length);
        _starts.CopyTo(starts, prefix.Length);
        _ends.CopyTo(ends, prefix.Length);
        Text = prefix + Text;
        _starts = starts;
        _ends = ends;
    }

    /// <summary>
    /// Replaces each range of <paramref name="matches"/> (sorted, disjoint) by <paramref name="content"/>, which takes
    /// the alignment of the last character it replaces, as tokenizers' <c>replace</c> does.
    /// </summary>
    public void Replace(List<(int Start, int End)> matches, string content)
    {
        if (matches.Count == 0)
        {
            return;
        }

        var builder = new Builder(Text.Length);
        var last = 0;
        foreach (var (start, end) in matches)
        {
            builder.CopyFrom(this, last, start);
            if (content.Length > 0)
            {
                var (s, e) = end > start ? (_starts[end - 1], _ends[end - 1]) : start > 0 ? (_starts[start - 1], _ends[start - 1]) : (OriginalStart, OriginalStart);
                builder.Append(content, s, e);
            }

            last = end;
        }

        builder.CopyFrom(this, last, Text.Length);
        builder.Commit(this);
    }

    /// <summary>Keeps the code points <paramref name="keep"/> accepts (tokenizers' <c>filter</c>: kept characters keep their alignment).</summary>
    public void Filter(Func<int, bool> keep)
    {
        var builder = new Builder(Text.Length);
        for (var i = 0; i < Text.Length;)
        {
            var width = Width(Text, i);
            var cp = width == 2 ? char.ConvertToUtf32(Text[i], Text[i + 1]) : Text[i];
            if (keep(cp))
            {
                builder.CopyFrom(this, i, i + width);
            }

            i += width;
        }

        builder.Commit(this);
    }

    /// <summary>Maps each code point to one code point (tokenizers' <c>map</c>: alignments unchanged).</summary>
    public void Map(Func<int, int> map)
    {
        var builder = new Builder(Text.Length);
        for (var i = 0; i < Text.Length;)
        {
            var width = Width(Text, i);
            var cp = width == 2 ? char.ConvertToUtf32(Text[i], Text[i + 1]) : Text[i];
            builder.Append(char.ConvertFromUtf32(map(cp)), _starts[i], _ends[i]);
            i += width;
        }

        builder.Commit(this);
    }

    /// <summary>Lowercases as the fast path does (.NET's invariant simple case mapping, which keeps the length).</summary>
    public void Lowercase()
    {
        var lower = Text.ToLowerInvariant();
        if (lower.Length == Text.Length)
        {
            Text = lower;
            return;
        }

        // Not reached with .NET's simple case mapping; kept for safety: fall back to per-code-point mapping.
        Map(cp => char.ConvertToUtf32(char.ConvertFromUtf32(cp).ToLowerInvariant(), 0));
    }

    /// <summary>Removes leading and/or trailing white space (tokenizers' <c>lstrip</c>/<c>rstrip</c>).</summary>
    public void Strip(bool left, bool right)
    {
        var start = 0;
        var end = Text.Length;
        if (left)
        {
            while (start < end && char.IsWhiteSpace(Text[start]))
            {
                start++;
            }
        }

        if (right)
        {
            while (end > start && char.IsWhiteSpace(Text[end - 1]))
            {
                end--;
            }
        }

        if (start == 0 && end == Text.Length)
        {
            return;
        }

        Text = Text[start..end];
        _starts = _starts[start..end];
        _ends = _ends[start..end];
    }

    /// <summary>
    /// Unicode normalization with alignments. Each run of a starter and the marks that follow it is normalized on
    /// its own; its output characters take the alignments of its input characters in order, extra output characters
    /// the alignment of the last input one, and when the output is shorter the first output character (the composed
    /// one) absorbs the rest — the changes tokenizers' <c>unicode-normalization-alignments</c> produces for
    /// decomposition and composition.
    /// When normalizing runs separately would change the text (Hangul jamo, a few compatibility compositions), the
    /// whole string is one run: the text is still exact, only the alignments inside it are coarser.
    /// </summary>
    public void Normalize(NormalizationForm form)
    {
        if (Text.Length == 0 || Text.IsNormalized(form))
        {
            return;
        }

        var whole = Text.Normalize(form);
        var runs = new List<(int Start, int End, string Normalized)>();
        var sb = new StringBuilder(whole.Length);
        var runStart = 0;
        for (var i = 0; i <= Text.Length;)
        {
            var width = i < Text.Length ? Width(Text, i) : 0;
            var boundary = i == Text.Length || (i > runStart && !IsMark(Text, i));
            if (boundary)
            {
                var normalized = Text[runStart..i].Normalize(form);
                runs.Add((runStart, i, normalized));
                sb.Append(normalized);
                runStart = i;
            }

            if (i == Text.Length)
            {
                break;
            }

            i += width;
        }

        if (sb.ToString() != whole)
        {
            runs.Clear();
            runs.Add((0, Text.Length, whole));
        }

        var transforms = new List<(string Char, int Change)>(whole.Length);
        foreach (var (start, end, normalized) in runs)
        {
            AddReplacement(transforms, CountCodePoints(Text, start, end), normalized, shrinkFirst: true);
        }

        Transform(transforms, 0);
    }

    /// <summary>
    /// Appends the changes that replace <paramref name="oldCount"/> code points by <paramref name="replacement"/> the
    /// way tokenizers' precompiled normalizer writes them: one change 0 per new code point, the surplus ones +1, or
    /// the last one absorbing the removed count (when nothing is written, the previous character absorbs it).
    /// </summary>
    /// <remarks>
    /// With <paramref name="shrinkFirst"/> the first new code point absorbs the removed ones instead (composition: the
    /// composed character stands for the marks it swallowed).
    /// </remarks>
    public static void AddReplacement(List<(string Char, int Change)> transforms, int oldCount, string replacement, bool shrinkFirst = false)
    {
        var first = transforms.Count;
        for (var i = 0; i < replacement.Length;)
        {
            var width = Width(replacement, i);
            transforms.Add((replacement.Substring(i, width), 0));
            i += width;
        }

        var diff = (transforms.Count - first) - oldCount;
        if (diff > 0)
        {
            for (var k = transforms.Count - diff; k < transforms.Count; k++)
            {
                transforms[k] = (transforms[k].Char, 1);
            }
        }
        else if (diff < 0 && transforms.Count > 0)
        {
            var k = shrinkFirst && transforms.Count > first ? first : transforms.Count - 1;
            transforms[k] = (transforms[k].Char, transforms[k].Change + diff);
        }
    }

    /// <summary>
    /// tokenizers' <c>transform</c>: rewrites the whole text from (character, change) pairs. Change 0 replaces the
    /// next original character (taking its alignment), a negative change also removes that many following ones, a
    /// positive change inserts a character aligned like the character before it. <paramref name="initialOffset"/>
    /// characters are removed first.
    /// </summary>
    public void Transform(List<(string Char, int Change)> transforms, int initialOffset)
    {
        // Alignment of each old code point.
        var oldStarts = new List<int>(Text.Length);
        var oldEnds = new List<int>(Text.Length);
        for (var i = 0; i < Text.Length; i += Width(Text, i))
        {
            oldStarts.Add(_starts[i]);
            oldEnds.Add(_ends[i]);
        }

        var n = oldStarts.Count;
        var builder = new Builder(Text.Length);
        var position = initialOffset;
        foreach (var (ch, change) in transforms)
        {
            int s, e;
            if (change > 0)
            {
                var previous = Math.Min(position - 1, n - 1);
                (s, e) = previous >= 0 ? (oldStarts[previous], oldEnds[previous]) : (OriginalStart, OriginalStart);
            }
            else
            {
                (s, e) = position < n ? (oldStarts[position], oldEnds[position]) : n > 0 ? (oldEnds[n - 1], oldEnds[n - 1]) : (OriginalStart, OriginalStart);
                position += 1 - change;
            }

            builder.Append(ch, s, e);
        }

        builder.Commit(this);
    }

    /// <summary>Rewrites each code point as its UTF-8 bytes in GPT-2's byte-to-character map; each byte keeps its character's alignment.</summary>
    public void ToByteLevel()
    {
        var builder = new Builder(Text.Length * 2);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < Text.Length;)
        {
            var width = Width(Text, i);
            var count = System.Text.Encoding.UTF8.GetBytes(Text.AsSpan(i, width), utf8);
            for (var k = 0; k < count; k++)
            {
                builder.Append(ByteLevelMap.ByteToChar[utf8[k]], _starts[i], _ends[i]);
            }

            i += width;
        }

        builder.Commit(this);
    }

    /// <summary>The number of UTF-16 units of the code point at <paramref name="i"/> (1 or 2).</summary>
    public static int Width(string text, int i) =>
        i + 1 < text.Length && char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;

    private static int CountCodePoints(string text, int start, int end)
    {
        var count = 0;
        for (var i = start; i < end; i += Width(text, i))
        {
            count++;
        }

        return count;
    }

    private static bool IsMark(string text, int i) =>
        CharUnicodeInfo.GetUnicodeCategory(text, i) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

    /// <summary>Accumulates new text and alignments.</summary>
    private readonly struct Builder(int capacity)
    {
        private readonly StringBuilder _text = new(capacity);
        private readonly List<int> _starts = new(capacity);
        private readonly List<int> _ends = new(capacity);

        public void CopyFrom(AlignedString source, int start, int end)
        {
            _text.Append(source.Text, start, end - start);
            for (var i = start; i < end; i++)
            {
                _starts.Add(source._starts[i]);
                _ends.Add(source._ends[i]);
            }
        }

        public void Append(string text, int start, int end)
        {
            _text.Append(text);
            for (var i = 0; i < text.Length; i++)
            {
                _starts.Add(start);
                _ends.Add(end);
            }
        }

        public void Append(char c, int start, int end)
        {
            _text.Append(c);
            _starts.Add(start);
            _ends.Add(end);
        }

        public void Commit(AlignedString target)
        {
            target.Text = _text.ToString();
            target._starts = [.. _starts];
            target._ends = [.. _ends];
        }
    }
}
