namespace Bytez.Engine.Generation.Constraints;

/// <summary>
/// Builds a context-free grammar over bytes: rules of alternatives, each a sequence of byte sets and references to
/// rules. <see cref="Build"/> removes alternatives that can never finish and flattens the rest into a
/// <see cref="CompiledGrammar"/>. Producers never write left recursion: every recursive reference follows at least one byte.
/// </summary>
internal sealed class GrammarBuilder
{
    /// <summary>The most grammar positions a compiled grammar may hold (bounds memory for any schema).</summary>
    public const int MaxPositions = 2_000_000;

    private readonly List<List<Symbol[]>> _rules = [];
    private readonly List<ulong> _sets = [];
    private readonly Dictionary<(ulong, ulong, ulong, ulong), int> _setIndex = [];
    private int _positions;

    /// <summary>One symbol of an alternative: a byte set or a rule reference.</summary>
    public readonly record struct Symbol(bool IsRule, int Index);

    /// <summary>A new rule without alternatives (it matches nothing until some are added).</summary>
    public int NewRule()
    {
        _rules.Add([]);
        return _rules.Count - 1;
    }

    /// <summary>Adds an alternative to <paramref name="rule"/>.</summary>
    public void Add(int rule, params Symbol[] sequence)
    {
        _positions += sequence.Length + 1;
        if (_positions > MaxPositions)
        {
            throw EngineException.BadInput($"The response format's grammar is too large (over {MaxPositions} positions); simplify the schema (fewer properties, smaller maxLength or maxItems).");
        }

        _rules[rule].Add(sequence);
    }

    /// <summary>A new rule with the given alternatives.</summary>
    public int Rule(params Symbol[][] alternatives)
    {
        var rule = NewRule();
        foreach (var alternative in alternatives)
        {
            Add(rule, alternative);
        }

        return rule;
    }

    /// <summary>A new rule that matches only the empty text.</summary>
    public int Empty()
    {
        var rule = NewRule();
        Add(rule);
        return rule;
    }

    /// <summary>A reference to a rule.</summary>
    public static Symbol Ref(int rule) => new(true, rule);

    /// <summary>One byte.</summary>
    public Symbol Byte(byte b) => Range(b, b);

    /// <summary>Bytes from <paramref name="lo"/> to <paramref name="hi"/>, inclusive.</summary>
    public Symbol Range(byte lo, byte hi) => Set([(lo, hi)]);

    /// <summary>The union of byte ranges.</summary>
    public Symbol Set(ReadOnlySpan<(byte Lo, byte Hi)> ranges)
    {
        Span<ulong> bits = stackalloc ulong[4];
        foreach (var (lo, hi) in ranges)
        {
            for (var b = (int)lo; b <= hi; b++)
            {
                bits[b >> 6] |= 1UL << (b & 63);
            }
        }

        var key = (bits[0], bits[1], bits[2], bits[3]);
        if (!_setIndex.TryGetValue(key, out var index))
        {
            index = _sets.Count / 4;
            _sets.AddRange(bits);
            _setIndex[key] = index;
        }

        return new Symbol(false, index);
    }

    /// <summary>The bytes of <paramref name="text"/> (UTF-8) as a symbol sequence.</summary>
    public Symbol[] Literal(string text) => Literal(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>The given bytes as a symbol sequence.</summary>
    public Symbol[] Literal(ReadOnlySpan<byte> bytes)
    {
        var symbols = new Symbol[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            symbols[i] = Byte(bytes[i]);
        }

        return symbols;
    }

    /// <summary>
    /// Removes the alternatives that reference rules which can never finish (a recursion cut by a depth bound, an
    /// impossible schema) and flattens the grammar; <paramref name="root"/> must still be able to finish.
    /// </summary>
    /// <exception cref="EngineException">Nothing can match the root (bad input, with <paramref name="what"/> in the message).</exception>
    public CompiledGrammar Build(int root, string what)
    {
        var productive = new bool[_rules.Count];
        for (var changed = true; changed;)
        {
            changed = false;
            for (var r = 0; r < _rules.Count; r++)
            {
                if (!productive[r] && _rules[r].Any(alt => alt.All(s => !s.IsRule || productive[s.Index])))
                {
                    productive[r] = changed = true;
                }
            }
        }

        if (!productive[root])
        {
            throw EngineException.BadInput($"No text can satisfy {what} (an impossible schema, or a recursion that never ends within the depth bound).");
        }

        var kinds = new List<byte>();
        var args = new List<int>();
        var altStarts = new List<int>();
        var ruleStarts = new int[_rules.Count + 1];
        for (var r = 0; r < _rules.Count; r++)
        {
            ruleStarts[r] = altStarts.Count;
            foreach (var alt in _rules[r])
            {
                if (!alt.All(s => !s.IsRule || productive[s.Index]))
                {
                    continue;
                }

                altStarts.Add(kinds.Count);
                foreach (var s in alt)
                {
                    kinds.Add(s.IsRule ? CompiledGrammar.KindRule : CompiledGrammar.KindBytes);
                    args.Add(s.Index);
                }

                kinds.Add(CompiledGrammar.KindEnd);
                args.Add(0);
            }
        }

        ruleStarts[_rules.Count] = altStarts.Count;
        return new CompiledGrammar([.. kinds], [.. args], [.. _sets], ruleStarts, [.. altStarts], root);
    }
}
