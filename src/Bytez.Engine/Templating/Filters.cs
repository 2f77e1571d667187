using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Bytez.Engine.Templating;

internal delegate object? FilterFunction(RenderContext context, object? value, CallArgs args);

internal delegate bool TestFunction(RenderContext context, object? value, CallArgs args);

/// <summary>Jinja2's built-in filters (with transformers' <c>tojson</c>).</summary>
internal static partial class Filters
{
    public static readonly IReadOnlyDictionary<string, FilterFunction> All = Build();

    private static Dictionary<string, FilterFunction> Build()
    {
        var f = new Dictionary<string, FilterFunction>(StringComparer.Ordinal)
        {
            ["abs"] = (_, v, _) => v switch
            {
                long l => (object)Math.Abs(l),
                double d => Math.Abs(d),
                bool b => b ? 1L : 0L,
                _ => throw Py.Error($"bad operand type for abs(): '{Py.TypeName(v)}'"),
            },
            ["attr"] = (_, v, a) => Ops.GetAttr(v, a.Get(0, "name") as string ?? throw Py.Error("attr name must be a string")),
            ["batch"] = (_, v, a) => Batch(v, Width(a.Get(0, "linecount")), a.Get(1, "fill_with"), a.Has(1, "fill_with")),
            ["capitalize"] = (_, v, _) => Methods.Capitalize(Py.Str(v)),
            ["center"] = (_, v, a) => Center(Py.Str(v), Width(a.Get(0, "width", 80L)), " "),
            ["default"] = (_, v, a) => v is Undefined || (Py.Truthy(a.Get(1, "boolean", false)) && !Py.Truthy(v)) ? a.Get(0, "default_value", string.Empty) : v,
            ["dictsort"] = (_, v, a) => DictSort(v, Py.Truthy(a.Get(0, "case_sensitive", false)), a.Get(1, "by", "key") as string ?? "key", Py.Truthy(a.Get(2, "reverse", false))),
            ["escape"] = (_, v, _) => Ops.Escape(Py.Str(v)),
            ["first"] = (_, v, _) => Py.Iterate(v).Select(x => (object?)Py.Normalize(x)).DefaultIfEmpty(new Undefined("No first item, sequence was empty.")).First(),
            ["float"] = (_, v, a) => ToFloat(v, a.Get(0, "default", 0.0)),
            ["int"] = (_, v, a) => ToInt(v, a.Get(0, "default", 0L), (int)Py.ToLong(a.Get(1, "base", 10L))),
            ["indent"] = (_, v, a) => Indent(Py.Str(v), a.Get(0, "width", 4L), Py.Truthy(a.Get(1, "first", false)), Py.Truthy(a.Get(2, "blank", false))),
            ["items"] = (_, v, _) => v switch
            {
                Undefined => new List<object?>(),
                IReadOnlyDictionary<string, object?> d => d.Select(kv => (object?)new TupleValue([kv.Key, Py.Normalize(kv.Value)])).ToList(),
                _ => throw Py.Error($"Can only get item pairs from a mapping, not '{Py.TypeName(v)}'"),
            },
            ["join"] = (c, v, a) => Join(Py.Str(a.Get(0, "d", string.Empty)), Attribute(c, v, a.Get(1, "attribute")).Select(Py.Str)),
            ["last"] = (_, v, _) => v is string or IReadOnlyList<object?> && Py.ToList(v) is { Count: > 0 } l ? Py.Normalize(l[^1]) : new Undefined("No last item, sequence was empty."),
            ["length"] = (_, v, _) => Py.Length(v),
            ["list"] = (_, v, _) => Py.ToList(v).Select(Py.Normalize).ToList(),
            ["lower"] = (_, v, _) => Py.Str(v).ToLowerInvariant(),
            ["map"] = Map,
            ["max"] = (c, v, a) => MinMax(c, v, a, max: true),
            ["min"] = (c, v, a) => MinMax(c, v, a, max: false),
            ["reject"] = (c, v, a) => Select(c, v, a, byAttribute: false, keep: false),
            ["rejectattr"] = (c, v, a) => Select(c, v, a, byAttribute: true, keep: false),
            ["replace"] = (_, v, a) => Replace(Py.Str(v), Py.Str(a.Get(0, "old")), Py.Str(a.Get(1, "new")), a.Get(2, "count") is null or Undefined ? -1 : Py.ToLong(a.Get(2, "count"))),
            ["reverse"] = (_, v, _) => v is string s ? string.Concat(s.EnumerateRunes().Reverse()) : Py.ToList(v).AsEnumerable().Reverse().Select(Py.Normalize).ToList(),
            ["round"] = (_, v, a) => Round(v, (int)Math.Clamp(Py.ToLong(a.Get(0, "precision", 0L)), -400, 400), a.Get(1, "method", "common") as string ?? "common"),
            ["safe"] = (_, v, _) => v is string ? v : Py.Str(v),
            ["select"] = (c, v, a) => Select(c, v, a, byAttribute: false, keep: true),
            ["selectattr"] = (c, v, a) => Select(c, v, a, byAttribute: true, keep: true),
            ["sort"] = (c, v, a) => Sort(c, v, Py.Truthy(a.Get(0, "reverse", false)), Py.Truthy(a.Get(1, "case_sensitive", false)), a.Get(2, "attribute")),
            ["string"] = (_, v, _) => Py.Str(v),
            ["sum"] = (c, v, a) => Attribute(c, v, a.Get(0, "attribute")).Aggregate(a.Get(1, "start", 0L), (acc, x) => Ops.Binary("+", acc, x)),
            ["title"] = (_, v, _) => Title(Py.Str(v)),
            ["tojson"] = (_, v, a) => ToJson(v, a),
            ["trim"] = (_, v, a) => a.Get(0, "chars") is string chars ? Py.Str(v).Trim(chars.ToCharArray()) : Py.Str(v).Trim(),
            ["truncate"] = (_, v, a) => Truncate(Py.Str(v), Py.ToLong(a.Get(0, "length", 255L)), Py.Truthy(a.Get(1, "killwords", false)), Py.Str(a.Get(2, "end", "...")), Py.ToLong(a.Get(3, "leeway", 5L))),
            ["unique"] = (c, v, a) => Unique(c, v, Py.Truthy(a.Get(0, "case_sensitive", false)), a.Get(1, "attribute")),
            ["upper"] = (_, v, _) => Py.Str(v).ToUpperInvariant(),
            ["wordcount"] = (_, v, _) => (long)WordRegex().Count(Py.Str(v)),
            ["format"] = (_, v, a) => PercentFormat(Py.Str(v), a.Positional),
        };
        f["count"] = f["length"];
        f["d"] = f["default"];
        f["e"] = f["escape"];
        return f;
    }

    [GeneratedRegex(@"\w+")]
    private static partial Regex WordRegex();

    [GeneratedRegex(@"([-\s({\[<]+)")]
    private static partial Regex WordBeginning();

    /// <summary>A width, count or size argument, within the size limit (negative is zero).</summary>
    public static int Width(object? value)
    {
        var n = Py.ToLong(value);
        RenderBudget.Current.Allocate(n);
        return (int)Math.Max(0, n);
    }

    /// <summary><c>str.join</c> within the size limit.</summary>
    public static string Join(string separator, IEnumerable<string> items)
    {
        var budget = RenderBudget.Current;
        var sb = new StringBuilder();
        var first = true;
        foreach (var item in items)
        {
            budget.Size((long)sb.Length + separator.Length + item.Length);
            budget.Allocate(separator.Length + item.Length);
            if (!first)
            {
                sb.Append(separator);
            }

            first = false;
            sb.Append(item);
        }

        return sb.ToString();
    }

    public static string Replace(string s, string old, string replacement, long count)
    {
        var budget = RenderBudget.Current;
        if (count < 0 && old.Length == 0)
        {
            budget.Size(s.Length + 1, replacement.Length + 1);
            return string.Join(replacement, s.Select(c => c.ToString()).Prepend(string.Empty).Append(string.Empty));
        }

        if (count < 0)
        {
            count = long.MaxValue;
        }

        var sb = new StringBuilder();
        var pos = 0;
        for (var n = 0; n < count; n++)
        {
            var i = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (i < 0 || old.Length == 0)
            {
                break;
            }

            budget.Size((long)sb.Length + (i - pos) + replacement.Length + (s.Length - i));
            budget.Allocate((i - pos) + replacement.Length);
            sb.Append(s, pos, i - pos).Append(replacement);
            pos = i + old.Length;
        }

        return sb.Append(s, pos, s.Length - pos).ToString();
    }

    public static string Center(string s, int width, string fill)
    {
        if (s.Length >= width)
        {
            return s;
        }

        var marg = width - s.Length;
        var left = (marg / 2) + (marg & width & 1);
        return new string(fill[0], left) + s + new string(fill[0], marg - left);
    }

    private static string Title(string s)
        => string.Concat(WordBeginning().Split(s).Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..].ToLowerInvariant()));

    private static string Indent(string s, object? width, bool first, bool blank)
    {
        var indention = width is string w ? w : new string(' ', Width(width));
        var lines = Methods.SplitLines(s + "\n", keepEnds: false);
        RenderBudget.Current.Allocate(s.Length + ((long)lines.Count * (indention.Length + 1)));
        string rv;
        if (blank)
        {
            rv = string.Join("\n" + indention, lines);
        }
        else
        {
            rv = lines[0];
            if (lines.Count > 1)
            {
                rv += "\n" + string.Join("\n", lines.Skip(1).Select(l => l.Length > 0 ? indention + l : l));
            }
        }

        return first ? indention + rv : rv;
    }

    private static object? ToFloat(object? v, object? fallback)
    {
        return v switch
        {
            double d => d,
            long or bool => Py.ToDouble(v),
            string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => fallback,
        };
    }

    private static object? ToInt(object? v, object? fallback, int numberBase)
    {
        switch (v)
        {
            case long or bool:
                return Py.ToLong(v);
            case double d:
                return (long)Math.Truncate(d);
            case string s:
                s = s.Trim().Replace("_", string.Empty, StringComparison.Ordinal);
                try
                {
                    if (numberBase != 10)
                    {
                        return Convert.ToInt64(s, numberBase);
                    }
                }
                catch (FormatException)
                {
                    return fallback;
                }
                catch (OverflowException)
                {
                    return fallback;
                }
                catch (ArgumentException)
                {
                    return fallback;
                }

                if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    return l;
                }

                return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? (long)Math.Truncate(f) : fallback;
            default:
                return fallback;
        }
    }

    private static object? Round(object? v, int precision, string method)
    {
        if (v is long or bool)
        {
            return Py.ToLong(v);
        }

        var d = Py.ToDouble(v);
        var factor = Math.Pow(10, precision);
        return method switch
        {
            "common" => Math.Round(d, Math.Clamp(precision, 0, 15), MidpointRounding.ToEven),
            "ceil" => Math.Ceiling(d * factor) / factor,
            "floor" => Math.Floor(d * factor) / factor,
            _ => throw Py.Error("method must be common, ceil or floor"),
        };
    }

    private static string Truncate(string s, long length, bool killwords, string end, long leeway)
    {
        if (leeway < 0)
        {
            throw Py.Error("expected leeway >= 0");
        }

        if (length < end.Length)
        {
            throw Py.Error("expected length >= len(end)");
        }

        if (s.Length - leeway <= length)
        {
            return s;
        }

        if (killwords)
        {
            return s[..(int)Math.Max(0, length - end.Length)] + end;
        }

        var result = s[..(int)Math.Max(0, length - end.Length)];
        var space = result.LastIndexOf(' ');
        return (space >= 0 ? result[..space] : result) + end;
    }

    private static List<object?> Batch(object? v, int size, object? fill, bool hasFill)
    {
        var result = new List<object?>();
        List<object?>? current = null;
        foreach (var item in Py.Iterate(v))
        {
            current ??= [];
            current.Add(Py.Normalize(item));
            if (current.Count == size)
            {
                result.Add(current);
                current = null;
            }
        }

        if (current is not null)
        {
            while (hasFill && current.Count < size)
            {
                current.Add(fill);
            }

            result.Add(current);
        }

        return result;
    }

    /// <summary>The value at a dotted path such as <c>"function.name"</c> or <c>"0.name"</c>, as Jinja's attribute getters do.</summary>
    public static object? GetPath(object? item, string path)
    {
        foreach (var part in path.Split('.'))
        {
            item = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                ? Ops.GetItem(item, index)
                : Ops.GetItem(item, part);
        }

        return item;
    }

    private static IEnumerable<object?> Attribute(RenderContext _, object? v, object? attribute)
    {
        var items = Py.Iterate(v).Select(Py.Normalize);
        return attribute is null or Undefined ? items : items.Select(x => GetPath(x, Py.Str(attribute)));
    }

    private static List<object?> Map(RenderContext context, object? value, CallArgs a)
    {
        var items = Py.Iterate(value).Select(Py.Normalize).ToList();
        var attribute = a.Get(-1, "attribute");
        if (attribute is not null and not Undefined)
        {
            var hasDefault = a.Has(-1, "default");
            var fallback = a.Get(-1, "default");
            return items.Select(x => GetPath(x, Py.Str(attribute)) is var r && r is Undefined && hasDefault ? fallback : r).ToList();
        }

        if (a.Positional.Count == 0 || a.Positional[0] is not string filterName)
        {
            throw Py.Error("map requires a filter name or attribute=...");
        }

        if (!All.TryGetValue(filterName, out var filter))
        {
            throw Py.Error($"unsupported filter '{filterName}'");
        }

        var rest = new CallArgs(a.Positional.Skip(1).ToList(), a.Named);
        return items.Select(x => filter(context, x, rest)).ToList();
    }

    private static List<object?> Select(RenderContext context, object? value, CallArgs a, bool byAttribute, bool keep)
    {
        var items = Py.Iterate(value).Select(Py.Normalize).ToList();
        var offset = byAttribute ? 1 : 0;
        var attribute = byAttribute ? Py.Str(a.Get(0, "attribute")) : null;
        TestFunction test;
        CallArgs testArgs;
        if (a.Positional.Count > offset)
        {
            var testName = Py.Str(a.Positional[offset]);
            if (!JinjaTests.All.TryGetValue(testName, out var t))
            {
                throw Py.Error($"unsupported test '{testName}'");
            }

            test = t;
            testArgs = new CallArgs(a.Positional.Skip(offset + 1).ToList(), a.Named);
        }
        else
        {
            test = (_, x, _) => Py.Truthy(x);
            testArgs = CallArgs.Empty;
        }

        return items.Where(x => test(context, attribute is null ? x : GetPath(x, attribute), testArgs) == keep).ToList();
    }

    private static object? SortKey(object? x, bool caseSensitive)
        => !caseSensitive && x is string s ? s.ToLowerInvariant() : x;

    private static List<object?> Sort(RenderContext context, object? value, bool reverse, bool caseSensitive, object? attribute)
    {
        var items = Py.Iterate(value).Select(Py.Normalize).ToList();
        var keys = items.Select(x => SortKey(attribute is null or Undefined ? x : GetPath(x, Py.Str(attribute)), caseSensitive)).ToList();
        var order = Enumerable.Range(0, items.Count).ToList();
        StableSort(order, (i, j) =>
        {
            var c = Py.Compare(keys[i], keys[j], "<");
            return c != 0 ? (reverse ? -c : c) : i.CompareTo(j);
        });
        _ = context;
        return order.Select(i => items[i]).ToList();
    }

    /// <summary>Sorts with a comparer that may throw a template error (values that do not compare), which List.Sort would wrap.</summary>
    private static void StableSort<TItem>(List<TItem> items, Comparison<TItem> comparison)
    {
        RenderBudget.Current.Charge(items.Count * (long)Math.Max(1, Math.Log2(Math.Max(1, items.Count))));
        try
        {
            items.Sort(comparison);
        }
        catch (InvalidOperationException e) when (e.InnerException is TemplateException inner)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);
        }
    }

    private static List<object?> DictSort(object? value, bool caseSensitive, string by, bool reverse)
    {
        if (value is not IReadOnlyDictionary<string, object?> d)
        {
            throw Py.Error("You can only sort by either \"key\" or \"value\" of a mapping");
        }

        var pairs = d.Select(kv => (Key: kv.Key, Value: Py.Normalize(kv.Value))).ToList();
        var pos = by switch
        {
            "key" => 0,
            "value" => 1,
            _ => throw Py.Error("You can only sort by either \"key\" or \"value\""),
        };
        var sorted = pairs.Select((p, i) => (p, i)).ToList();
        StableSort(sorted, (x, y) =>
        {
            var c = Py.Compare(SortKey(pos == 0 ? x.p.Key : x.p.Value, caseSensitive), SortKey(pos == 0 ? y.p.Key : y.p.Value, caseSensitive), "<");
            return c != 0 ? (reverse ? -c : c) : x.i.CompareTo(y.i);
        });
        return sorted.Select(x => (object?)new TupleValue([x.p.Key, x.p.Value])).ToList();
    }

    private static List<object?> Unique(RenderContext _, object? value, bool caseSensitive, object? attribute)
    {
        var result = new List<object?>();
        var seen = new List<object?>();
        foreach (var x in Py.Iterate(value).Select(Py.Normalize))
        {
            var key = SortKey(attribute is null or Undefined ? x : GetPath(x, Py.Str(attribute)), caseSensitive);
            RenderBudget.Current.Charge(seen.Count);
            if (!seen.Exists(s => Py.Equal(s, key)))
            {
                seen.Add(key);
                result.Add(x);
            }
        }

        return result;
    }

    private static object? MinMax(RenderContext _, object? value, CallArgs a, bool max)
    {
        var caseSensitive = Py.Truthy(a.Get(0, "case_sensitive", false));
        var attribute = a.Get(1, "attribute");
        var items = Py.Iterate(value).Select(Py.Normalize).ToList();
        if (items.Count == 0)
        {
            return new Undefined($"No aggregated item, sequence was empty.");
        }

        var best = items[0];
        foreach (var x in items.Skip(1))
        {
            var kx = SortKey(attribute is null or Undefined ? x : GetPath(x, Py.Str(attribute)), caseSensitive);
            var kb = SortKey(attribute is null or Undefined ? best : GetPath(best, Py.Str(attribute)), caseSensitive);
            var c = Py.Compare(kx, kb, "<");
            if (max ? c > 0 : c < 0)
            {
                best = x;
            }
        }

        return best;
    }

    private static string ToJson(object? v, CallArgs a)
    {
        var indentArg = a.Get(1, "indent");
        string? indent = indentArg switch
        {
            null or Undefined => null,
            string s => s,
            _ => new string(' ', Width(indentArg)),
        };
        var ensureAscii = Py.Truthy(a.Get(0, "ensure_ascii", false));
        var (itemSep, keySep) = indent is null ? (", ", ": ") : (",", ": ");
        if (a.Get(2, "separators") is IReadOnlyList<object?> { Count: 2 } seps)
        {
            itemSep = Py.Str(seps[0]);
            keySep = Py.Str(seps[1]);
        }

        return Py.ToJson(v, indent, ensureAscii, Py.Truthy(a.Get(3, "sort_keys", false)), itemSep, keySep);
    }

    /// <summary>Python's <c>%</c> string formatting for %s, %r, %d, %i, %f (with precision) and %%.</summary>
    public static string PercentFormat(string format, IReadOnlyList<object?> args)
    {
        var budget = RenderBudget.Current;
        var sb = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            budget.Size(sb.Length);
            if (format[i] != '%')
            {
                sb.Append(format[i]);
                continue;
            }

            var j = i + 1;
            while (j < format.Length && (char.IsAsciiDigit(format[j]) || format[j] is '.' or '-' or '+' or ' '))
            {
                j++;
            }

            if (j >= format.Length)
            {
                throw Py.Error("incomplete format");
            }

            var spec = format[(i + 1)..j];
            var conv = format[j];
            i = j;
            if (conv == '%')
            {
                sb.Append('%');
                continue;
            }

            if (next >= args.Count)
            {
                throw Py.Error("not enough arguments for format string");
            }

            var arg = args[next++];
            var dot = spec.IndexOf('.', StringComparison.Ordinal);
            var precision = dot >= 0 && int.TryParse(spec.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 6;
            budget.Size(precision);
            sb.Append(conv switch
            {
                's' => Py.Str(arg),
                'r' => Py.Repr(arg),
                'd' or 'i' => Py.ToLong(arg is double d ? Math.Truncate(d) : arg).ToString(CultureInfo.InvariantCulture),
                'f' or 'F' => Py.ToDouble(arg).ToString("F" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
                _ => throw Py.Error($"unsupported format character '{conv}'"),
            });
        }

        budget.Allocate(sb.Length);
        return sb.ToString();
    }
}

/// <summary>Jinja2's built-in tests.</summary>
internal static class JinjaTests
{
    public static readonly IReadOnlyDictionary<string, TestFunction> All = Build();

    private static Dictionary<string, TestFunction> Build()
    {
        var t = new Dictionary<string, TestFunction>(StringComparer.Ordinal)
        {
            ["boolean"] = (_, v, _) => v is bool,
            ["callable"] = (_, v, _) => v is ICallableValue,
            ["defined"] = (_, v, _) => v is not Undefined,
            ["divisibleby"] = (_, v, a) => Py.ToLong(a.Get(0, "num")) is var num && num != 0
                ? num == -1 || Py.ToLong(v) % num == 0
                : throw Py.Error("integer division or modulo by zero"),
            ["eq"] = (_, v, a) => Py.Equal(v, a.Get(0, "other")),
            ["even"] = (_, v, _) => Py.ToLong(v) % 2 == 0,
            ["false"] = (_, v, _) => v is false,
            ["float"] = (_, v, _) => v is double,
            ["ge"] = (_, v, a) => Py.Compare(v, a.Get(0, "other"), ">=") >= 0,
            ["gt"] = (_, v, a) => Py.Compare(v, a.Get(0, "other"), ">") > 0,
            ["in"] = (_, v, a) => Py.Contains(a.Get(0, "seq"), v),
            ["integer"] = (_, v, _) => v is long,
            ["iterable"] = (_, v, _) => Py.IsIterable(v),
            ["le"] = (_, v, a) => Py.Compare(v, a.Get(0, "other"), "<=") <= 0,
            ["lower"] = (_, v, _) => Py.Str(v) is var s && s.Any(char.IsLetter) && !s.Any(char.IsUpper),
            ["lt"] = (_, v, a) => Py.Compare(v, a.Get(0, "other"), "<") < 0,
            ["mapping"] = (_, v, _) => v is IReadOnlyDictionary<string, object?>,
            ["ne"] = (_, v, a) => !Py.Equal(v, a.Get(0, "other")),
            ["none"] = (_, v, _) => v is null,
            ["number"] = (_, v, _) => Py.IsNumber(v),
            ["odd"] = (_, v, _) => Py.ToLong(v) % 2 != 0,
            ["sameas"] = (_, v, a) => a.Get(0, "other") is var o && (ReferenceEquals(v, o) || (v is bool or null && Py.Equal(v, o) && (o is bool or null))),
            ["sequence"] = (_, v, _) => v is string or IReadOnlyList<object?> or IReadOnlyDictionary<string, object?>,
            ["string"] = (_, v, _) => v is string,
            ["true"] = (_, v, _) => v is true,
            ["undefined"] = (_, v, _) => v is Undefined,
            ["upper"] = (_, v, _) => Py.Str(v) is var s && s.Any(char.IsLetter) && !s.Any(char.IsLower),
            ["escaped"] = (_, _, _) => false,
            ["filter"] = (_, v, _) => v is string s && Filters.All.ContainsKey(s),
            ["test"] = (_, v, _) => v is string s && All.ContainsKey(s),
        };
        t["equalto"] = t["eq"];
        t["=="] = t["eq"];
        t["!="] = t["ne"];
        t["<"] = t["lt"];
        t["<="] = t["le"];
        t[">"] = t["gt"];
        t[">="] = t["ge"];
        t["greaterthan"] = t["gt"];
        t["lessthan"] = t["lt"];
        return t;
    }
}
