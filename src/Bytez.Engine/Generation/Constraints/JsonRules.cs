using static Bytez.Engine.Generation.Constraints.GrammarBuilder;

namespace Bytez.Engine.Generation.Constraints;

/// <summary>
/// The building blocks of JSON in a <see cref="GrammarBuilder"/>: bounded whitespace, string characters (UTF-8
/// validated, escapes that decode to one code point each), numbers with bounded digit runs, and any value. Each rule
/// is made once per grammar.
/// </summary>
internal sealed class JsonRules
{
    /// <summary>The most whitespace characters between two tokens of JSON (models like to indent, but never without end).</summary>
    public const int MaxWhitespace = 24;

    /// <summary>The most digits of an integer part, and of a fraction.</summary>
    public const int MaxDigits = 18;

    private int _ws = -1, _char = -1, _string = -1, _number = -1, _integer = -1, _value = -1, _object = -1, _array = -1, _hex = -1;

    public JsonRules(GrammarBuilder g) => G = g;

    public GrammarBuilder G { get; }

    /// <summary>Up to <see cref="MaxWhitespace"/> of space, tab, line feed, carriage return.</summary>
    public Symbol Ws
    {
        get
        {
            if (_ws < 0)
            {
                var white = G.Set([(0x20, 0x20), (0x09, 0x0A), (0x0D, 0x0D)]);
                var next = G.Empty();
                for (var i = 0; i < MaxWhitespace; i++)
                {
                    next = G.Rule([], [white, Ref(next)]);
                }

                _ws = next;
            }

            return Ref(_ws);
        }
    }

    /// <summary>Four hexadecimal digits' first one, as a set.</summary>
    public Symbol Hex => G.Set([((byte)'0', (byte)'9'), ((byte)'a', (byte)'f'), ((byte)'A', (byte)'F')]);

    /// <summary>One character of a JSON string's content (one code point).</summary>
    public Symbol Char
    {
        get
        {
            if (_char < 0)
            {
                var cont = G.Range(0x80, 0xBF);
                var hex = Hex;
                // \u escapes of surrogates are left out: a pair would count as two characters here and one for a validator.
                _hex = G.Rule(
                    [G.Set([((byte)'0', (byte)'9'), ((byte)'a', (byte)'c'), ((byte)'A', (byte)'C'), ((byte)'e', (byte)'f'), ((byte)'E', (byte)'F')]), hex, hex, hex],
                    [G.Set([((byte)'d', (byte)'d'), ((byte)'D', (byte)'D')]), G.Range((byte)'0', (byte)'7'), hex, hex]);
                var escape = G.Rule(
                    [G.Set([((byte)'"', (byte)'"'), ((byte)'\\', (byte)'\\'), ((byte)'/', (byte)'/'), ((byte)'b', (byte)'b'), ((byte)'f', (byte)'f'), ((byte)'n', (byte)'n'), ((byte)'r', (byte)'r'), ((byte)'t', (byte)'t')])],
                    [G.Byte((byte)'u'), Ref(_hex)]);
                // Every alternative starts with its own bytes, so the matcher keeps one head for a character (CompiledGrammar.RuleDispatch).
                _char = G.Rule(
                    [G.Set([(0x20, 0x21), (0x23, 0x5B), (0x5D, 0x7F)])],
                    [G.Byte((byte)'\\'), Ref(escape)],
                    [G.Range(0xC2, 0xDF), cont],
                    [G.Byte(0xE0), G.Range(0xA0, 0xBF), cont],
                    [G.Set([(0xE1, 0xEC), (0xEE, 0xEF)]), cont, cont],
                    [G.Byte(0xED), G.Range(0x80, 0x9F), cont],
                    [G.Byte(0xF0), G.Range(0x90, 0xBF), cont, cont],
                    [G.Range(0xF1, 0xF3), cont, cont, cont],
                    [G.Byte(0xF4), G.Range(0x80, 0x8F), cont, cont]);
            }

            return Ref(_char);
        }
    }

    /// <summary>Any JSON string.</summary>
    public Symbol String
    {
        get
        {
            if (_string < 0)
            {
                _string = StringOfLength(0, null);
            }

            return Ref(_string);
        }
    }

    /// <summary>A string of <paramref name="min"/> to <paramref name="max"/> characters (no upper bound when null).</summary>
    public int StringOfLength(int min, int? max)
    {
        var quote = G.Byte((byte)'"');
        var c = Char;
        int tail;
        var last = max ?? min;
        if (max is null)
        {
            tail = G.NewRule();
            G.Add(tail, quote);
            G.Add(tail, c, Ref(tail));
        }
        else
        {
            tail = G.Rule([quote]);
        }

        // Built from the end: rule j matches the rest after j characters.
        for (var j = last - 1; j >= 0; j--)
        {
            tail = j >= min ? G.Rule([quote], [c, Ref(tail)]) : G.Rule([c, Ref(tail)]);
        }

        return G.Rule([quote, Ref(tail)]);
    }

    /// <summary>Between <paramref name="min"/> and <paramref name="max"/> decimal digits.</summary>
    public Symbol[] Digits(int min, int max)
    {
        var digit = G.Range((byte)'0', (byte)'9');
        var tail = G.Empty();
        for (var j = max - 1; j >= 0; j--)
        {
            tail = j >= min ? G.Rule([], [digit, Ref(tail)]) : G.Rule([digit, Ref(tail)]);
        }

        return [Ref(tail)];
    }

    /// <summary>A JSON integer: optional minus, no leading zeros, at most <see cref="MaxDigits"/> digits.</summary>
    public Symbol Integer
    {
        get
        {
            if (_integer < 0)
            {
                var unsigned = G.Rule([G.Byte((byte)'0')], [G.Range((byte)'1', (byte)'9'), .. Digits(0, MaxDigits - 1)]);
                _integer = G.Rule([Ref(unsigned)], [G.Byte((byte)'-'), Ref(unsigned)]);
            }

            return Ref(_integer);
        }
    }

    /// <summary>A JSON number: an integer, an optional fraction and an optional exponent of up to three digits.</summary>
    public Symbol Number
    {
        get
        {
            if (_number < 0)
            {
                var fraction = G.Rule([], [G.Byte((byte)'.'), .. Digits(1, MaxDigits)]);
                var sign = G.Rule([], [G.Set([((byte)'+', (byte)'+'), ((byte)'-', (byte)'-')])]);
                var exponent = G.Rule([], [G.Set([((byte)'e', (byte)'e'), ((byte)'E', (byte)'E')]), Ref(sign), .. Digits(1, 3)]);
                _number = G.Rule([Integer, Ref(fraction), Ref(exponent)]);
            }

            return Ref(_number);
        }
    }

    /// <summary>Any JSON value.</summary>
    public Symbol Value
    {
        get
        {
            if (_value < 0)
            {
                _value = G.NewRule();
                G.Add(_value, Object);
                G.Add(_value, Array);
                G.Add(_value, String);
                G.Add(_value, Number);
                G.Add(_value, G.Literal("true"));
                G.Add(_value, G.Literal("false"));
                G.Add(_value, G.Literal("null"));
            }

            return Ref(_value);
        }
    }

    /// <summary>Any JSON object (members of any value).</summary>
    public Symbol Object
    {
        get
        {
            if (_object < 0)
            {
                _object = G.NewRule();
                var value = Value;
                G.Add(_object, [G.Byte((byte)'{'), Ws, Ref(Members([], 0, value))]);
            }

            return Ref(_object);
        }
    }

    /// <summary>Any JSON array.</summary>
    public Symbol Array
    {
        get
        {
            if (_array < 0)
            {
                _array = G.NewRule();
                var value = Value;
                G.Add(_array, [G.Byte((byte)'['), Ws, Ref(Items([], value, 0, null))]);
            }

            return Ref(_array);
        }
    }

    /// <summary>A property of an object: its key and its value's rule, and whether it must be present.</summary>
    public readonly record struct Property(string Name, Symbol Value, bool Required);

    /// <summary>
    /// What follows an object's <c>{</c> and whitespace: the properties in the given order (optional ones may be left
    /// out), then, when <paramref name="extra"/> is given, any further members of that value, then <c>}</c>.
    /// </summary>
    /// <param name="properties">The declared properties, in the order they are written.</param>
    /// <param name="from">The first property still to write.</param>
    /// <param name="extra">The value of further members, or <see langword="null"/> for none.</param>
    public int Members(IReadOnlyList<Property> properties, int from, Symbol? extra)
    {
        // after[i, h]: the rest from property i on, h = whether a member was written already (a comma is due).
        var n = properties.Count;
        var after = new int[n + 1, 2];
        var comma = new[] { Ws, G.Byte((byte)','), Ws };
        var closeAfterMember = new[] { Ws, G.Byte((byte)'}') };
        if (extra is { } value)
        {
            var member = G.Rule([String, Ws, G.Byte((byte)':'), Ws, value]);
            var more = G.NewRule();
            G.Add(more, [.. comma, Ref(member), Ref(more)]);
            G.Add(more, closeAfterMember);
            after[n, 1] = more;
            after[n, 0] = G.Rule([Ref(member), Ref(more)], [G.Byte((byte)'}')]);
        }
        else
        {
            after[n, 1] = G.Rule(closeAfterMember);
            after[n, 0] = G.Rule([G.Byte((byte)'}')]);
        }

        for (var i = n - 1; i >= from; i--)
        {
            var p = properties[i];
            var key = G.Literal(JsonLiteral.String(p.Name));
            for (var h = 0; h < 2; h++)
            {
                var rule = G.NewRule();
                G.Add(rule, [.. h == 1 ? comma : [], .. key, Ws, G.Byte((byte)':'), Ws, p.Value, Ref(after[i + 1, 1])]);
                if (!p.Required)
                {
                    G.Add(rule, Ref(after[i + 1, h]));
                }

                after[i, h] = rule;
            }
        }

        return after[from, 0];
    }

    /// <summary>
    /// What follows an array's <c>[</c> and whitespace: the <paramref name="prefix"/> items in order, then items of
    /// <paramref name="rest"/> (none when null), between <paramref name="min"/> and <paramref name="max"/> in all, then <c>]</c>.
    /// </summary>
    public int Items(IReadOnlyList<Symbol> prefix, Symbol? rest, int min, int? max)
    {
        var comma = new[] { Ws, G.Byte((byte)','), Ws };
        var limit = max ?? int.MaxValue;
        if (rest is null)
        {
            limit = Math.Min(limit, prefix.Count);
        }

        if (min > limit)
        {
            return G.Rule();
        }

        // Items from index `unrolled` on (when unbounded) share one self-recursive rule.
        var unrolled = max is null && rest is not null ? Math.Max(prefix.Count, min) : limit;
        if (unrolled > 100_000)
        {
            throw EngineException.BadInput("The response format's array bounds are too large (minItems/maxItems over 100000).");
        }

        int next;
        if (max is null && rest is { } item)
        {
            var star = G.NewRule();
            if (unrolled == 0)
            {
                var more = G.NewRule();
                G.Add(more, [.. comma, item, Ref(more)]);
                G.Add(more, Ws, G.Byte((byte)']'));
                G.Add(star, item, Ref(more));
                G.Add(star, G.Byte((byte)']'));
                return star;
            }

            G.Add(star, [.. comma, item, Ref(star)]);
            G.Add(star, Ws, G.Byte((byte)']'));
            next = star;
        }
        else
        {
            next = G.Rule([Ws, G.Byte((byte)']')]);
        }

        for (var i = unrolled - 1; i >= 0; i--)
        {
            var itemSymbol = i < prefix.Count ? prefix[i] : rest!.Value;
            var rule = G.NewRule();
            G.Add(rule, [.. i > 0 ? comma : [], itemSymbol, Ref(next)]);
            if (i >= min)
            {
                G.Add(rule, i > 0 ? [Ws, G.Byte((byte)']')] : [G.Byte((byte)']')]);
            }

            next = rule;
        }

        if (unrolled == 0)
        {
            return min > 0 ? G.Rule() : G.Rule([G.Byte((byte)']')]);
        }

        return next;
    }
}
