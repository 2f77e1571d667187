namespace Bytez.Engine.Generation.Constraints;

/// <summary>
/// Compiled grammars by the text of their pattern (the schema as sent, the literal texts), so that requests with the
/// same <c>response_format</c> or the same forced tool share one <see cref="CompiledGrammar"/>: compilation is paid
/// once, and so is each token mask (a grammar keeps its masks, <see cref="TokenMaskCache"/>). Least recently used
/// entries leave first. Bounded: at most <see cref="MaxEntries"/> grammars of at most <see cref="MaxPositions"/>
/// positions together, each with at most <see cref="TokenMaskCache.MaxBytes"/> of masks per vocabulary; patterns
/// whose text is longer than <see cref="MaxKeyChars"/> are compiled every time. Thread-safe.
/// </summary>
internal sealed class CompiledGrammarCache(int maxEntries = CompiledGrammarCache.MaxEntries, long maxPositions = CompiledGrammarCache.MaxPositions)
{
    /// <summary>The most grammars kept.</summary>
    public const int MaxEntries = 16;

    /// <summary>The most positions (<see cref="CompiledGrammar.Size"/>) the kept grammars may have together (about 10 bytes each).</summary>
    public const long MaxPositions = 2_000_000;

    /// <summary>The longest pattern text that is cached (longer ones are compiled for each request).</summary>
    public const int MaxKeyChars = 256 * 1024;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, CompiledGrammar Grammar)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, CompiledGrammar Grammar)> _recent = [];
    private long _positions;

    /// <summary>The cache the engine uses.</summary>
    public static CompiledGrammarCache Shared { get; } = new();

    /// <summary>How many grammars are kept.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The compiled grammar of <paramref name="pattern"/>: the kept one when the same pattern text was compiled before.</summary>
    /// <exception cref="EngineException">The pattern does not compile (see <see cref="GrammarPattern.Compile"/>).</exception>
    public CompiledGrammar GetOrCompile(GrammarPattern pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var key = pattern.Key();
        if (key.Length > MaxKeyChars)
        {
            return pattern.Compile();
        }

        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                return node.Value.Grammar;
            }
        }

        var grammar = pattern.Compile();
        if (grammar.Size > maxPositions)
        {
            return grammar;
        }

        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                return node.Value.Grammar; // compiled meanwhile by another request
            }

            _entries[key] = _recent.AddFirst((key, grammar));
            _positions += grammar.Size;
            while (_entries.Count > maxEntries || _positions > maxPositions)
            {
                var last = _recent.Last!;
                _recent.RemoveLast();
                _entries.Remove(last.Value.Key);
                _positions -= last.Value.Grammar.Size;
            }
        }

        return grammar;
    }
}
