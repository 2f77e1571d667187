using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Bytez.Engine.Generation.Constraints;

/// <summary>
/// The token masks of one <see cref="CompiledGrammar"/> over one <see cref="TokenVocabulary"/>, keyed by the matcher
/// state they were built for (<see cref="GrammarMatcher.WriteKey"/>), shared by every sequence that decodes with that
/// grammar: states recur within an answer (every character of an unbounded string) and across answers (the same
/// schema asked again, the sequences of one request), so a mask is walked once and then copied. Thread-safe. Bounded:
/// at most <see cref="MaxBytes"/> of masks; once full, further states are walked each time they come (still exact).
/// A mask holds only what the grammar allows (the end-of-sequence tokens are added by each constraint).
/// </summary>
internal sealed class TokenMaskCache
{
    /// <summary>The most memory the masks of one grammar over one vocabulary may take (8 MiB: 1,300 masks of GPT-2's 50,257 tokens).</summary>
    public const long MaxBytes = 8L << 20;

    private readonly ConcurrentDictionary<StateKey, ulong[]> _masks = new(StateKey.Comparer);
    private long _bytes;

    /// <summary>How many masks are kept.</summary>
    public int Count => _masks.Count;

    /// <summary>The memory the kept masks and their keys take, in bytes.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The mask of the state whose key is <c>key[..length]</c>, if kept (do not change it).</summary>
    public bool TryGet(int[] key, int length, out ulong[] mask) => _masks.TryGetValue(new StateKey(key, length), out mask!);

    /// <summary>Keeps a copy of <paramref name="mask"/> for the state <c>key[..length]</c> unless the budget is spent.</summary>
    public void Add(int[] key, int length, ulong[] mask)
    {
        var size = ((long)mask.Length * sizeof(ulong)) + ((long)length * sizeof(int)) + 64;
        if (Interlocked.Add(ref _bytes, size) > MaxBytes)
        {
            Interlocked.Add(ref _bytes, -size);
            return;
        }

        if (!_masks.TryAdd(new StateKey(key.AsSpan(0, length).ToArray(), length), (ulong[])mask.Clone()))
        {
            Interlocked.Add(ref _bytes, -size); // another sequence kept it first
        }
    }

    /// <summary>A matcher state's content, compared by value (a lookup wraps a reused buffer; stored keys own a copy).</summary>
    private readonly record struct StateKey(int[] Data, int Length)
    {
        public static IEqualityComparer<StateKey> Comparer { get; } = new KeyComparer();

        private sealed class KeyComparer : IEqualityComparer<StateKey>
        {
            public bool Equals(StateKey x, StateKey y) => x.Data.AsSpan(0, x.Length).SequenceEqual(y.Data.AsSpan(0, y.Length));

            public int GetHashCode(StateKey key)
            {
                var hash = new HashCode();
                hash.AddBytes(MemoryMarshal.AsBytes(key.Data.AsSpan(0, key.Length)));
                return hash.ToHashCode();
            }
        }
    }
}
