namespace Bytez.Engine.LlamaCpp;

/// <summary>
/// The sequence ids of one shared llama.cpp context and what each holds: nothing (clean), a live sequence (rented),
/// or the cells of a finished sequence kept as a cached prompt prefix (its token ids, and when it was last used).
/// A new sequence reserves a place at creation and takes an id at its first feed, when its prompt is known: the
/// cached id sharing the longest prefix with the prompt, else a clean id, else the least recently used cached id
/// (evicted). Rented plus reserved never exceed <see cref="Sequences"/>, so a reserved sequence always finds an id.
/// </summary>
/// <remarks>Not thread-safe: the instance's pool lock guards every call.</remarks>
internal sealed class LlamaSequenceSlots
{
    private readonly SortedSet<int> _clean;
    private readonly Dictionary<int, CachedPrefix> _cached = [];
    private int _rented;
    private int _reserved;
    private long _clock;

    public LlamaSequenceSlots(int sequences)
    {
        Sequences = sequences;
        _clean = new SortedSet<int>(Enumerable.Range(0, sequences));
    }

    /// <summary>The sequence ids of the context.</summary>
    public int Sequences { get; }

    /// <summary>Whether another sequence can reserve a place.</summary>
    public bool HasRoom => _rented + _reserved < Sequences;

    /// <summary>Cached prefixes kept now.</summary>
    public int CachedCount => _cached.Count;

    /// <summary>Reserves a place for a sequence that has not taken an id yet.</summary>
    public bool TryReserve()
    {
        if (!HasRoom)
        {
            return false;
        }

        _reserved++;
        return true;
    }

    /// <summary>Gives back a reservation that never took an id.</summary>
    public void Unreserve() => _reserved--;

    /// <summary>
    /// The cached id whose tokens share the longest prefix with <paramref name="prompt"/>, and that length capped at
    /// <paramref name="limit"/>; (-1, 0, 0) when nothing is cached.
    /// </summary>
    public (int Id, int Shared, int CachedLength) BestMatch(ReadOnlySpan<int> prompt, int limit)
    {
        int bestId = -1, best = 0, length = 0;
        long bestUsed = long.MinValue;
        foreach ((int id, CachedPrefix entry) in _cached)
        {
            int shared = Math.Min(prompt.CommonPrefixLength(entry.Tokens), limit);
            if (shared > best || (shared == best && shared > 0 && entry.LastUsed > bestUsed))
            {
                (bestId, best, length, bestUsed) = (id, shared, entry.Tokens.Length, entry.LastUsed);
            }
        }

        return (bestId, best, length);
    }

    /// <summary>Turns a reservation into the cached id <paramref name="id"/>: the entry leaves the cache, its cells go to the new sequence.</summary>
    public void TakeCached(int id)
    {
        _cached.Remove(id);
        _reserved--;
        _rented++;
    }

    /// <summary>Turns a reservation into the lowest clean id (llama.cpp groups consecutive ids best), if there is one.</summary>
    public bool TryTakeClean(out int id)
    {
        if (_clean.Count == 0)
        {
            id = -1;
            return false;
        }

        id = _clean.Min;
        _clean.Remove(id);
        _reserved--;
        _rented++;
        return true;
    }

    /// <summary>Turns a reservation into a clean id, or evicts the least recently used cached prefix for its id.</summary>
    public int TakeAny()
    {
        if (TryTakeClean(out int id))
        {
            return id;
        }

        id = _cached.MinBy(e => e.Value.LastUsed).Key;
        TakeCached(id);
        return id;
    }

    /// <summary>Marks a cached prefix as just used (a copy was made from it).</summary>
    public void Touch(int id) => _cached[id] = _cached[id] with { LastUsed = ++_clock };

    /// <summary>A live sequence leaves: its id becomes a cached prefix of <paramref name="tokens"/>, or clean when <see langword="null"/>.</summary>
    public void Return(int id, int[]? tokens)
    {
        _rented--;
        if (tokens is { Length: > 0 })
        {
            _cached[id] = new CachedPrefix(tokens, ++_clock);
        }
        else
        {
            _clean.Add(id);
        }
    }

    private readonly record struct CachedPrefix(int[] Tokens, long LastUsed);
}
