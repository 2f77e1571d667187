using System.Collections.Concurrent;
using System.Text;

namespace Bytez.Engine.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face's BPE model: a vocabulary, ranked merges, optional byte fallback (<c>&lt;0xXX&gt;</c> tokens) and
/// unknown token. Merging follows <c>tokenizers</c>' <c>Word::merge_all</c>: lowest rank first, leftmost on ties.
/// Results per word are cached (bounded). Thread-safe.
/// </summary>
internal sealed class BpeModel : ITokenModel
{
    private const int CacheCapacity = 10_000;
    private const int MaxCachedWordLength = 256;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabBySpan;
    private readonly Dictionary<long, (int Rank, int NewId)> _merges;
    private readonly int[] _byteTokens;
    private readonly int? _unkId;
    private readonly bool _fuseUnk;
    private readonly string? _prefix;
    private readonly string? _suffix;
    private readonly bool _ignoreMerges;
    private readonly ConcurrentDictionary<string, Word> _cache = new(StringComparer.Ordinal);

    public BpeModel(
        Dictionary<string, int> vocab,
        List<(string Left, string Right)> merges,
        string? unkToken,
        bool fuseUnk,
        bool byteFallback,
        string? continuingSubwordPrefix,
        string? endOfWordSuffix,
        bool ignoreMerges)
    {
        _vocab = vocab;
        _vocabBySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _fuseUnk = fuseUnk;
        _prefix = string.IsNullOrEmpty(continuingSubwordPrefix) ? null : continuingSubwordPrefix;
        _suffix = string.IsNullOrEmpty(endOfWordSuffix) ? null : endOfWordSuffix;
        _ignoreMerges = ignoreMerges;

        IdToToken = new string?[vocab.Count == 0 ? 0 : MaxId(vocab) + 1];
        foreach (var (token, id) in vocab)
        {
            IdToToken[id] = token;
        }

        if (unkToken is not null)
        {
            if (!vocab.TryGetValue(unkToken, out var unk))
            {
                throw EngineException.NotSupported($"tokenizer.json: the BPE unk_token '{unkToken}' is not in the vocabulary.");
            }

            _unkId = unk;
        }

        _byteTokens = new int[256];
        Array.Fill(_byteTokens, -1);
        if (byteFallback)
        {
            for (var b = 0; b < 256; b++)
            {
                if (vocab.TryGetValue($"<0x{b:X2}>", out var id))
                {
                    _byteTokens[b] = id;
                }
            }
        }

        ByteFallback = byteFallback;
        var prefixLength = _prefix?.Length ?? 0;
        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!vocab.TryGetValue(left, out var a) || !vocab.TryGetValue(right, out var b))
            {
                throw EngineException.NotSupported($"tokenizer.json: the merge '{left} {right}' uses a token that is not in the vocabulary.");
            }

            var merged = left + right[Math.Min(prefixLength, right.Length)..];
            if (!vocab.TryGetValue(merged, out var newId))
            {
                throw EngineException.NotSupported($"tokenizer.json: the result of the merge '{left} {right}' is not in the vocabulary.");
            }

            // Later duplicates win, as in tokenizers' HashMap collect.
            _merges[Key(a, b)] = (rank, newId);
        }
    }

    /// <summary>Token strings by id (null for ids the model does not have).</summary>
    public string?[] IdToToken { get; }

    /// <summary>Whether unknown characters fall back to byte tokens.</summary>
    public bool ByteFallback { get; }

    /// <summary>The number of entries in the vocabulary (what tokenizers calls the vocab size).</summary>
    public int Count => _vocab.Count;

    public bool TryGetId(string token, out int id) => _vocab.TryGetValue(token, out id);

    /// <inheritdoc />
    public int? UnknownId => _unkId;

    /// <inheritdoc />
    public string? ContinuingSubwordPrefix => _prefix;

    /// <summary>Appends the ids of one pre-tokenized word.</summary>
    public void Tokenize(string word, List<int> output)
    {
        if (Lookup(word) is { } tokens)
        {
            output.AddRange(tokens.Ids);
        }
    }

    /// <inheritdoc />
    /// <remarks>A merged token covers its symbols; byte-fallback tokens each cover their whole character.</remarks>
    public void Tokenize(string word, List<(int Id, int Start, int End)> output)
    {
        if (Lookup(word) is { } tokens)
        {
            for (var i = 0; i < tokens.Ids.Length; i++)
            {
                output.Add((tokens.Ids[i], tokens.Starts[i], tokens.Ends[i]));
            }
        }
    }

    private Word? Lookup(string word)
    {
        if (word.Length == 0)
        {
            return null;
        }

        if (_ignoreMerges && _vocab.TryGetValue(word, out var whole))
        {
            return new Word([whole], [0], [word.Length]);
        }

        if (_cache.TryGetValue(word, out var cached))
        {
            return cached;
        }

        var tokens = MergeWord(word);
        if (word.Length <= MaxCachedWordLength && _cache.Count < CacheCapacity)
        {
            _cache.TryAdd(word, tokens);
        }

        return tokens;
    }

    private Word MergeWord(string word)
    {
        // Initial symbols: one per code point (or byte-fallback bytes, or a possibly fused unknown), with their spans.
        var symbols = new List<int>(word.Length);
        var starts = new List<int>(word.Length);
        var ends = new List<int>(word.Length);
        var unk = -1;
        var unkStart = 0;
        var unkEnd = 0;
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < word.Length;)
        {
            var length = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            var isFirst = i == 0;
            var isLast = i + length == word.Length;
            var ch = word.AsSpan(i, length);
            var chStart = i;
            i += length;

            int id;
            bool found;
            if ((_prefix is null || isFirst) && (_suffix is null || !isLast))
            {
                found = _vocabBySpan.TryGetValue(ch, out id);
            }
            else
            {
                var s = new StringBuilder();
                if (_prefix is not null && !isFirst)
                {
                    s.Append(_prefix);
                }

                s.Append(ch);
                if (_suffix is not null && isLast)
                {
                    s.Append(_suffix);
                }

                found = _vocab.TryGetValue(s.ToString(), out id);
            }

            if (found)
            {
                if (unk >= 0)
                {
                    symbols.Add(unk);
                    starts.Add(unkStart);
                    ends.Add(unkEnd);
                    unk = -1;
                }

                symbols.Add(id);
                starts.Add(chStart);
                ends.Add(i);
                continue;
            }

            if (ByteFallback)
            {
                var count = Encoding.UTF8.GetBytes(ch, utf8);
                var all = true;
                for (var k = 0; k < count; k++)
                {
                    all &= _byteTokens[utf8[k]] >= 0;
                }

                if (all)
                {
                    // A pending unknown stays pending across byte tokens, as in tokenizers.
                    for (var k = 0; k < count; k++)
                    {
                        symbols.Add(_byteTokens[utf8[k]]);
                        starts.Add(chStart);
                        ends.Add(i);
                    }

                    continue;
                }
            }

            if (_unkId is int unkId)
            {
                if (unk >= 0 && !_fuseUnk)
                {
                    symbols.Add(unk);
                    starts.Add(unkStart);
                    ends.Add(unkEnd);
                }

                if (unk >= 0 && _fuseUnk)
                {
                    unkEnd = i;
                }
                else
                {
                    unkStart = chStart;
                    unkEnd = i;
                }

                unk = unkId;
            }
        }

        if (unk >= 0)
        {
            symbols.Add(unk);
            starts.Add(unkStart);
            ends.Add(unkEnd);
        }

        return MergeAll(symbols, starts, ends);
    }

    private Word MergeAll(List<int> symbols, List<int> symbolStarts, List<int> symbolEnds)
    {
        var n = symbols.Count;
        if (n < 2 || _merges.Count == 0)
        {
            return new Word([.. symbols], [.. symbolStarts], [.. symbolEnds]);
        }

        var ids = symbols.ToArray();
        var spanEnds = symbolEnds.ToArray();
        var prev = new int[n];
        var next = new int[n];
        var alive = new bool[n];
        for (var i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            alive[i] = true;
        }

        var queue = new PriorityQueue<(int Pos, int NewId), long>(n);
        for (var i = 0; i + 1 < n; i++)
        {
            if (_merges.TryGetValue(Key(ids[i], ids[i + 1]), out var m))
            {
                queue.Enqueue((i, m.NewId), Priority(m.Rank, i));
            }
        }

        while (queue.TryDequeue(out var top, out _))
        {
            var pos = top.Pos;
            if (!alive[pos] || next[pos] < 0)
            {
                continue;
            }

            var right = next[pos];
            if (!_merges.TryGetValue(Key(ids[pos], ids[right]), out var current) || current.NewId != top.NewId)
            {
                continue;
            }

            ids[pos] = top.NewId;
            spanEnds[pos] = spanEnds[right];
            alive[right] = false;
            next[pos] = next[right];
            if (next[right] >= 0)
            {
                prev[next[right]] = pos;
            }

            if (prev[pos] >= 0 && _merges.TryGetValue(Key(ids[prev[pos]], ids[pos]), out var left))
            {
                queue.Enqueue((prev[pos], left.NewId), Priority(left.Rank, prev[pos]));
            }

            if (next[pos] >= 0 && _merges.TryGetValue(Key(ids[pos], ids[next[pos]]), out var after))
            {
                queue.Enqueue((pos, after.NewId), Priority(after.Rank, pos));
            }
        }

        var result = new List<int>(n);
        var resultStarts = new List<int>(n);
        var resultEnds = new List<int>(n);
        for (var i = 0; i >= 0; i = next[i])
        {
            result.Add(ids[i]);
            resultStarts.Add(symbolStarts[i]);
            resultEnds.Add(spanEnds[i]);
        }

        return new Word([.. result], [.. resultStarts], [.. resultEnds]);
    }

    /// <summary>The tokens of one word and the span of the word each covers.</summary>
    private sealed record Word(int[] Ids, int[] Starts, int[] Ends);

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    private static long Priority(int rank, int pos) => ((long)rank << 32) | (uint)pos;

    private static int MaxId(Dictionary<string, int> vocab)
    {
        var max = 0;
        foreach (var id in vocab.Values)
        {
            max = Math.Max(max, id);
        }

        return max;
    }
}
