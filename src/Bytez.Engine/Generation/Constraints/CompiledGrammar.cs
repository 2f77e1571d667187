namespace Bytez.Engine.Generation.Constraints;

/// <summary>
/// A compiled output grammar: a pushdown automaton over the bytes of the generated text (UTF-8), built from a
/// <see cref="GrammarPattern"/> (a JSON Schema, any JSON object, literal text, or a sequence of them). Immutable and
/// shared by every sequence that uses it; <see cref="GrammarMatcher"/> walks it, <see cref="TokenConstraint"/> turns it
/// into a token mask.
/// </summary>
public sealed class CompiledGrammar
{
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<TokenVocabulary, TokenMaskCache> _masks = [];

    internal const byte KindEnd = 0;
    internal const byte KindBytes = 1;
    internal const byte KindRule = 2;

    /// <summary>
    /// The most rules that get a dispatch table (256 bytes each, so at most 1 MiB per grammar); further rules are
    /// matched alternative by alternative, which gives the same result.
    /// </summary>
    internal const int MaxDispatchTables = 4096;

    internal CompiledGrammar(byte[] kinds, int[] args, ulong[] sets, int[] ruleStarts, int[] altStarts, int root, bool dispatch = true)
    {
        Kinds = kinds;
        Args = args;
        Sets = sets;
        RuleStarts = ruleStarts;
        AltStarts = altStarts;
        Root = root;
        (RuleDispatch, DispatchTables) = dispatch ? BuildDispatch() : (Enumerable.Repeat(-1, ruleStarts.Length - 1).ToArray(), []);
    }

    /// <summary>Per position: end of an alternative, a byte set, or a rule reference.</summary>
    internal byte[] Kinds { get; }

    /// <summary>Per position: the byte set's index (into <see cref="Sets"/>, four words each) or the rule.</summary>
    internal int[] Args { get; }

    /// <summary>256-bit byte sets, four <see cref="ulong"/> each.</summary>
    internal ulong[] Sets { get; }

    /// <summary>Rule r's alternatives are <c>AltStarts[RuleStarts[r]..RuleStarts[r + 1]]</c>.</summary>
    internal int[] RuleStarts { get; }

    /// <summary>The first position of each alternative.</summary>
    internal int[] AltStarts { get; }

    /// <summary>The rule the whole text must match.</summary>
    internal int Root { get; }

    /// <summary>How many positions the automaton has (a measure of its size).</summary>
    public int Size => Kinds.Length;

    /// <summary>
    /// Per rule: the index of its dispatch table, or -1. A rule gets one when each of its (two to 255) alternatives starts
    /// with a byte set and no two sets share a byte, as a JSON string character does (ASCII, escape, each UTF-8 lead byte):
    /// the next byte then picks the alternative, so the matcher keeps one parse head for the rule instead of one per
    /// alternative.
    /// </summary>
    internal int[] RuleDispatch { get; }

    /// <summary>256 bytes per table: for each byte, 1 + the index (within the rule) of the alternative it starts, or 0.</summary>
    internal byte[] DispatchTables { get; }

    /// <summary>The grammar without dispatch tables (every alternative its own parse head): the reference the fast path is tested against.</summary>
    internal CompiledGrammar WithoutDispatch() => new(Kinds, Args, Sets, RuleStarts, AltStarts, Root, dispatch: false);

    /// <summary>The token masks of this grammar over <paramref name="vocabulary"/>, shared by every sequence (bounded: <see cref="TokenMaskCache.MaxBytes"/>).</summary>
    internal TokenMaskCache MasksFor(TokenVocabulary vocabulary) => _masks.GetValue(vocabulary, static _ => new TokenMaskCache());

    /// <summary>Whether byte <paramref name="b"/> is in the set at <paramref name="position"/>.</summary>
    internal bool Contains(int position, byte b) => (Sets[(Args[position] << 2) + (b >> 6)] & (1UL << (b & 63))) != 0;

    /// <summary>
    /// The position right after the byte set that starts the alternative of dispatched <paramref name="rule"/> that
    /// <paramref name="b"/> opens, or -1 when no alternative starts with <paramref name="b"/>.
    /// </summary>
    internal int DispatchNext(int rule, byte b)
    {
        var alt = DispatchTables[(RuleDispatch[rule] << 8) + b];
        return alt == 0 ? -1 : AltStarts[RuleStarts[rule] + alt - 1] + 1;
    }

    private (int[] RuleDispatch, byte[] Tables) BuildDispatch()
    {
        var rules = RuleStarts.Length - 1;
        var dispatch = new int[rules];
        var tables = new List<byte>();
        Span<byte> table = stackalloc byte[256];
        for (var r = 0; r < rules; r++)
        {
            dispatch[r] = -1;
            var count = RuleStarts[r + 1] - RuleStarts[r];
            if (count is < 2 or > 255 || tables.Count >= MaxDispatchTables * 256)
            {
                continue;
            }

            table.Clear();
            var ok = true;
            for (var a = 0; a < count && ok; a++)
            {
                var start = AltStarts[RuleStarts[r] + a];
                if (Kinds[start] != KindBytes)
                {
                    ok = false;
                    break;
                }

                for (var b = 0; b < 256; b++)
                {
                    if (Contains(start, (byte)b))
                    {
                        if (table[b] != 0)
                        {
                            ok = false;
                            break;
                        }

                        table[b] = (byte)(a + 1);
                    }
                }
            }

            if (ok)
            {
                dispatch[r] = tables.Count / 256;
                foreach (var t in table)
                {
                    tables.Add(t);
                }
            }
        }

        return (dispatch, [.. tables]);
    }
}
