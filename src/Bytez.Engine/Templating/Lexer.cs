using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Bytez.Engine.Templating;

internal enum TokenKind
{
    Data,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    Eof,
}

internal readonly record struct Token(TokenKind Kind, string Value, object? Literal, int Line, int Column)
{
    public bool Is(TokenKind kind, string value) => Kind == kind && Value == value;

    public bool IsName(string name) => Kind == TokenKind.Name && Value == name;

    public bool IsOp(string op) => Kind == TokenKind.Operator && Value == op;

    public string Describe() => Kind switch
    {
        TokenKind.Eof => "end of template",
        TokenKind.VariableEnd => "end of print statement '}}'",
        TokenKind.BlockEnd => "end of statement block '%}'",
        TokenKind.Data => "template data",
        TokenKind.String => "string literal",
        _ => $"'{Value}'",
    };
}

/// <summary>
/// Splits a template into tokens the way Jinja2's lexer does with trim_blocks=True and lstrip_blocks=True
/// (the settings transformers renders chat templates with), newline normalization, and the single trailing
/// newline dropped (keep_trailing_newline=False).
/// </summary>
internal sealed partial class Lexer
{
    private static readonly string[] Operators =
    [
        "//", "**", "==", "!=", "<=", ">=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";",
    ];

    private readonly string _src;
    private readonly List<int> _lineStarts = [0];
    private readonly List<Token> _tokens = [];

    private Lexer(string source)
    {
        _src = source;
        for (var i = 0; i < _src.Length; i++)
        {
            if (_src[i] == '\n')
            {
                _lineStarts.Add(i + 1);
            }
        }
    }

    public static List<Token> Tokenize(string source)
    {
        var normalized = source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (normalized.EndsWith('\n'))
        {
            normalized = normalized[..^1];
        }

        var lexer = new Lexer(normalized);
        lexer.Run();
        return lexer._tokens;
    }

    private (int Line, int Column) Position(int index)
    {
        var i = _lineStarts.BinarySearch(index);
        if (i < 0)
        {
            i = ~i - 1;
        }

        return (i + 1, index - _lineStarts[i] + 1);
    }

    private TemplateException Error(string message, int index)
    {
        var (line, column) = Position(index);
        return new TemplateException(TemplateErrorKind.Syntax, message, line, column);
    }

    private void Add(TokenKind kind, string value, object? literal, int index)
    {
        var (line, column) = Position(index);
        _tokens.Add(new Token(kind, value, literal, line, column));
    }

    private int FindOpen(int from)
    {
        var i = from;
        while (true)
        {
            i = _src.IndexOf('{', i);
            if (i < 0 || i + 1 >= _src.Length)
            {
                return -1;
            }

            var c = _src[i + 1];
            if (c is '{' or '%' or '#')
            {
                return i;
            }

            i++;
        }
    }

    /// <summary>Applies '-' (strip all trailing whitespace) or lstrip_blocks to the data before a tag.</summary>
    private static string StripBefore(string text, char sign, bool isVariable, bool lineStarting)
    {
        if (sign == '-')
        {
            return text.TrimEnd();
        }

        if (sign != '+' && !isVariable)
        {
            var lPos = text.LastIndexOf('\n') + 1;
            if ((lPos > 0 || lineStarting) && lPos < text.Length && IsAllWhitespace(text, lPos))
            {
                return text[..lPos];
            }
        }

        return text;
    }

    private static bool IsAllWhitespace(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            if (!char.IsWhiteSpace(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    [GeneratedRegex(@"\G\s*raw\s*(?:-%\}\s*|%\})")]
    private static partial Regex RawBegin();

    [GeneratedRegex(@"\{%([-+]?)\s*endraw\s*(?:\+%\}|-%\}\s*|%\}\n?)")]
    private static partial Regex RawEnd();

    private void Run()
    {
        var pos = 0;
        var lineStarting = true;
        while (pos < _src.Length)
        {
            var open = FindOpen(pos);
            if (open < 0)
            {
                Add(TokenKind.Data, _src[pos..], null, pos);
                break;
            }

            var kind = _src[open + 1];
            var p = open + 2;
            var sign = p < _src.Length && _src[p] is '-' or '+' ? _src[p] : '\0';
            if (sign != '\0')
            {
                p++;
            }

            var text = StripBefore(_src[pos..open], sign, kind == '{', lineStarting);
            if (text.Length > 0)
            {
                Add(TokenKind.Data, text, null, pos);
            }

            if (kind == '#')
            {
                var end = _src.IndexOf("#}", p, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw Error("missing end of comment tag '#}'", open);
                }

                var endSign = end - 1 >= p ? _src[end - 1] : '\0';
                pos = AfterEnd(end + 2, endSign);
                lineStarting = pos > end + 2 && _src[pos - 1] == '\n';
                continue;
            }

            if (kind == '%')
            {
                var raw = RawBegin().Match(_src, p);
                if (raw.Success)
                {
                    var rawEnd = RawEnd().Match(_src, raw.Index + raw.Length);
                    if (!rawEnd.Success)
                    {
                        throw Error("missing '{% endraw %}' for '{% raw %}'", open);
                    }

                    var beginStarting = _src[raw.Index + raw.Length - 1] == '\n';
                    var endSignRaw = rawEnd.Groups[1].Value is { Length: 1 } s ? s[0] : '\0';
                    var body = StripBefore(_src[(raw.Index + raw.Length)..rawEnd.Index], endSignRaw, false, beginStarting);
                    if (body.Length > 0)
                    {
                        Add(TokenKind.Data, body, null, raw.Index + raw.Length);
                    }

                    pos = rawEnd.Index + rawEnd.Length;
                    lineStarting = _src[pos - 1] == '\n';
                    continue;
                }
            }

            Add(kind == '{' ? TokenKind.VariableBegin : TokenKind.BlockBegin, kind == '{' ? "{{" : "{%", null, open);
            pos = LexTag(p, kind == '{', out lineStarting);
        }

        Add(TokenKind.Eof, string.Empty, null, _src.Length);
    }

    /// <summary>The position after an end tag whose sign character (the one before it) is given.</summary>
    private int AfterEnd(int afterTag, char sign)
    {
        var pos = afterTag;
        if (sign == '-')
        {
            while (pos < _src.Length && char.IsWhiteSpace(_src[pos]))
            {
                pos++;
            }
        }
        else if (sign != '+' && pos < _src.Length && _src[pos] == '\n')
        {
            pos++;
        }

        return pos;
    }

    private int LexTag(int pos, bool isVariable, out bool lineStarting)
    {
        var depth = 0;
        var tagStart = pos - 2;
        var endTag = isVariable ? "}}" : "%}";
        while (true)
        {
            while (pos < _src.Length && char.IsWhiteSpace(_src[pos]))
            {
                pos++;
            }

            if (pos >= _src.Length)
            {
                throw Error(isVariable ? "unexpected end of template, expected '}}'" : "unexpected end of template, expected '%}'", tagStart);
            }

            if (depth == 0)
            {
                var sign = _src[pos] is '-' or '+' && string.CompareOrdinal(_src, pos + 1, endTag, 0, 2) == 0 ? _src[pos] : '\0';
                if (sign == '\0' && string.CompareOrdinal(_src, pos, endTag, 0, 2) == 0)
                {
                    Add(isVariable ? TokenKind.VariableEnd : TokenKind.BlockEnd, endTag, null, pos);
                    var after = isVariable ? pos + 2 : AfterEnd(pos + 2, '\0');
                    lineStarting = after > pos + 2;
                    return after;
                }

                if (sign == '-' || (sign == '+' && !isVariable))
                {
                    Add(isVariable ? TokenKind.VariableEnd : TokenKind.BlockEnd, endTag, null, pos);
                    var after = AfterEnd(pos + 3, sign);
                    lineStarting = after > pos + 3 && _src[after - 1] == '\n';
                    return after;
                }
            }

            var c = _src[pos];
            if (char.IsLetter(c) || c == '_')
            {
                var start = pos;
                while (pos < _src.Length && (char.IsLetterOrDigit(_src[pos]) || _src[pos] == '_'))
                {
                    pos++;
                }

                Add(TokenKind.Name, _src[start..pos], null, start);
                continue;
            }

            if (char.IsAsciiDigit(c))
            {
                pos = LexNumber(pos);
                continue;
            }

            if (c is '\'' or '"')
            {
                pos = LexString(pos);
                continue;
            }

            var op = Array.Find(Operators, o => string.CompareOrdinal(_src, pos, o, 0, o.Length) == 0);
            if (op is null)
            {
                throw Error($"unexpected character '{c}'", pos);
            }

            if (op is "(" or "[" or "{")
            {
                depth++;
            }
            else if (op is ")" or "]" or "}")
            {
                if (depth == 0)
                {
                    throw Error($"unexpected '{op}'", pos);
                }

                depth--;
            }

            Add(TokenKind.Operator, op, null, pos);
            pos += op.Length;
        }
    }

    [GeneratedRegex(@"\G(\d+_)*\d+((\.(\d+_)*\d+)?[eE][+\-]?(\d+_)*\d+|\.(\d+_)*\d+)")]
    private static partial Regex FloatLiteral();

    [GeneratedRegex(@"\G(\d+_)*\d+")]
    private static partial Regex IntegerLiteral();

    private int LexNumber(int pos)
    {
        var afterDot = pos > 0 && _src[pos - 1] == '.';
        var f = afterDot ? Match.Empty : FloatLiteral().Match(_src, pos);
        if (f.Success)
        {
            Add(TokenKind.Float, f.Value, double.Parse(f.Value.Replace("_", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture), pos);
            return pos + f.Length;
        }

        var m = IntegerLiteral().Match(_src, pos);
        var digits = m.Value.Replace("_", string.Empty, StringComparison.Ordinal);
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw Error($"integer literal {m.Value} is too large", pos);
        }

        Add(TokenKind.Integer, m.Value, value, pos);
        return pos + m.Length;
    }

    private int LexString(int pos)
    {
        var quote = _src[pos];
        var sb = new StringBuilder();
        var i = pos + 1;
        while (true)
        {
            if (i >= _src.Length)
            {
                throw Error("unterminated string literal", pos);
            }

            var c = _src[i];
            if (c == quote)
            {
                break;
            }

            if (c != '\\')
            {
                sb.Append(c);
                i++;
                continue;
            }

            if (i + 1 >= _src.Length)
            {
                throw Error("unterminated string literal", pos);
            }

            var e = _src[i + 1];
            i += 2;
            switch (e)
            {
                case '\n': break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case 'x':
                    sb.Append((char)ParseHex(ref i, 2, pos));
                    break;
                case 'u':
                    sb.Append((char)ParseHex(ref i, 4, pos));
                    break;
                case 'U':
                    {
                        var codePoint = ParseHex(ref i, 8, pos);
                        if (!Rune.IsValid(codePoint))
                        {
                            throw Error(@"illegal Unicode character in \U escape", pos);
                        }

                        sb.Append(char.ConvertFromUtf32(codePoint));
                        break;
                    }
                case >= '0' and <= '7':
                    {
                        var value = e - '0';
                        for (var k = 0; k < 2 && i < _src.Length && _src[i] is >= '0' and <= '7'; k++, i++)
                        {
                            value = (value * 8) + (_src[i] - '0');
                        }

                        sb.Append((char)value);
                        break;
                    }

                default:
                    sb.Append('\\').Append(e);
                    break;
            }
        }

        Add(TokenKind.String, _src[pos..(i + 1)], sb.ToString(), pos);
        return i + 1;
    }

    private int ParseHex(ref int i, int count, int stringStart)
    {
        if (i + count > _src.Length
            || !int.TryParse(_src.AsSpan(i, count), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            throw Error("truncated \\x, \\u or \\U escape in string literal", stringStart);
        }

        i += count;
        return value;
    }
}
