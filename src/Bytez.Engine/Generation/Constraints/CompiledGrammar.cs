namespace Bytez.Engine.Generation.Constraints;

/// <summary>
/// A compiled output grammar: a pushdown automaton over the bytes of the generated text (UTF-8), built from a
/// <see cref="GrammarPattern"/> (a JSON Schema, any JSON object, literal text, or a sequence of them). Immutable and
/// shared by every sequence that uses it; <see cref="GrammarMatcher"/> walks it, <see cref="TokenConstraint"/> turns it
/// into a token mask.
/// </summary>
public sealed class CompiledGrammar
{
    internal const byte KindEnd = 0;
    internal const byte KindBytes = 1;
    internal const byte KindRule = 2;

    internal CompiledGrammar(byte[] kinds, int[] args, ulong[] sets, int[] ruleStarts, int[] altStarts, int root)
    {
        Kinds = kinds;
        Args = args;
        Sets = sets;
        RuleStarts = ruleStarts;
        AltStarts = altStarts;
        Root = root;
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

    /// <summary>Whether byte <paramref name="b"/> is in the set at <paramref name="position"/>.</summary>
    internal bool Contains(int position, byte b) => (Sets[(Args[position] << 2) + (b >> 6)] & (1UL << (b & 63))) != 0;
}
