using System.Globalization;
using System.Text;

namespace Bytez.Engine.Templating;

/// <summary>One scope of variables: the template, a loop iteration, a macro call, a with block.</summary>
internal sealed class Frame(Frame? parent)
{
    public Frame? Parent { get; } = parent;

    public Dictionary<string, object?> Variables { get; } = new(StringComparer.Ordinal);

    public bool TryGet(string name, out object? value)
    {
        for (var f = this; f is not null; f = f.Parent)
        {
            if (f.Variables.TryGetValue(name, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }
}

/// <summary>The state of one render: the current frame, the caller's variables and what the render may still spend.</summary>
internal sealed class RenderContext(IReadOnlyDictionary<string, object?> globals, RenderBudget budget)
{
    public Frame Frame { get; set; } = new(null);

    public RenderBudget Budget { get; } = budget;

    public object? Resolve(string name)
    {
        if (Frame.TryGet(name, out var value))
        {
            return value;
        }

        if (globals.TryGetValue(name, out value))
        {
            return Py.Normalize(value);
        }

        return Builtins.Globals.TryGetValue(name, out var builtin) ? builtin : Undefined.Name(name);
    }
}

/// <summary>The <c>loop</c> variable of a for loop.</summary>
internal sealed class LoopContext(IReadOnlyList<object?> items)
{
    public int Index0 { get; set; }

    public object? Get(string name) => name switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(items.Count - Index0),
        "revindex0" => (long)(items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : new Undefined("there is no previous item"),
        "nextitem" => Index0 < items.Count - 1 ? items[Index0 + 1] : new Undefined("there is no next item"),
        "cycle" => new BuiltinFunction("cycle", (_, a) => a.Positional.Count == 0
            ? throw Py.Error("no items for cycling given")
            : a.Positional[Index0 % a.Positional.Count]),
        "changed" => new BuiltinFunction("changed", (_, a) =>
        {
            var value = new TupleValue([.. a.Positional]);
            if (_lastChanged is not null && Py.Equal(_lastChanged, value))
            {
                return false;
            }

            _lastChanged = value;
            return true;
        }),
        _ => Undefined.Attribute(this, name),
    };

    private object? _lastChanged;
}

/// <summary>Operations with Jinja2 (sandboxed, immutable) semantics.</summary>
internal static class Ops
{
    private static readonly HashSet<string> UnsafeListMethods = new(StringComparer.Ordinal)
    {
        "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "__setitem__", "__delitem__",
    };

    private static readonly HashSet<string> UnsafeDictMethods = new(StringComparer.Ordinal)
    {
        "pop", "popitem", "setdefault", "update", "clear", "__setitem__", "__delitem__",
    };

    public static object? GetAttr(object? obj, string name)
    {
        switch (obj)
        {
            case Undefined u:
                throw u.Fail();
            case Namespace ns:
                return ns.Attributes.TryGetValue(name, out var v) ? v : Undefined.Attribute(obj, name);
            case LoopContext loop:
                return loop.Get(name);
            case string s:
                return Methods.ForString(s, name) ?? (object)Undefined.Attribute(obj, name);
            case IReadOnlyDictionary<string, object?> d:
                if (Methods.ForDict(d, name) is { } m)
                {
                    return m;
                }

                if (UnsafeDictMethods.Contains(name))
                {
                    throw Py.Error($"access to attribute '{name}' of 'dict' object is unsafe");
                }

                return d.TryGetValue(name, out var item) ? Py.Normalize(item) : Undefined.Attribute(obj, name);
            case IReadOnlyList<object?> l:
                if (UnsafeListMethods.Contains(name))
                {
                    throw Py.Error($"access to attribute '{name}' of '{Py.TypeName(obj)}' object is unsafe");
                }

                return Methods.ForList(l, name) ?? (object)Undefined.Attribute(obj, name);
            default:
                return Undefined.Attribute(obj, name);
        }
    }

    public static object? GetItem(object? obj, object? key)
    {
        switch (obj)
        {
            case Undefined u:
                throw u.Fail();
            case IReadOnlyDictionary<string, object?> d:
                {
                    var k = key as string ?? (key is long or bool or double ? Py.Str(key) : null);
                    if (k is not null && d.TryGetValue(k, out var v))
                    {
                        return Py.Normalize(v);
                    }

                    break;
                }

            case string s when key is long or bool:
                {
                    var runes = s.EnumerateRunes().ToArray();
                    var i = Py.ToLong(key);
                    if (i < 0)
                    {
                        i += runes.Length;
                    }

                    if (i >= 0 && i < runes.Length)
                    {
                        return runes[i].ToString();
                    }

                    return Undefined.Element(obj, key);
                }

            case IReadOnlyList<object?> l when key is long or bool:
                {
                    var i = Py.ToLong(key);
                    if (i < 0)
                    {
                        i += l.Count;
                    }

                    return i >= 0 && i < l.Count ? Py.Normalize(l[(int)i]) : Undefined.Element(obj, key);
                }
        }

        if (key is string name)
        {
            var attr = GetAttr(obj, name);
            return attr is Undefined && obj is not Namespace and not LoopContext ? Undefined.Attribute(obj, name) : attr;
        }

        return Undefined.Element(obj, key);
    }

    public static object? Slice(object? obj, object? start, object? stop, object? step)
    {
        if (obj is Undefined u)
        {
            throw u.Fail();
        }

        IReadOnlyList<object?> items = obj switch
        {
            string s => [.. s.EnumerateRunes().Select(r => (object?)r.ToString())],
            IReadOnlyList<object?> l => l,
            _ => throw Py.Error($"'{Py.TypeName(obj)}' object is not subscriptable"),
        };
        long n = items.Count;
        var st = step is null or Undefined ? 1 : Py.ToLong(step);
        if (st == 0)
        {
            throw Py.Error("slice step cannot be zero");
        }

        long Clamp(object? v, long dflt)
        {
            if (v is null or Undefined)
            {
                return dflt;
            }

            var i = Py.ToLong(v);
            if (i < 0)
            {
                i += n;
                if (i < 0)
                {
                    i = st < 0 ? -1 : 0;
                }
            }
            else if (i >= n)
            {
                i = st < 0 ? n - 1 : n;
            }

            return i;
        }

        var a = Clamp(start, st < 0 ? n - 1 : 0);
        var b = Clamp(stop, st < 0 ? -1 : n);
        var result = new List<object?>();
        for (var i = a; st > 0 ? i < b : i > b; i += st)
        {
            result.Add(items[(int)i]);
            if (st > 0 ? b - i <= st : i - b <= -st)
            {
                break;
            }
        }

        return obj switch
        {
            string => string.Concat(result.Cast<string>()),
            TupleValue => new TupleValue(result),
            _ => result,
        };
    }

    public static object? Call(RenderContext context, object? callee, CallArgs args)
    {
        context.Budget.Step();
        return callee switch
        {
            Undefined u => throw u.Fail(),
            ICallableValue c => c.Call(context, args),
            _ => throw Py.Error($"'{Py.TypeName(callee)}' object is not callable"),
        };
    }

    public static object? Binary(string op, object? a, object? b)
    {
        if (a is Undefined ua)
        {
            throw ua.Fail();
        }

        if (b is Undefined ub)
        {
            throw ub.Fail();
        }

        switch (op)
        {
            case "+":
                if (a is string sa && b is string sb)
                {
                    RenderBudget.Current.Allocate((long)sa.Length + sb.Length);
                    return sa + sb;
                }

                if (a is string)
                {
                    throw Py.Error($"can only concatenate str (not \"{Py.TypeName(b)}\") to str");
                }

                if (a is IReadOnlyList<object?> la && b is IReadOnlyList<object?> lb && (a is TupleValue) == (b is TupleValue))
                {
                    RenderBudget.Current.Allocate((long)la.Count + lb.Count);
                    List<object?> joined = [.. la, .. lb];
                    return a is TupleValue ? new TupleValue(joined) : joined;
                }

                return Arithmetic(op, a, b, (x, y) => checked(x + y), (x, y) => x + y);
            case "-":
                return Arithmetic(op, a, b, (x, y) => checked(x - y), (x, y) => x - y);
            case "*":
                if (a is string rs && b is long or bool)
                {
                    return Repeat(rs, Py.ToLong(b));
                }

                if (b is string rs2 && a is long or bool)
                {
                    return Repeat(rs2, Py.ToLong(a));
                }

                if (a is IReadOnlyList<object?> rl && b is long or bool)
                {
                    var times = Py.ToLong(b);
                    RenderBudget.Current.Size(rl.Count, times);
                    if (times <= 0 || rl.Count == 0)
                    {
                        return a is TupleValue ? new TupleValue([]) : new List<object?>();
                    }

                    var repeated = new List<object?>(rl.Count * (int)times);
                    for (var i = 0; i < times; i++)
                    {
                        repeated.AddRange(rl);
                    }

                    return a is TupleValue ? new TupleValue(repeated) : repeated;
                }

                return Arithmetic(op, a, b, (x, y) => checked(x * y), (x, y) => x * y);
            case "/":
                CheckNumbers(op, a, b);
                if (Py.ToDouble(b) == 0)
                {
                    throw Py.Error("division by zero");
                }

                return Py.ToDouble(a) / Py.ToDouble(b);
            case "//":
                CheckNumbers(op, a, b);
                if (Py.ToDouble(b) == 0)
                {
                    throw Py.Error("integer division or modulo by zero");
                }

                return Arithmetic(op, a, b, FloorDiv, (x, y) => Math.Floor(x / y));
            case "%":
                if (a is string fmt)
                {
                    return Filters.PercentFormat(fmt, b is TupleValue t ? [.. t] : [b]);
                }

                CheckNumbers(op, a, b);
                if (Py.ToDouble(b) == 0)
                {
                    throw Py.Error("integer division or modulo by zero");
                }

                return Arithmetic(op, a, b, (x, y) => ((x % y) + y) % y, (x, y) => x - (y * Math.Floor(x / y)));
            case "**":
                CheckNumbers(op, a, b);
                if (a is not double && b is not double && Py.ToLong(b) >= 0)
                {
                    return IntegerPower(Py.ToLong(a), Py.ToLong(b));
                }

                return Math.Pow(Py.ToDouble(a), Py.ToDouble(b));
            default:
                throw Py.Error($"unknown operator '{op}'");
        }
    }

    /// <summary>Python's <c>str * n</c>, the result's size checked before it is built.</summary>
    private static string Repeat(string s, long times)
    {
        RenderBudget.Current.Size(s.Length, times);
        if (times <= 0 || s.Length == 0)
        {
            return string.Empty;
        }

        var sb = new StringBuilder(s.Length * (int)times);
        for (var i = 0; i < times; i++)
        {
            sb.Append(s);
        }

        return sb.ToString();
    }

    /// <summary><c>x ** n</c> on integers by squaring (a float once it leaves the 64-bit range, as Python's big integers print alike for the sizes templates use).</summary>
    private static object IntegerPower(long x, long n)
    {
        try
        {
            long result = 1;
            var b = x;
            var e = n;
            while (e > 0)
            {
                if ((e & 1) != 0)
                {
                    result = checked(result * b);
                }

                e >>= 1;
                if (e > 0)
                {
                    b = checked(b * b);
                }
            }

            return result;
        }
        catch (OverflowException)
        {
            return Math.Pow(x, n);
        }
    }

    private static long FloorDiv(long x, long y)
    {
        var q = x / y;
        return (x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q;
    }

    private static void CheckNumbers(string op, object? a, object? b)
    {
        if (!Py.IsNumber(a) || !Py.IsNumber(b))
        {
            throw Py.Error($"unsupported operand type(s) for {op}: '{Py.TypeName(a)}' and '{Py.TypeName(b)}'");
        }
    }

    private static object Arithmetic(string op, object? a, object? b, Func<long, long, long> onLongs, Func<double, double, double> onDoubles)
    {
        CheckNumbers(op, a, b);
        if (a is double || b is double)
        {
            return onDoubles(Py.ToDouble(a), Py.ToDouble(b));
        }

        try
        {
            return onLongs(Py.ToLong(a), Py.ToLong(b));
        }
        catch (OverflowException)
        {
            return onDoubles(Py.ToDouble(a), Py.ToDouble(b));
        }
    }

    public static string Escape(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&#34;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }

        return sb.ToString();
    }

    public static string Strftime(DateTimeOffset now, string format)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                sb.Append(format[i]);
                continue;
            }

            var c = format[++i];
            var noPad = false;
            if (c == '-' && i + 1 < format.Length)
            {
                noPad = true;
                c = format[++i];
            }

            string Num(int v, int width) => noPad ? v.ToString(inv) : v.ToString(new string('0', width), inv);
            sb.Append(c switch
            {
                'Y' => now.Year.ToString(inv),
                'y' => Num(now.Year % 100, 2),
                'm' => Num(now.Month, 2),
                'd' => Num(now.Day, 2),
                'e' => now.Day.ToString(inv).PadLeft(2),
                'H' => Num(now.Hour, 2),
                'I' => Num(now.Hour % 12 == 0 ? 12 : now.Hour % 12, 2),
                'M' => Num(now.Minute, 2),
                'S' => Num(now.Second, 2),
                'f' => (now.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", inv),
                'p' => now.Hour < 12 ? "AM" : "PM",
                'b' or 'h' => now.ToString("MMM", inv),
                'B' => now.ToString("MMMM", inv),
                'a' => now.ToString("ddd", inv),
                'A' => now.ToString("dddd", inv),
                'j' => Num(now.DayOfYear, 3),
                'w' => ((int)now.DayOfWeek).ToString(inv),
                'z' => now.ToString("zzz", inv).Replace(":", string.Empty, StringComparison.Ordinal),
                'Z' => now.Offset == TimeSpan.Zero ? "UTC" : string.Empty,
                'F' => now.ToString("yyyy-MM-dd", inv),
                'T' => now.ToString("HH:mm:ss", inv),
                '%' => "%",
                _ => "%" + c,
            });
        }

        return sb.ToString();
    }
}
