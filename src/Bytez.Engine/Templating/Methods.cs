using System.Globalization;
using System.Text;

namespace Bytez.Engine.Templating;

/// <summary>The Python methods of str, dict and list that templates call (the non-mutating ones).</summary>
internal static class Methods
{
    private static BuiltinFunction M(string name, Func<CallArgs, object?> body) => new(name, (_, a) => body(a));

    private static string Arg(CallArgs a, int i, string name)
        => a.Get(i, name) is string s ? s : throw Py.Error($"{name} must be str, not {Py.TypeName(a.Get(i, name))}");

    private static string? OptChars(CallArgs a)
        => a.Get(0, "chars") switch
        {
            null or Undefined => null,
            string s => s,
            var other => throw Py.Error($"strip arg must be None or str, not {Py.TypeName(other)}"),
        };

    public static ICallableValue? ForString(string s, string name) => name switch
    {
        "strip" => M(name, a => OptChars(a) is { } c ? s.Trim(c.ToCharArray()) : s.Trim()),
        "lstrip" => M(name, a => OptChars(a) is { } c ? s.TrimStart(c.ToCharArray()) : s.TrimStart()),
        "rstrip" => M(name, a => OptChars(a) is { } c ? s.TrimEnd(c.ToCharArray()) : s.TrimEnd()),
        "upper" => M(name, _ => s.ToUpperInvariant()),
        "lower" => M(name, _ => s.ToLowerInvariant()),
        "title" => M(name, _ => PyTitle(s)),
        "capitalize" => M(name, _ => Capitalize(s)),
        "swapcase" => M(name, _ => string.Concat(s.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)))),
        "split" => M(name, a => Split(s, a.Get(0, "sep"), a.Get(1, "maxsplit", -1L), fromRight: false)),
        "rsplit" => M(name, a => Split(s, a.Get(0, "sep"), a.Get(1, "maxsplit", -1L), fromRight: true)),
        "splitlines" => M(name, a => SplitLines(s, Py.Truthy(a.Get(0, "keepends", false))).Cast<object?>().ToList()),
        "startswith" => M(name, a => Affix(s, a.Get(0, "prefix"), (x, p) => x.StartsWith(p, StringComparison.Ordinal))),
        "endswith" => M(name, a => Affix(s, a.Get(0, "suffix"), (x, p) => x.EndsWith(p, StringComparison.Ordinal))),
        "replace" => M(name, a => Filters.Replace(s, Arg(a, 0, "old"), Arg(a, 1, "new"), Py.ToLong(a.Get(2, "count", -1L)))),
        "find" => M(name, a => (long)s.IndexOf(Arg(a, 0, "sub"), StringComparison.Ordinal)),
        "rfind" => M(name, a => (long)s.LastIndexOf(Arg(a, 0, "sub"), StringComparison.Ordinal)),
        "index" => M(name, a => s.IndexOf(Arg(a, 0, "sub"), StringComparison.Ordinal) is var i && i >= 0 ? (long)i : throw Py.Error("substring not found")),
        "count" => M(name, a => CountOccurrences(s, Arg(a, 0, "sub"))),
        "join" => M(name, a => Filters.Join(s, Py.Iterate(a.Get(0, "iterable")).Select(Py.Str))),
        "isdigit" => M(name, _ => s.Length > 0 && s.All(char.IsDigit)),
        "isnumeric" => M(name, _ => s.Length > 0 && s.All(char.IsNumber)),
        "isalpha" => M(name, _ => s.Length > 0 && s.All(char.IsLetter)),
        "isalnum" => M(name, _ => s.Length > 0 && s.All(char.IsLetterOrDigit)),
        "isspace" => M(name, _ => s.Length > 0 && s.All(char.IsWhiteSpace)),
        "islower" => M(name, _ => s.Any(char.IsLetter) && !s.Any(char.IsUpper)),
        "isupper" => M(name, _ => s.Any(char.IsLetter) && !s.Any(char.IsLower)),
        "removeprefix" => M(name, a => Arg(a, 0, "prefix") is var p && s.StartsWith(p, StringComparison.Ordinal) ? s[p.Length..] : s),
        "removesuffix" => M(name, a => Arg(a, 0, "suffix") is var p && p.Length > 0 && s.EndsWith(p, StringComparison.Ordinal) ? s[..^p.Length] : s),
        "center" => M(name, a => Filters.Center(s, Filters.Width(a.Get(0, "width")), FillChar(a))),
        "ljust" => M(name, a => s.PadRight(Filters.Width(a.Get(0, "width")), FillChar(a)[0])),
        "rjust" => M(name, a => s.PadLeft(Filters.Width(a.Get(0, "width")), FillChar(a)[0])),
        "zfill" => M(name, a => ZFill(s, Filters.Width(a.Get(0, "width")))),
        "partition" => M(name, a => Partition(s, Arg(a, 0, "sep"))),
        "format" => M(name, a => Format(s, a)),
        _ => null,
    };

    public static ICallableValue? ForDict(IReadOnlyDictionary<string, object?> d, string name) => name switch
    {
        "items" => M(name, _ => d.Select(kv => (object?)new TupleValue([kv.Key, Py.Normalize(kv.Value)])).ToList()),
        "keys" => M(name, _ => d.Keys.Cast<object?>().ToList()),
        "values" => M(name, _ => d.Values.Select(Py.Normalize).ToList()),
        "get" => M(name, a => a.Get(0, "key") is string k && d.TryGetValue(k, out var v) ? Py.Normalize(v) : a.Get(1, "default")),
        "copy" => M(name, _ => d),
        _ => null,
    };

    public static ICallableValue? ForList(IReadOnlyList<object?> l, string name) => name switch
    {
        "count" => M(name, a => (long)l.Count(x => Py.Equal(x, a.Get(0, "value")))),
        "index" => M(name, a =>
        {
            for (var i = 0; i < l.Count; i++)
            {
                if (Py.Equal(l[i], a.Get(0, "value")))
                {
                    return (long)i;
                }
            }

            throw Py.Error("value is not in list");
        }),
        "copy" => M(name, _ => l.ToList()),
        _ => null,
    };

    private static string FillChar(CallArgs a) => a.Get(1, "fillchar", " ") switch
    {
        string { Length: 1 } c => c,
        var other => throw Py.Error($"The fill character must be exactly one character long, not {Py.Repr(other)}"),
    };

    private static bool Affix(string s, object? affix, Func<string, string, bool> test) => affix switch
    {
        string p => test(s, p),
        IReadOnlyList<object?> many => many.Any(p => p is string ps ? test(s, ps) : throw Py.Error("tuple for startswith/endswith must only contain str")),
        _ => throw Py.Error($"startswith/endswith first arg must be str or a tuple of str, not {Py.TypeName(affix)}"),
    };

    private static long CountOccurrences(string s, string sub)
    {
        if (sub.Length == 0)
        {
            return s.Length + 1;
        }

        long n = 0;
        for (var i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    private static List<object?> Split(string s, object? sep, object? maxsplit, bool fromRight)
    {
        var max = maxsplit is null or Undefined ? -1 : Py.ToLong(maxsplit);
        var parts = new List<string>();
        if (sep is null or Undefined)
        {
            // Runs of whitespace, leading and trailing whitespace ignored.
            var words = new List<(int Start, int End)>();
            var i = 0;
            while (i < s.Length)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i]))
                {
                    i++;
                }

                if (i >= s.Length)
                {
                    break;
                }

                var start = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i]))
                {
                    i++;
                }

                words.Add((start, i));
            }

            if (max < 0 || words.Count <= max + 1)
            {
                return [.. words.Select(w => (object?)s[w.Start..w.End])];
            }

            if (!fromRight)
            {
                var head = words.Take((int)max).Select(w => (object?)s[w.Start..w.End]).ToList();
                head.Add(s[words[(int)max].Start..].TrimEnd());
                return head;
            }

            var tailStart = words.Count - (int)max;
            var result = new List<object?> { s[..words[tailStart - 1].End].TrimStart() };
            result.AddRange(words.Skip(tailStart).Select(w => (object?)s[w.Start..w.End]));
            return result;
        }

        if (sep is not string separator)
        {
            throw Py.Error($"must be str or None, not {Py.TypeName(sep)}");
        }

        if (separator.Length == 0)
        {
            throw Py.Error("empty separator");
        }

        var all = s.Split(separator);
        if (max < 0 || all.Length <= max + 1)
        {
            return [.. all];
        }

        if (!fromRight)
        {
            var head = all.Take((int)max).Select(x => (object?)x).ToList();
            head.Add(string.Join(separator, all.Skip((int)max)));
            return head;
        }

        var keep = all.Length - (int)max;
        var rs = new List<object?> { string.Join(separator, all.Take(keep)) };
        rs.AddRange(all.Skip(keep));
        return rs;
    }

    public static List<string> SplitLines(string s, bool keepEnds)
    {
        var lines = new List<string>();
        var start = 0;
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                var end = i;
                i += c == '\r' && i + 1 < s.Length && s[i + 1] == '\n' ? 2 : 1;
                lines.Add(keepEnds ? s[start..i] : s[start..end]);
                start = i;
            }
            else
            {
                i++;
            }
        }

        if (start < s.Length)
        {
            lines.Add(s[start..]);
        }

        return lines;
    }

    public static string Capitalize(string s)
        => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    private static string PyTitle(string s)
    {
        var sb = new StringBuilder(s.Length);
        var previousCased = false;
        foreach (var c in s)
        {
            sb.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c);
        }

        return sb.ToString();
    }

    private static string ZFill(string s, int width)
    {
        if (s.Length >= width)
        {
            return s;
        }

        var sign = s.Length > 0 && s[0] is '+' or '-' ? s[..1] : string.Empty;
        return sign + new string('0', width - s.Length) + s[sign.Length..];
    }

    private static TupleValue Partition(string s, string sep)
    {
        var i = s.IndexOf(sep, StringComparison.Ordinal);
        return i < 0 ? new TupleValue([s, string.Empty, string.Empty]) : new TupleValue([s[..i], sep, s[(i + sep.Length)..]]);
    }

    /// <summary><c>str.format</c> with <c>{}</c>, <c>{0}</c> and <c>{name}</c> fields (no format specs).</summary>
    private static string Format(string s, CallArgs a)
    {
        var budget = RenderBudget.Current;
        var sb = new StringBuilder();
        var auto = 0;
        for (var i = 0; i < s.Length; i++)
        {
            budget.Size(sb.Length);
            var c = s[i];
            if (c == '{' && i + 1 < s.Length && s[i + 1] == '{')
            {
                sb.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < s.Length && s[i + 1] == '}')
            {
                sb.Append('}');
                i++;
            }
            else if (c == '{')
            {
                var close = s.IndexOf('}', i);
                if (close < 0)
                {
                    throw Py.Error("Single '{' encountered in format string");
                }

                var field = s[(i + 1)..close];
                if (field.Contains(':', StringComparison.Ordinal) || field.Contains('!', StringComparison.Ordinal))
                {
                    throw Py.Error($"format specs are not supported in str.format ('{{{field}}}')");
                }

                object? value = field.Length == 0 ? a.Get(auto++, "\0")
                    : int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var idx) ? a.Get(idx, "\0")
                    : a.Get(-1, field, new Undefined($"KeyError: '{field}'"));
                sb.Append(value is Undefined u ? throw u.Fail() : Py.Str(value));
                i = close;
            }
            else
            {
                sb.Append(c);
            }
        }

        budget.Allocate(sb.Length);
        return sb.ToString();
    }
}

/// <summary>Jinja2's global functions: range, dict, namespace, cycler, joiner.</summary>
internal static class Builtins
{
    public static readonly IReadOnlyDictionary<string, object?> Globals = new Dictionary<string, object?>(StringComparer.Ordinal)
    {
        ["range"] = new BuiltinFunction("range", (_, a) => Range(a)),
        ["dict"] = new BuiltinFunction("dict", (_, a) => Dict(a)),
        ["namespace"] = new BuiltinFunction("namespace", (_, a) => MakeNamespace(a)),
        ["joiner"] = new BuiltinFunction("joiner", (_, a) => Joiner(a.Get(0, "sep", ", ") as string ?? ", ")),
    };

    private static List<object?> Range(CallArgs a)
    {
        var n = a.Positional.Select(Py.ToLong).ToArray();
        var (start, stop, step) = n.Length switch
        {
            1 => (0L, n[0], 1L),
            2 => (n[0], n[1], 1L),
            3 => (n[0], n[1], n[2]),
            _ => throw Py.Error($"range expected 1 to 3 arguments, got {n.Length}"),
        };
        if (step == 0)
        {
            throw Py.Error("range() arg 3 must not be zero");
        }

        var result = new List<object?>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (result.Count >= 100_000)
            {
                throw Py.Error("range too big, maximum size for range is 100000");
            }

            RenderBudget.Current.Step();
            result.Add(i);
            if (step > 0 ? (Int128)stop - i <= step : (Int128)i - stop <= -(Int128)step)
            {
                break;
            }
        }

        return result;
    }

    private static OrderedDictionary<string, object?> Dict(CallArgs a)
    {
        var d = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        if (a.Positional.Count > 0 && a.Positional[0] is IReadOnlyDictionary<string, object?> src)
        {
            foreach (var (k, v) in src)
            {
                d[k] = Py.Normalize(v);
            }
        }

        foreach (var (k, v) in a.Named)
        {
            d[k] = v;
        }

        return d;
    }

    private static Namespace MakeNamespace(CallArgs a)
    {
        var ns = new Namespace();
        foreach (var (k, v) in Dict(a))
        {
            ns.Attributes[k] = v;
        }

        return ns;
    }

    private static BuiltinFunction Joiner(string sep)
    {
        var used = false;
        return new BuiltinFunction("joiner", (_, _) =>
        {
            if (!used)
            {
                used = true;
                return string.Empty;
            }

            return sep;
        });
    }
}
