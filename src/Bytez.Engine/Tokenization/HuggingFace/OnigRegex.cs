using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>
/// A regular expression written for Oniguruma (what Hugging Face's tokenizers use), run by .NET's engine. Two
/// differences are bridged: possessive quantifiers (<c>x++</c>, <c>x*+</c>, <c>x?+</c>) become atomic groups, and
/// Oniguruma matches code points where .NET matches UTF-16 units, so text with surrogate pairs is matched on a
/// shadow string that holds one BMP character of the same Unicode category per astral code point.
/// Patterns come from model files, so they are bounded: a pattern the non-backtracking engine can run (no lookarounds,
/// backreferences or atomic groups) runs there, in time linear in the text; any other runs on the backtracking engine
/// with a timeout per match (<see cref="TokenizerOptions.RegexTimeout"/>), which fails the request with a bad-input
/// <see cref="EngineException"/> naming the limit.
/// </summary>
internal sealed class OnigRegex
{
    private readonly Regex _regex;

    private readonly TimeSpan _timeout;

    public OnigRegex(string pattern, TimeSpan? matchTimeout = null)
    {
        Pattern = pattern;
        _timeout = matchTimeout ?? TokenizerOptions.Default.RegexTimeout;
        var translated = Translate(pattern);
        try
        {
            _regex = NonBacktracking(translated, _timeout)
                ?? new Regex(translated, RegexOptions.Compiled | RegexOptions.CultureInvariant | RegexOptions.Multiline, _timeout);
        }
        catch (ArgumentException e)
        {
            throw EngineException.NotSupported($"tokenizer.json has a regular expression .NET cannot run ({e.Message}): {pattern}");
        }
    }

    /// <summary>Whether the pattern runs on the non-backtracking engine (linear time) rather than with a timeout.</summary>
    public bool IsNonBacktracking => (_regex.Options & RegexOptions.NonBacktracking) != 0;

    public string Pattern { get; }

    /// <summary>Creates a matcher for a literal string.</summary>
    public static OnigRegex Literal(string text, TimeSpan? matchTimeout = null) => new(EscapeLiteral(text), matchTimeout);

    /// <summary>The pattern on the non-backtracking engine, or <see langword="null"/> when it uses what that engine lacks.</summary>
    private static Regex? NonBacktracking(string translated, TimeSpan timeout)
    {
        try
        {
            return new Regex(translated, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.Multiline, timeout);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Adds the non-overlapping matches in <paramref name="text"/> as (start, end) pairs of UTF-16 indices.</summary>
    /// <exception cref="EngineException">One match took longer than the timeout (kind <see cref="EngineErrorKind.BadInput"/>).</exception>
    public void FindMatches(string text, List<(int Start, int End)> matches)
    {
        try
        {
            FindMatchesUnbounded(text, matches);
        }
        catch (RegexMatchTimeoutException)
        {
            throw EngineException.BadInput(string.Create(
                CultureInfo.InvariantCulture,
                $"The model's tokenizer pattern took longer than the limit of {_timeout.TotalMilliseconds:0.###} ms for one match on this text (Bytez:Tokenizers:RegexTimeout); the pattern is {Pattern}"));
        }
    }

    private void FindMatchesUnbounded(string text, List<(int Start, int End)> matches)
    {
        var hasSurrogates = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;
        if (!hasSurrogates)
        {
            foreach (var m in _regex.EnumerateMatches(text))
            {
                if (m.Length > 0)
                {
                    matches.Add((m.Index, m.Index + m.Length));
                }
            }

            return;
        }

        // One shadow character per code point; map[k] is the index in text of the shadow's k-th character.
        var shadow = new StringBuilder(text.Length);
        var map = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length;)
        {
            map.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                shadow.Append(Representative(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]))));
                i += 2;
            }
            else
            {
                shadow.Append(text[i]);
                i++;
            }
        }

        map.Add(text.Length);
        foreach (var m in _regex.EnumerateMatches(shadow.ToString()))
        {
            if (m.Length > 0)
            {
                matches.Add((map[m.Index], map[m.Index + m.Length]));
            }
        }
    }

    private static char Representative(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u03A9',
        UnicodeCategory.LowercaseLetter => '\u03C9',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u4E00',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u2039',
        UnicodeCategory.FinalQuotePunctuation => '\u203A',
        UnicodeCategory.OtherPunctuation => '\u203C',
        UnicodeCategory.MathSymbol => '\u2200',
        UnicodeCategory.CurrencySymbol => '\u20A0',
        UnicodeCategory.ModifierSymbol => '\u02C2',
        UnicodeCategory.OtherSymbol => '\u263A',
        UnicodeCategory.Format => '\u200B',
        UnicodeCategory.PrivateUse => '\uE000',
        _ => '\u0378',
    };

    private static string EscapeLiteral(string text) => Regex.Escape(text);

    /// <summary>Rewrites Oniguruma-only syntax into .NET syntax.</summary>
    internal static string Translate(string pattern)
    {
        var output = new StringBuilder(pattern.Length + 16);
        var groupStarts = new Stack<int>();
        var lastAtomStart = -1;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '\\' when i + 1 < pattern.Length:
                {
                    var start = output.Length;
                    var next = pattern[i + 1];
                    if (next == 'h')
                    {
                        output.Append("[0-9a-fA-F]");
                        i++;
                    }
                    else if (next == 'H')
                    {
                        output.Append("[^0-9a-fA-F]");
                        i++;
                    }
                    else if ((next == 'p' || next == 'P') && i + 2 < pattern.Length && pattern[i + 2] == '{')
                    {
                        var close = pattern.IndexOf('}', i + 2);
                        close = close < 0 ? pattern.Length - 1 : close;
                        output.Append(pattern, i, close - i + 1);
                        i = close;
                    }
                    else
                    {
                        output.Append(c).Append(next);
                        i++;
                    }

                    lastAtomStart = start;
                    break;
                }

                case '[':
                {
                    var start = output.Length;
                    var depth = 0;
                    var j = i;
                    for (; j < pattern.Length; j++)
                    {
                        var d = pattern[j];
                        if (d == '\\' && j + 1 < pattern.Length)
                        {
                            output.Append(d).Append(pattern[j + 1]);
                            j++;
                            continue;
                        }

                        output.Append(d);
                        if (d == '[')
                        {
                            depth++;
                        }
                        else if (d == ']' && j > i + 1 && !(j == i + 2 && pattern[i + 1] == '^'))
                        {
                            depth--;
                            if (depth == 0)
                            {
                                break;
                            }
                        }
                    }

                    i = j;
                    lastAtomStart = start;
                    break;
                }

                case '(':
                    groupStarts.Push(output.Length);
                    output.Append(c);
                    lastAtomStart = -1;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '?')
                    {
                        output.Append('?');
                        i++;
                    }

                    break;

                case ')':
                    output.Append(c);
                    lastAtomStart = groupStarts.Count > 0 ? groupStarts.Pop() : -1;
                    break;

                case '*' or '+' or '?':
                    output.Append(c);
                    if (i + 1 < pattern.Length && pattern[i + 1] == '?')
                    {
                        output.Append('?');
                        i++;
                    }
                    else if (i + 1 < pattern.Length && pattern[i + 1] == '+' && lastAtomStart >= 0)
                    {
                        output.Insert(lastAtomStart, "(?>").Append(')');
                        i++;
                    }

                    lastAtomStart = -1;
                    break;

                case '{':
                {
                    var close = pattern.IndexOf('}', i);
                    output.Append(close < 0 ? pattern[i..] : pattern[i..(close + 1)]);
                    i = close < 0 ? pattern.Length : close;
                    lastAtomStart = -1;
                    break;
                }

                case '|':
                    output.Append(c);
                    lastAtomStart = -1;
                    break;

                default:
                    lastAtomStart = output.Length;
                    output.Append(c);
                    break;
            }
        }

        return output.ToString();
    }
}
