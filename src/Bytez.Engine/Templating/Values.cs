using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Bytez.Engine.Templating;

/// <summary>Jinja2's default <c>Undefined</c>: prints as empty, is falsy and iterates as empty; anything else fails.</summary>
internal sealed class Undefined(string message)
{
    public string Message { get; } = message;

    public static Undefined Name(string name) => new($"'{name}' is undefined");

    public static Undefined Attribute(object? owner, string name) => new($"'{Py.TypeName(owner)} object' has no attribute '{name}'");

    public static Undefined Element(object? owner, object? key) => new($"{Py.TypeName(owner)} object has no element {Py.Repr(key)}");

    public TemplateException Fail() => new(TemplateErrorKind.Render, Message);
}

/// <summary>The object <c>namespace(...)</c> creates; the one kind of object <c>{% set ns.x = ... %}</c> may change.</summary>
internal sealed class Namespace
{
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}

/// <summary>A Python tuple: a fixed list that prints with parentheses.</summary>
internal sealed class TupleValue(IReadOnlyList<object?> items) : IReadOnlyList<object?>
{
    public object? this[int index] => items[index];

    public int Count => items.Count;

    public IEnumerator<object?> GetEnumerator() => items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Positional and keyword arguments of a call.</summary>
internal sealed class CallArgs
{
    public static readonly CallArgs Empty = new([], []);

    public CallArgs(List<object?> positional, List<KeyValuePair<string, object?>> named)
    {
        Positional = positional;
        Named = named;
    }

    public List<object?> Positional { get; }

    public List<KeyValuePair<string, object?>> Named { get; }

    /// <summary>The argument bound to a Python parameter at <paramref name="index"/> named <paramref name="name"/>.</summary>
    public object? Get(int index, string name, object? fallback = null)
    {
        if (index >= 0 && index < Positional.Count)
        {
            return Positional[index];
        }

        foreach (var (k, v) in Named)
        {
            if (k == name)
            {
                return v;
            }
        }

        return fallback;
    }

    public bool Has(int index, string name)
        => (index >= 0 && index < Positional.Count) || Named.Exists(kv => kv.Key == name);
}

/// <summary>Something a template can call: a macro, a built-in function, a bound method.</summary>
internal interface ICallableValue
{
    string Name { get; }

    object? Call(RenderContext context, CallArgs args);
}

internal sealed class BuiltinFunction(string name, Func<RenderContext, CallArgs, object?> body) : ICallableValue
{
    public string Name { get; } = name;

    public object? Call(RenderContext context, CallArgs args) => body(context, args);
}

internal sealed class ExternalFunction(string name, TemplateFunction function) : ICallableValue
{
    public string Name { get; } = name;

    public object? Call(RenderContext context, CallArgs args)
    {
        var kwargs = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in args.Named)
        {
            kwargs[k] = v;
        }

        return Py.Normalize(function(args.Positional, kwargs));
    }
}

/// <summary>JSON arrays seen as template lists, elements converted on access.</summary>
internal sealed class JsonArrayView(JsonElement array) : IReadOnlyList<object?>
{
    public object? this[int index] => Py.FromJson(array[index]);

    public int Count => array.GetArrayLength();

    public IEnumerator<object?> GetEnumerator()
    {
        foreach (var e in array.EnumerateArray())
        {
            yield return Py.FromJson(e);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>JSON objects seen as template dictionaries (the last of duplicate keys wins, as in Python).</summary>
internal sealed class JsonObjectView : IReadOnlyDictionary<string, object?>
{
    private readonly OrderedDictionary<string, JsonElement> _items = new(StringComparer.Ordinal);

    public JsonObjectView(JsonElement obj)
    {
        foreach (var p in obj.EnumerateObject())
        {
            _items[p.Name] = p.Value;
        }
    }

    public object? this[string key] => Py.FromJson(_items[key]);

    public IEnumerable<string> Keys => _items.Keys;

    public IEnumerable<object?> Values => _items.Values.Select(Py.FromJson);

    public int Count => _items.Count;

    public bool ContainsKey(string key) => _items.ContainsKey(key);

    public bool TryGetValue(string key, out object? value)
    {
        if (_items.TryGetValue(key, out var e))
        {
            value = Py.FromJson(e);
            return true;
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        => _items.Select(kv => new KeyValuePair<string, object?>(kv.Key, Py.FromJson(kv.Value))).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A non-generic .NET dictionary (say a <c>Dictionary&lt;string, string&gt;</c>) seen as a template dictionary.</summary>
internal sealed class DictionaryView : IReadOnlyDictionary<string, object?>
{
    private readonly OrderedDictionary<string, object?> _items = new(StringComparer.Ordinal);

    public DictionaryView(IDictionary dictionary)
    {
        foreach (DictionaryEntry e in dictionary)
        {
            _items[Py.Str(Py.Normalize(e.Key))] = e.Value;
        }
    }

    public object? this[string key] => Py.Normalize(_items[key]);

    public IEnumerable<string> Keys => _items.Keys;

    public IEnumerable<object?> Values => _items.Values.Select(Py.Normalize);

    public int Count => _items.Count;

    public bool ContainsKey(string key) => _items.ContainsKey(key);

    public bool TryGetValue(string key, out object? value)
    {
        if (_items.TryGetValue(key, out var v))
        {
            value = Py.Normalize(v);
            return true;
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        => _items.Select(kv => new KeyValuePair<string, object?>(kv.Key, Py.Normalize(kv.Value))).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Python semantics over template values: truth, str, repr, equality, ordering, iteration, JSON.</summary>
internal static class Py
{
    public static TemplateException Error(string message) => new(TemplateErrorKind.Render, message);

    /// <summary>Brings a caller's .NET value into the template's value model.</summary>
    public static object? Normalize(object? value) => value switch
    {
        null => null,
        string or bool or long or double or Undefined or Namespace or TupleValue or ICallableValue => value,
        int i => (long)i,
        JsonElement e => FromJson(e),
        IReadOnlyDictionary<string, object?> => value,
        IReadOnlyList<object?> => value,
        TemplateFunction f => new ExternalFunction("function", f),
        short or byte or sbyte or ushort or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        ulong u => u <= long.MaxValue ? (long)u : (double)u,
        float f => (double)f,
        decimal m => (double)m,
        char c => c.ToString(),
        Enum e => e.ToString(),
        IDictionary d => new DictionaryView(d),
        IEnumerable seq => seq.Cast<object?>().Select(Normalize).ToList(),
        _ => value,
    };

    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? (object)l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => new JsonArrayView(e),
        JsonValueKind.Object => new JsonObjectView(e),
        _ => null,
    };

    public static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        string => "str",
        bool => "bool",
        long => "int",
        double => "float",
        TupleValue => "tuple",
        IReadOnlyDictionary<string, object?> => "dict",
        IReadOnlyList<object?> => "list",
        Namespace => "Namespace",
        Undefined => "Undefined",
        LoopContext => "LoopContext",
        ICallableValue => "function",
        _ => v.GetType().Name,
    };

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static bool Truthy(object? v) => v switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        IReadOnlyDictionary<string, object?> d => d.Count > 0,
        IReadOnlyList<object?> l => l.Count > 0,
        _ => true,
    };

    public static string Str(object? v) => v switch
    {
        null => "None",
        string s => s,
        Undefined => string.Empty,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatFloat(d),
        _ => Repr(v),
    };

    public static string Repr(object? v)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, v);
        RenderBudget.Current.Allocate(sb.Length);
        return sb.ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? v)
    {
        var budget = RenderBudget.Current;
        budget.Size(sb.Length);
        budget.Descend();
        try
        {
            AppendReprLevel(sb, v);
        }
        finally
        {
            budget.Leave();
        }
    }

    private static void AppendReprLevel(StringBuilder sb, object? v)
    {
        v = Normalize(v);
        switch (v)
        {
            case string s:
                AppendStringRepr(sb, s);
                break;
            case TupleValue t:
                sb.Append('(');
                for (var i = 0; i < t.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    AppendRepr(sb, t[i]);
                }

                sb.Append(t.Count == 1 ? ",)" : ")");
                break;
            case IReadOnlyDictionary<string, object?> d:
                sb.Append('{');
                var first = true;
                foreach (var (k, val) in d)
                {
                    if (!first)
                    {
                        sb.Append(", ");
                    }

                    first = false;
                    AppendStringRepr(sb, k);
                    sb.Append(": ");
                    AppendRepr(sb, val);
                }

                sb.Append('}');
                break;
            case IReadOnlyList<object?> l:
                sb.Append('[');
                for (var i = 0; i < l.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    AppendRepr(sb, l[i]);
                }

                sb.Append(']');
                break;
            case Undefined:
                sb.Append("Undefined");
                break;
            case Namespace ns:
                sb.Append("<Namespace ");
                AppendRepr(sb, new Dictionary<string, object?>(ns.Attributes));
                sb.Append('>');
                break;
            case ICallableValue c:
                sb.Append("<function ").Append(c.Name).Append('>');
                break;
            case null or bool or long or double:
                sb.Append(Str(v));
                break;
            default:
                sb.Append(v.ToString());
                break;
        }
    }

    private static void AppendStringRepr(StringBuilder sb, string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        sb.Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c == quote)
                    {
                        sb.Append('\\').Append(c);
                    }
                    else if (c < 0x20 || c == 0x7f)
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append(quote);
    }

    /// <summary>Python's <c>repr(float)</c>: the shortest round-trip digits, '.0' on whole numbers, exponent from 1e16.</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        if (d == 0)
        {
            return double.IsNegative(d) ? "-0.0" : "0.0";
        }

        var shortest = d.ToString("R", CultureInfo.InvariantCulture);

        // Digits and decimal exponent of the shortest round-trip form.
        var negative = shortest.StartsWith('-');
        var body = negative ? shortest[1..] : shortest;
        int exp;
        string mantissa;
        var ePos = body.IndexOfAny(['E', 'e']);
        if (ePos >= 0)
        {
            exp = int.Parse(body[(ePos + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            mantissa = body[..ePos];
        }
        else
        {
            exp = 0;
            mantissa = body;
        }

        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = dot >= 0 ? mantissa.Remove(dot, 1) : mantissa;
        var pointPos = (dot >= 0 ? dot : mantissa.Length) + exp;
        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
        {
            lead++;
            pointPos--;
        }

        digits = digits[lead..].TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        var decimalExponent = pointPos - 1;
        var sb = new StringBuilder();
        if (negative)
        {
            sb.Append('-');
        }

        if (decimalExponent < -4 || decimalExponent >= 16)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
            {
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            }

            sb.Append('e').Append(decimalExponent < 0 ? '-' : '+').Append(Math.Abs(decimalExponent).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (pointPos <= 0)
        {
            sb.Append("0.").Append('0', -pointPos).Append(digits);
        }
        else if (pointPos >= digits.Length)
        {
            sb.Append(digits).Append('0', pointPos - digits.Length).Append(".0");
        }
        else
        {
            sb.Append(digits, 0, pointPos).Append('.').Append(digits, pointPos, digits.Length - pointPos);
        }

        return sb.ToString();
    }

    public static bool Equal(object? a, object? b)
    {
        var budget = RenderBudget.Current;
        budget.Descend();
        try
        {
            return EqualLevel(a, b);
        }
        finally
        {
            budget.Leave();
        }
    }

    private static bool EqualLevel(object? a, object? b)
    {
        a = Normalize(a);
        b = Normalize(b);
        if (a is Undefined || b is Undefined)
        {
            return a is Undefined && b is Undefined;
        }

        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double)
            {
                return ToDouble(a) == ToDouble(b);
            }

            return ToLong(a) == ToLong(b);
        }

        switch (a)
        {
            case string sa:
                return b is string sb && sa == sb;
            case IReadOnlyDictionary<string, object?> da:
                if (b is not IReadOnlyDictionary<string, object?> db || da.Count != db.Count)
                {
                    return false;
                }

                foreach (var (k, v) in da)
                {
                    if (!db.TryGetValue(k, out var w) || !Equal(v, w))
                    {
                        return false;
                    }
                }

                return true;
            case IReadOnlyList<object?> la:
                if (b is not IReadOnlyList<object?> lb || la.Count != lb.Count || (a is TupleValue) != (b is TupleValue))
                {
                    return false;
                }

                for (var i = 0; i < la.Count; i++)
                {
                    if (!Equal(la[i], lb[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return ReferenceEquals(a, b) || a.Equals(b);
        }
    }

    public static int Compare(object? a, object? b, string op)
    {
        var budget = RenderBudget.Current;
        budget.Descend();
        try
        {
            return CompareLevel(a, b, op);
        }
        finally
        {
            budget.Leave();
        }
    }

    private static int CompareLevel(object? a, object? b, string op)
    {
        if (a is Undefined ua)
        {
            throw ua.Fail();
        }

        if (b is Undefined ub)
        {
            throw ub.Fail();
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? ToDouble(a).CompareTo(ToDouble(b)) : ToLong(a).CompareTo(ToLong(b));
        }

        if (a is string sa && b is string sb)
        {
            return string.CompareOrdinal(sa, sb);
        }

        if (a is IReadOnlyList<object?> la && b is IReadOnlyList<object?> lb)
        {
            for (var i = 0; i < Math.Min(la.Count, lb.Count); i++)
            {
                if (!Equal(la[i], lb[i]))
                {
                    return Compare(la[i], lb[i], op);
                }
            }

            return la.Count.CompareTo(lb.Count);
        }

        throw Error($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static long ToLong(object? v) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d => (long)d,
        _ => throw Error($"expected a number, got '{TypeName(v)}'"),
    };

    public static double ToDouble(object? v) => v switch
    {
        double d => d,
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw Error($"expected a number, got '{TypeName(v)}'"),
    };

    /// <summary>Python's iteration: characters of a string, items of a list, keys of a dictionary.</summary>
    /// <remarks>Each item taken counts as a step of the render's budget.</remarks>
    public static IEnumerable<object?> Iterate(object? v) => v switch
    {
        Undefined => [],
        string s => Counted(s.EnumerateRunes().Select(r => (object?)r.ToString())),
        IReadOnlyDictionary<string, object?> d => Counted(d.Keys.Cast<object?>()),
        IReadOnlyList<object?> l => Counted(l.Select(Normalize)),
        _ => throw Error($"'{TypeName(v)}' object is not iterable"),
    };

    private static IEnumerable<object?> Counted(IEnumerable<object?> items)
    {
        var budget = RenderBudget.Current;
        foreach (var item in items)
        {
            budget.Step();
            yield return item;
        }
    }

    public static List<object?> ToList(object? v) => [.. Iterate(v)];

    public static bool IsIterable(object? v) => v is string or IReadOnlyDictionary<string, object?> or IReadOnlyList<object?> or Undefined;

    public static long Length(object? v) => v switch
    {
        Undefined => 0,
        string s => s.EnumerateRunes().Count(),
        IReadOnlyDictionary<string, object?> d => d.Count,
        IReadOnlyList<object?> l => l.Count,
        _ => throw Error($"object of type '{TypeName(v)}' has no len()"),
    };

    public static bool Contains(object? container, object? item) => container switch
    {
        string s => item is string sub ? s.Contains(sub, StringComparison.Ordinal)
            : throw Error($"'in <string>' requires string as left operand, not {TypeName(item)}"),
        IReadOnlyDictionary<string, object?> d => item is string k && d.ContainsKey(k),
        Undefined => false,
        IReadOnlyList<object?> l => l.Any(x => Equal(x, item)),
        _ => throw Error($"argument of type '{TypeName(container)}' is not iterable"),
    };

    /// <summary>Python's <c>json.dumps</c> as transformers' <c>tojson</c> filter calls it.</summary>
    public static string ToJson(object? v, string? indent, bool ensureAscii, bool sortKeys, string itemSeparator, string keySeparator)
    {
        var sb = new StringBuilder();
        WriteJson(sb, v, indent, ensureAscii, sortKeys, itemSeparator, keySeparator, 0);
        RenderBudget.Current.Allocate(sb.Length);
        return sb.ToString();
    }

    private static void WriteJson(StringBuilder sb, object? v, string? indent, bool ascii, bool sortKeys, string itemSep, string keySep, int level)
    {
        var budget = RenderBudget.Current;
        budget.Size(sb.Length);
        budget.Descend();
        try
        {
            WriteJsonLevel(sb, v, indent, ascii, sortKeys, itemSep, keySep, level);
        }
        finally
        {
            budget.Leave();
        }
    }

    private static void WriteJsonLevel(StringBuilder sb, object? v, string? indent, bool ascii, bool sortKeys, string itemSep, string keySep, int level)
    {
        v = Normalize(v);
        switch (v)
        {
            case null:
                sb.Append("null");
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case long l:
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : FormatFloat(d));
                break;
            case string s:
                WriteJsonString(sb, s, ascii);
                break;
            case IReadOnlyDictionary<string, object?> dict:
                {
                    IEnumerable<KeyValuePair<string, object?>> entries = dict;
                    if (sortKeys)
                    {
                        entries = entries.OrderBy(kv => kv.Key, StringComparer.Ordinal);
                    }

                    var list = entries.ToList();
                    if (list.Count == 0)
                    {
                        sb.Append("{}");
                        break;
                    }

                    sb.Append('{');
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(itemSep);
                        }

                        NewLine(sb, indent, level + 1);
                        WriteJsonString(sb, list[i].Key, ascii);
                        sb.Append(keySep);
                        WriteJson(sb, list[i].Value, indent, ascii, sortKeys, itemSep, keySep, level + 1);
                    }

                    NewLine(sb, indent, level);
                    sb.Append('}');
                    break;
                }

            case IReadOnlyList<object?> list:
                if (list.Count == 0)
                {
                    sb.Append("[]");
                    break;
                }

                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(itemSep);
                    }

                    NewLine(sb, indent, level + 1);
                    WriteJson(sb, list[i], indent, ascii, sortKeys, itemSep, keySep, level + 1);
                }

                NewLine(sb, indent, level);
                sb.Append(']');
                break;
            default:
                throw Error($"Object of type {TypeName(v)} is not JSON serializable");
        }
    }

    private static void NewLine(StringBuilder sb, string? indent, int level)
    {
        if (indent is null)
        {
            return;
        }

        RenderBudget.Current.Size(sb.Length + 1 + ((long)indent.Length * level));
        sb.Append('\n');
        for (var i = 0; i < level; i++)
        {
            sb.Append(indent);
        }
    }

    private static void WriteJsonString(StringBuilder sb, string s, bool ascii)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || (ascii && c > 0x7e))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
