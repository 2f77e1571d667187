namespace Bytez.Engine.Tasks.PostProcessing;

/// <summary>
/// A text indexed as Python indexes a <c>str</c>: by code point. Tokenizer offsets, <c>start</c>/<c>end</c> in the
/// outputs and Python's <c>len</c> and slices all count code points, while .NET strings count UTF-16 units (an emoji
/// is one code point and two units); this maps one to the other once per text.
/// </summary>
public sealed class PythonString
{
    private readonly int[] _utf16Index;

    /// <summary>Indexes <paramref name="text"/> (ill-formed surrogates count as one code point each, like Python's).</summary>
    public PythonString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Text = text;
        var index = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length; i++)
        {
            index.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
        }

        index.Add(text.Length);
        _utf16Index = [.. index];
    }

    /// <summary>The text.</summary>
    public string Text { get; }

    /// <summary>Python's <c>len(text)</c>: the number of code points.</summary>
    public int Length => _utf16Index.Length - 1;

    /// <summary>Python's <c>len(s)</c> of any string: its number of code points.</summary>
    public static int CodePointLength(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var n = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }

            n++;
        }

        return n;
    }

    /// <summary>
    /// Python's <c>text[start:end]</c> for non-negative bounds: both clamped to the length, empty when
    /// <paramref name="start"/> is not before <paramref name="end"/>.
    /// </summary>
    public string Slice(int start, int end)
    {
        start = Math.Clamp(start, 0, Length);
        end = Math.Clamp(end, 0, Length);
        return start >= end ? string.Empty : Text[_utf16Index[start].._utf16Index[end]];
    }
}
