using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx.Generation;

/// <summary>
/// The key/value caches of token prefixes that sequences of one <see cref="OnnxDecoderInstance"/> have fed (their
/// prompts after the prompt run, their prompts and generated tokens when they end), kept so that a new sequence whose
/// prompt starts with the same tokens (a system prompt, the earlier turns of a chat) is fed only the rest. Each entry
/// is a single-row <see cref="KeyValueBlock"/> [1, kv_heads, tokens, head_dim] and its token ids; a lookup takes the
/// entry with the longest common prefix (a linear scan with vectorized comparisons: entries are few, bounded by the
/// bytes budget). Bounded by <see cref="OnnxDecoderOptions.PrefixCacheBytes"/>, least recently used evicted first; an
/// entry whose tokens another one extends is dropped for it. Thread-safe.
/// </summary>
internal sealed class PrefixCache : IDisposable
{
    private readonly object _lock = new();
    private readonly LinkedList<Entry> _entries = new(); // most recently used first
    private readonly DecoderSignature _sig;
    private readonly long _budget;
    private readonly int _minTokens;
    private long _bytes;
    private long _hits;
    private long _reusedTokens;
    private bool _disposed;

    public PrefixCache(DecoderSignature signature, long budgetBytes, int minTokens)
    {
        _sig = signature;
        _budget = budgetBytes;
        _minTokens = Math.Max(1, minTokens);
        long perToken = 0;
        foreach (var type in signature.PastTypes)
        {
            perToken += (long)signature.KeyValueHeads * signature.HeadDim * DecoderTensors.ElementSize(type);
        }

        BytesPerToken = perToken;
    }

    /// <summary>Bytes of cache one token takes (all layers, keys and values).</summary>
    public long BytesPerToken { get; }

    /// <summary>The most bytes the entries may hold.</summary>
    public long BudgetBytes => _budget;

    /// <summary>Bytes the entries hold now.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Entries kept now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Prompts that started from a cached prefix.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Prompt tokens not fed thanks to cached prefixes.</summary>
    public long ReusedTokens => Interlocked.Read(ref _reusedTokens);

    /// <summary>
    /// The cache of the longest cached prefix of <paramref name="prompt"/>, leaving at least its last token to feed
    /// (so that the run gives logits): a single-row block of <paramref name="reused"/> positions that the caller now
    /// holds a reference to, or <see langword="null"/> when no entry shares <see cref="OnnxDecoderOptions.PrefixCacheMinTokens"/> tokens.
    /// </summary>
    public KeyValueBlock? Find(ReadOnlySpan<int> prompt, out int reused)
    {
        reused = 0;
        var usable = prompt[..^1];
        if (usable.Length < _minTokens)
        {
            return null;
        }

        Entry? best = null;
        var length = 0;
        lock (_lock)
        {
            if (_disposed)
            {
                return null;
            }

            for (var node = _entries.First; node is not null; node = node.Next)
            {
                var common = usable.CommonPrefixLength(node.Value.Tokens);
                if (common > length)
                {
                    best = node.Value;
                    length = common;
                }
            }

            if (best is null || length < _minTokens)
            {
                return null;
            }

            _entries.Remove(best.Node);
            _entries.AddFirst(best.Node);
            best.Block.Retain();
        }

        reused = length;
        if (length == best.Block.Columns)
        {
            return best.Block; // the whole entry: shared as it is
        }

        try
        {
            return Slice(best.Block, 0, 0, length);
        }
        finally
        {
            best.Block.Release();
        }
    }

    /// <summary>Counts a prompt that started from <paramref name="reused"/> cached tokens.</summary>
    public void CountHit(int reused)
    {
        Interlocked.Increment(ref _hits);
        Interlocked.Add(ref _reusedTokens, reused);
    }

    /// <summary>
    /// Keeps the cache of <paramref name="tokens"/>: the last <paramref name="tokens"/>.Length positions of row
    /// <paramref name="row"/> of <paramref name="block"/> (after <paramref name="pad"/> padding positions). A single-row
    /// unpadded block of exactly these positions is shared (a reference taken), any other is copied. Nothing is kept
    /// when the tokens are fewer than the minimum, their cache alone exceeds the budget, or a kept entry already starts
    /// with them; entries that are a prefix of them are dropped.
    /// </summary>
    public void Add(ReadOnlySpan<int> tokens, KeyValueBlock block, int row, int pad)
    {
        var bytes = tokens.Length * BytesPerToken;
        if (tokens.Length < _minTokens || bytes > _budget || Covered(tokens))
        {
            return;
        }

        KeyValueBlock kept;
        if (block.Rows == 1 && pad == 0 && block.Columns == tokens.Length)
        {
            block.Retain();
            kept = block;
        }
        else
        {
            kept = Slice(block, row, pad, tokens.Length);
        }

        var entry = new Entry(tokens.ToArray(), kept, bytes);
        List<KeyValueBlock> released = [];
        lock (_lock)
        {
            if (_disposed || CoveredLocked(tokens))
            {
                released.Add(kept);
            }
            else
            {
                // Entries this one extends add nothing any more.
                for (var node = _entries.First; node is not null;)
                {
                    var next = node.Next;
                    if (tokens.StartsWith(node.Value.Tokens))
                    {
                        released.Add(RemoveLocked(node));
                    }

                    node = next;
                }

                while (_bytes + bytes > _budget && _entries.Last is { } oldest)
                {
                    released.Add(RemoveLocked(oldest));
                }

                entry.Node = _entries.AddFirst(entry);
                _bytes += bytes;
            }
        }

        foreach (var old in released)
        {
            old.Release();
        }
    }

    /// <summary>Drops every entry.</summary>
    public void Dispose()
    {
        List<KeyValueBlock> released = [];
        lock (_lock)
        {
            _disposed = true;
            while (_entries.Last is { } node)
            {
                released.Add(RemoveLocked(node));
            }
        }

        foreach (var old in released)
        {
            old.Release();
        }
    }

    private bool Covered(ReadOnlySpan<int> tokens)
    {
        lock (_lock)
        {
            return CoveredLocked(tokens);
        }
    }

    private bool CoveredLocked(ReadOnlySpan<int> tokens)
    {
        for (var node = _entries.First; node is not null; node = node.Next)
        {
            if (node.Value.Tokens.AsSpan().StartsWith(tokens))
            {
                _entries.Remove(node);
                _entries.AddFirst(node);
                return true;
            }
        }

        return false;
    }

    private KeyValueBlock RemoveLocked(LinkedListNode<Entry> node)
    {
        _entries.Remove(node);
        _bytes -= node.Value.Bytes;
        return node.Value.Block;
    }

    /// <summary>A new single-row block of the first <paramref name="length"/> positions of a row after its padding.</summary>
    private KeyValueBlock Slice(KeyValueBlock block, int row, int pad, int length)
    {
        var tensors = new OrtValue[_sig.PastNames.Length];
        try
        {
            for (var i = 0; i < tensors.Length; i++)
            {
                tensors[i] = DecoderTensors.CopyPositions(
                    block.Tensors[i], row, block.Columns, pad, length, _sig.KeyValueHeads, _sig.HeadDim, _sig.PastTypes[i]);
            }
        }
        catch
        {
            foreach (var tensor in tensors)
            {
                tensor?.Dispose();
            }

            throw;
        }

        return new KeyValueBlock(tensors, 1, length, 1);
    }

    private sealed class Entry(int[] tokens, KeyValueBlock block, long bytes)
    {
        public int[] Tokens { get; } = tokens;

        public KeyValueBlock Block { get; } = block;

        public long Bytes { get; } = bytes;

        public LinkedListNode<Entry> Node { get; set; } = null!;
    }
}
