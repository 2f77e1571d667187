using static Bytez.Engine.Generation.Constraints.GrammarBuilder;

namespace Bytez.Engine.Generation.Constraints;

/// <summary>
/// Grammars of the string formats constrained decoding enforces: <c>date</c> (<c>YYYY-MM-DD</c>, days valid for the
/// month; 29 February is left out so no leap-year rule is needed), <c>time</c> and <c>date-time</c> (RFC 3339 with
/// <c>Z</c> or an offset, up to six fraction digits) and <c>uuid</c> (8-4-4-4-12 hexadecimal digits). Other formats
/// are annotations (as JSON Schema treats <c>format</c> by default) and leave the string free.
/// </summary>
internal static class StringFormats
{
    /// <summary>The formats enforced.</summary>
    public static IReadOnlyList<string> Enforced { get; } = ["date", "time", "date-time", "uuid"];

    /// <summary>The rule of a quoted string of <paramref name="format"/>, or <see langword="null"/> when it is not enforced.</summary>
    public static int? Build(JsonRules json, string format)
    {
        var g = json.G;
        var quote = g.Byte((byte)'"');
        return format switch
        {
            "date" => g.Rule([quote, .. Date(g), quote]),
            "time" => g.Rule([quote, .. Time(g), quote]),
            "date-time" => g.Rule([quote, .. Date(g), g.Set([((byte)'T', (byte)'T'), ((byte)'t', (byte)'t')]), .. Time(g), quote]),
            "uuid" => g.Rule([quote, .. Hex(g, 8), g.Byte((byte)'-'), .. Hex(g, 4), g.Byte((byte)'-'), .. Hex(g, 4), g.Byte((byte)'-'), .. Hex(g, 4), g.Byte((byte)'-'), .. Hex(g, 12), quote]),
            _ => null,
        };
    }

    private static Symbol D(GrammarBuilder g) => g.Range((byte)'0', (byte)'9');

    private static Symbol C(GrammarBuilder g, char c) => g.Byte((byte)c);

    private static Symbol[] Hex(GrammarBuilder g, int count)
    {
        var hex = g.Set([((byte)'0', (byte)'9'), ((byte)'a', (byte)'f'), ((byte)'A', (byte)'F')]);
        return Enumerable.Repeat(hex, count).ToArray();
    }

    private static Symbol[] Date(GrammarBuilder g)
    {
        var d = D(g);
        var day28 = g.Rule([C(g, '0'), g.Range((byte)'1', (byte)'9')], [C(g, '1'), d], [C(g, '2'), g.Range((byte)'0', (byte)'8')]);
        var day30 = g.Rule([Ref(day28)], [C(g, '2'), C(g, '9')], [C(g, '3'), C(g, '0')]);
        var day31 = g.Rule([Ref(day30)], [C(g, '3'), C(g, '1')]);
        var monthDay = g.Rule(
            [C(g, '0'), g.Set([((byte)'1', (byte)'1'), ((byte)'3', (byte)'3'), ((byte)'5', (byte)'5'), ((byte)'7', (byte)'8')]), C(g, '-'), Ref(day31)],
            [C(g, '1'), g.Set([((byte)'0', (byte)'0'), ((byte)'2', (byte)'2')]), C(g, '-'), Ref(day31)],
            [C(g, '0'), g.Set([((byte)'4', (byte)'4'), ((byte)'6', (byte)'6'), ((byte)'9', (byte)'9')]), C(g, '-'), Ref(day30)],
            [C(g, '1'), C(g, '1'), C(g, '-'), Ref(day30)],
            [C(g, '0'), C(g, '2'), C(g, '-'), Ref(day28)]);
        // Years 0001-9999 (year 0000 is not a valid date for most validators).
        var year = g.Rule([g.Range((byte)'1', (byte)'9'), d, d, d], [C(g, '0'), g.Range((byte)'1', (byte)'9'), d, d], [C(g, '0'), C(g, '0'), g.Range((byte)'1', (byte)'9'), d], [C(g, '0'), C(g, '0'), C(g, '0'), g.Range((byte)'1', (byte)'9')]);
        return [Ref(year), C(g, '-'), Ref(monthDay)];
    }

    private static Symbol[] Time(GrammarBuilder g)
    {
        var d = D(g);
        var hour = g.Rule([g.Range((byte)'0', (byte)'1'), d], [C(g, '2'), g.Range((byte)'0', (byte)'3')]);
        var sixty = g.Range((byte)'0', (byte)'5');
        var fraction = g.Rule([], [C(g, '.'), d, Ref(FractionTail(g, 5))]);
        var offset = g.Rule([g.Set([((byte)'Z', (byte)'Z'), ((byte)'z', (byte)'z')])], [g.Set([((byte)'+', (byte)'+'), ((byte)'-', (byte)'-')]), Ref(hour), C(g, ':'), sixty, d]);
        return [Ref(hour), C(g, ':'), sixty, d, C(g, ':'), sixty, d, Ref(fraction), Ref(offset)];
    }

    private static int FractionTail(GrammarBuilder g, int more)
    {
        var tail = g.Empty();
        for (var i = 0; i < more; i++)
        {
            tail = g.Rule([], [D(g), Ref(tail)]);
        }

        return tail;
    }
}
