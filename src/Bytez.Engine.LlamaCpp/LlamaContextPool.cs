using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Bytez.Engine.Generation;
using LLama.Native;

namespace Bytez.Engine.LlamaCpp;

/// <summary>
/// One llama.cpp context shared by up to <c>n_seq_max</c> sequences, each with its own sequence id and its own part
/// of the key/value cache, and the step scheduler of continuous batching: the sequences submit feeds
/// (<see cref="LlamaFeed"/>) and one runner merges everything pending into one <c>llama_decode</c> (each feed's
/// tokens under its own sequence id and positions, logits for each feed's last token), so concurrent streams share
/// decoding steps. While a decode runs, the next one's feeds accumulate; streams join and leave between decodes.
/// </summary>
/// <remarks>
/// There is no scheduler thread: the caller that submits to an idle context runs the decodes itself until its own
/// feed is done (one stream alone pays no thread hop), then hands the runner role to a thread-pool thread when
/// others are still pending. <see cref="Gate"/> is held around every use of <see cref="Handle"/>.
/// </remarks>
internal sealed unsafe class LlamaSharedContext : IDisposable
{
    private readonly LLamaBatch _batch = new();
    private readonly LlamaCppInstance _instance;
    private readonly bool _continuous;
    private readonly TimeSpan _batchWait;
    private readonly Lock _lock = new();
    private readonly List<LlamaFeed> _pending = [];
    private readonly HashSet<int> _awaited = [];
    private readonly List<(int Source, int Destination)> _copies = [];
    private readonly ManualResetEventSlim _arrival = new(false);
    private long _order;
    private long _lastDecodeEnded;
    private TimeSpan _lastDecode; // how long the last decode took: the streams it answered get as long to come back
    private bool _running;
    private volatile LlamaFeed[] _decoding = [];
    private GCHandle _self;
    private bool _disposed;

    public LlamaSharedContext(LlamaCppInstance instance, SafeLlamaModelHandle model, int contextLength, int sequences, LlamaCppOptions options)
    {
        _instance = instance;
        _continuous = options.ContinuousBatching;
        _batchWait = options.BatchWait;
        _self = GCHandle.Alloc(this, GCHandleType.Normal);
        try
        {
            var p = LLamaContextParams.Default();
            p.n_ctx = checked((uint)(contextLength * sequences));
            p.n_seq_max = (uint)sequences;
            // At least one token per sequence fits in every decode, so no pending feed is ever starved.
            p.n_batch = (uint)Math.Max(Math.Min(options.BatchSize, contextLength), sequences);
            p.n_ubatch = p.n_batch;
            p.n_threads = options.EffectiveThreads;
            p.n_threads_batch = options.EffectiveThreads;
            p.kv_unified = false;
            if (options.PreciseAttention)
            {
                // f16 rounding (the cache, and flash attention's f16 query) turns the last-bit differences of batched
                // kernels into ~1e-3 logit differences; in f32 without flash attention they stay ~1e-5.
                p.type_k = GGMLType.GGML_TYPE_F32;
                p.type_v = GGMLType.GGML_TYPE_F32;
                p.llama_flash_attn_type = LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_DISABLED;
            }
            p.no_perf = true;
            p.embeddings = false;
            p.abort_callback = (IntPtr)(delegate* unmanaged[Cdecl]<void*, byte>)&Abort;
            p.abort_callback_user_data = GCHandle.ToIntPtr(_self);
            Handle = SafeLLamaContextHandle.Create(model, p);
        }
        catch
        {
            _self.Free();
            throw;
        }

        Sequences = (int)Handle.MaxSeq;
        SequenceCapacity = (int)(Handle.ContextSize / Handle.MaxSeq);
        BatchSize = (int)Handle.BatchSize;
        Slots = new LlamaSequenceSlots(Sequences);
    }

    /// <summary>The native context.</summary>
    public SafeLLamaContextHandle Handle { get; }

    /// <summary>The lock every use of <see cref="Handle"/> holds.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The sequence ids this context has.</summary>
    public int Sequences { get; }

    /// <summary>Key/value cells each sequence has.</summary>
    public int SequenceCapacity { get; }

    /// <summary>The most tokens one decode takes.</summary>
    public int BatchSize { get; }

    /// <summary>What each sequence id holds (live, cached prefix, clean); guarded by the pool's lock.</summary>
    public LlamaSequenceSlots Slots { get; }

    /// <summary>
    /// Queues a copy of the cells of sequence <paramref name="source"/> (a cached prefix) to <paramref name="destination"/>
    /// (an id just taken), made before any later change to the cache: at the start of the next decode or leave. The
    /// caller holds the pool's lock, so the copy is queued before anyone can take or evict the source.
    /// </summary>
    public void QueueCopy(int source, int destination)
    {
        lock (_lock)
        {
            _copies.Add((source, destination));
        }
    }

    /// <summary>Whether the context has been disposed.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>
    /// Queues a feed for the next decode and completes when it has been decoded (or failed, or was cancelled).
    /// The caller has checked the feed (length, token ids) and that its token is not cancelled yet.
    /// </summary>
    public Task<ReadOnlyMemory<float>> Submit(LlamaFeed feed)
    {
        feed.Registration = feed.CancellationToken.UnsafeRegister(static state => ((LlamaFeed)state!).Context.OnCancelled((LlamaFeed)state!), feed);
        bool lead;
        lock (_lock)
        {
            if (_disposed || feed.CancelRequested)
            {
                feed.Registration.Unregister();
                return _disposed
                    ? Task.FromException<ReadOnlyMemory<float>>(new ObjectDisposedException(nameof(LlamaCppInstance)))
                    : Task.FromCanceled<ReadOnlyMemory<float>>(feed.CancellationToken);
            }

            feed.Order = _order++;
            _pending.Add(feed);
            _awaited.Remove(feed.Sequence.SequenceId);
            lead = !_running;
            _running = true;
            _arrival.Set();
        }

        if (lead)
        {
            Run(feed);
        }

        return feed.Task;
    }

    /// <summary>A sequence leaves: its pending feeds are dropped, its cells cleared; between decodes.</summary>
    public void Leave(LlamaDecoderSequence sequence)
    {
        List<LlamaFeed> dropped = [];
        lock (_lock)
        {
            _awaited.Remove(sequence.SequenceId);
            _pending.RemoveAll(f =>
            {
                bool mine = ReferenceEquals(f.Sequence, sequence);
                if (mine)
                {
                    dropped.Add(f);
                }

                return mine;
            });
        }

        Gate.Wait();
        try
        {
            if (!_disposed)
            {
                ApplyCopies();
                Handle.MemorySequenceRemove((LLamaSeqId)sequence.SequenceId, -1, -1);
            }
        }
        finally
        {
            Gate.Release();
        }

        foreach (LlamaFeed feed in dropped)
        {
            feed.Fail(new ObjectDisposedException(nameof(IDisposable), "The sequence was disposed while it was being fed."));
        }
    }

    /// <summary>A sequence leaves with its cells kept (a cached prefix): it is no longer waited for; it has no feed pending.</summary>
    public void Forget(LlamaDecoderSequence sequence)
    {
        lock (_lock)
        {
            _awaited.Remove(sequence.SequenceId);
        }
    }

    public void Dispose()
    {
        List<LlamaFeed> pending;
        Gate.Wait();
        try
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                pending = [.. _pending];
                _pending.Clear();
                _awaited.Clear();
                _arrival.Set();
            }

            Handle.Dispose();
            _self.Free();
        }
        finally
        {
            Gate.Release();
        }

        foreach (LlamaFeed feed in pending)
        {
            feed.Fail(new ObjectDisposedException(nameof(LlamaCppInstance)));
        }
    }

    private void OnCancelled(LlamaFeed feed)
    {
        bool withdrawn = false;
        lock (_lock)
        {
            feed.CancelRequested = true;
            // Not decoded at all yet: withdraw it now. A feed with cells in the cache (a prompt partly fed) or in the
            // decode running now is finished by the runner, which alone may touch the cache.
            if (!feed.InDecode && feed.Fed == 0 && _pending.Remove(feed))
            {
                withdrawn = true;
            }
        }

        if (withdrawn)
        {
            feed.Cancel();
        }
    }

    /// <summary>
    /// Runs decodes while there is work. With <paramref name="own"/> (a caller that found the context idle), only
    /// until that feed is done and never waiting: the runner role then passes to a thread-pool thread.
    /// </summary>
    private void Run(LlamaFeed? own)
    {
        var entries = new List<Entry>();
        var cancelled = new List<LlamaFeed>();
        var outcomes = new List<(LlamaFeed Feed, Exception? Error)>();
        var sizes = new List<int>();
        while (true)
        {
            entries.Clear();
            cancelled.Clear();
            outcomes.Clear();
            sizes.Clear();
            var wait = TimeSpan.Zero;
            lock (_lock)
            {
                if (_disposed || _pending.Count == 0)
                {
                    _running = false;
                    return;
                }

                if (_awaited.Count > 0 && _batchWait > TimeSpan.Zero)
                {
                    // Streams that finished a step are still choosing their next token: give them a moment to join.
                    wait = StepRejoin.Wait(_batchWait, _lastDecode) - Stopwatch.GetElapsedTime(_lastDecodeEnded);
                    if (wait <= TimeSpan.Zero)
                    {
                        _awaited.Clear(); // whoever did not come in time is not waited for until its next step
                    }
                }

                if (own is not null && (own.IsCompleted || wait > TimeSpan.Zero))
                {
                    // Our caller's feed is done (or would wait): pass the runner role on so the caller goes on at once.
                    ThreadPool.UnsafeQueueUserWorkItem(static c => c.Run(null), this, preferLocal: false);
                    return;
                }

                if (wait > TimeSpan.Zero)
                {
                    _arrival.Reset();
                }
                else
                {
                    Select(entries, cancelled);
                }
            }

            if (wait > TimeSpan.Zero)
            {
                // Whole milliseconds, rounded up (a shorter timeout would return at once and spin).
                _arrival.Wait((int)Math.Ceiling(wait.TotalMilliseconds));
                continue;
            }

            Gate.Wait();
            var decodeStarted = Stopwatch.GetTimestamp();
            try
            {
                if (_disposed)
                {
                    foreach (LlamaFeed feed in cancelled)
                    {
                        outcomes.Add((feed, new ObjectDisposedException(nameof(LlamaCppInstance))));
                    }

                    foreach (Entry entry in entries)
                    {
                        outcomes.Add((entry.Feed, new ObjectDisposedException(nameof(LlamaCppInstance))));
                    }
                }
                else
                {
                    ApplyCopies();
                    foreach (LlamaFeed feed in cancelled)
                    {
                        Handle.MemorySequenceRemove((LLamaSeqId)feed.Sequence.SequenceId, feed.Start, -1);
                        outcomes.Add((feed, null));
                    }

                    if (entries.Count > 0)
                    {
                        entries.Sort(static (a, b) => a.Feed.Sequence.SequenceId.CompareTo(b.Feed.Sequence.SequenceId));
                        DecodeEntries(entries, outcomes, sizes);
                    }
                }
            }
            finally
            {
                _decoding = [];
                Gate.Release();
            }

            lock (_lock)
            {
                _lastDecodeEnded = Stopwatch.GetTimestamp();
                _lastDecode = Stopwatch.GetElapsedTime(decodeStarted, _lastDecodeEnded);
                foreach (Entry entry in entries)
                {
                    LlamaFeed feed = entry.Feed;
                    feed.InDecode = false;
                    if (outcomes.Exists(o => ReferenceEquals(o.Feed, feed)))
                    {
                        continue;
                    }

                    feed.Fed += entry.Count;
                    if (feed.Fed < feed.Tokens.Length)
                    {
                        _pending.Add(feed); // the rest of a long prompt goes into the next decodes
                    }
                    else
                    {
                        outcomes.Add((feed, null));
                        if (!feed.Sequence.IsDisposed)
                        {
                            _awaited.Add(feed.Sequence.SequenceId);
                        }
                    }
                }
            }

            // Metrics first, so a caller that sees its result also sees its decode counted.
            if (_instance.BatchObserver is { } observer)
            {
                foreach (int size in sizes)
                {
                    observer(size);
                }
            }

            foreach ((LlamaFeed feed, Exception? error) in outcomes)
            {
                if (error is not null)
                {
                    feed.Fail(error);
                }
                else if (feed.CancelRequested && feed.Fed < feed.Tokens.Length)
                {
                    feed.Cancel();
                }
                else
                {
                    feed.Succeed();
                }
            }
        }
    }

    /// <summary>Picks the next decode's feeds under the lock: single tokens first, prompts fill the rest of the batch.</summary>
    private void Select(List<Entry> entries, List<LlamaFeed> cancelled)
    {
        for (int i = _pending.Count - 1; i >= 0; i--)
        {
            LlamaFeed feed = _pending[i];
            if (feed.CancelRequested || feed.Sequence.IsDisposed)
            {
                _pending.RemoveAt(i);
                if (feed.Sequence.IsDisposed)
                {
                    feed.Fail(new ObjectDisposedException(nameof(IDisposable), "The sequence was disposed while it was being fed."));
                }
                else
                {
                    feed.CancelRequested = true;
                    cancelled.Add(feed);
                }
            }
        }

        _pending.Sort(static (a, b) => a.Remaining != b.Remaining ? a.Remaining.CompareTo(b.Remaining) : a.Order.CompareTo(b.Order));
        if (!_continuous && _pending.Count > 0)
        {
            LlamaFeed oldest = _pending.MinBy(f => f.Order)!;
            _pending.Remove(oldest);
            oldest.InDecode = true;
            entries.Add(new Entry(oldest, Math.Min(oldest.Remaining, BatchSize)));
            return;
        }

        int budget = BatchSize, taken = 0;
        foreach (LlamaFeed feed in _pending)
        {
            if (budget == 0)
            {
                break;
            }

            int n = Math.Min(feed.Remaining, budget);
            feed.InDecode = true;
            entries.Add(new Entry(feed, n));
            budget -= n;
            taken++;
        }

        _pending.RemoveRange(0, taken);
    }

    /// <summary>
    /// Decodes the entries in one llama_decode; on failure, isolates the feed at fault by decoding each alone, so
    /// only the feeds that fail by themselves are failed. The caller holds <see cref="Gate"/>.
    /// </summary>
    private void DecodeEntries(List<Entry> entries, List<(LlamaFeed Feed, Exception? Error)> outcomes, List<int> sizes)
    {
        _batch.Clear();
        Span<int> logitIndex = entries.Count <= 256 ? stackalloc int[entries.Count] : new int[entries.Count];
        for (int e = 0; e < entries.Count; e++)
        {
            (LlamaFeed feed, int count) = entries[e];
            ReadOnlySpan<int> tokens = feed.Tokens.Span;
            logitIndex[e] = -1;
            if (feed.Fed == 0 && feed.Sequence.TrimPending)
            {
                // A sequence's first feed: its id may hold older cells past the prefix it reuses (a cached prefix
                // taken, copied or evicted); they go before its positions are written.
                Handle.MemorySequenceRemove((LLamaSeqId)feed.Sequence.SequenceId, feed.Start, -1);
                feed.Sequence.TrimPending = false;
            }

            for (int k = 0; k < count; k++)
            {
                int at = feed.Fed + k;
                bool last = at == tokens.Length - 1;
                int index = _batch.Add(tokens[at], feed.Start + at, (LLamaSeqId)feed.Sequence.SequenceId, last);
                if (last)
                {
                    logitIndex[e] = index;
                }
            }
        }

        _decoding = [.. entries.Select(e => e.Feed)];
        DecodeResult result = _instance.DecodeFault?.Invoke([.. entries.Select(e => e.Feed.Sequence.SequenceId)]) ?? Handle.Decode(_batch);
        sizes.Add(entries.Count);
        if (result == DecodeResult.Ok)
        {
            for (int e = 0; e < entries.Count; e++)
            {
                LlamaFeed feed = entries[e].Feed;
                if (feed.CancellationToken.IsCancellationRequested)
                {
                    // Cancelled while in the decode: its result is dropped and so are its cells.
                    Handle.MemorySequenceRemove((LLamaSeqId)feed.Sequence.SequenceId, feed.Start, -1);
                    outcomes.Add((feed, new OperationCanceledException(feed.CancellationToken)));
                }
                else if (logitIndex[e] >= 0)
                {
                    Handle.GetLogitsIth(logitIndex[e]).CopyTo(feed.Sequence.Logits);
                }
            }

            return;
        }

        var retry = new List<Entry>();
        foreach (Entry entry in entries)
        {
            LlamaFeed feed = entry.Feed;
            // Drop this decode's cells of the feed (llama.cpp may keep those of ubatches that went through).
            Handle.MemorySequenceRemove((LLamaSeqId)feed.Sequence.SequenceId, feed.Start + feed.Fed, -1);
            if (feed.CancellationToken.IsCancellationRequested)
            {
                Handle.MemorySequenceRemove((LLamaSeqId)feed.Sequence.SequenceId, feed.Start, -1);
                outcomes.Add((feed, new OperationCanceledException(feed.CancellationToken)));
            }
            else
            {
                retry.Add(entry);
            }
        }

        if (retry.Count == 0)
        {
            return;
        }

        if (result == DecodeResult.ComputeAborted && retry.Count < entries.Count)
        {
            DecodeEntries(retry, outcomes, sizes); // aborted for the cancelled ones only: the rest go on together
        }
        else if (retry.Count > 1)
        {
            foreach (Entry entry in retry)
            {
                DecodeEntries([entry], outcomes, sizes);
            }
        }
        else
        {
            LlamaFeed feed = retry[0].Feed;
            Handle.MemorySequenceRemove((LLamaSeqId)feed.Sequence.SequenceId, feed.Start, -1);
            outcomes.Add((feed, result switch
            {
                DecodeResult.ComputeAborted => new OperationCanceledException("Decoding was aborted."),
                DecodeResult.NoKvSlot => new EngineException(EngineErrorKind.Overloaded, "llama.cpp found no free cache slot for the sequence."),
                _ => new EngineException(EngineErrorKind.Internal, $"llama.cpp failed to decode ({result}, code {(int)result})."),
            }));
        }
    }

    /// <summary>Makes the queued prefix copies, in the order they were queued; the caller holds <see cref="Gate"/>.</summary>
    private void ApplyCopies()
    {
        (int Source, int Destination)[] copies;
        lock (_lock)
        {
            if (_copies.Count == 0)
            {
                return;
            }

            copies = [.. _copies];
            _copies.Clear();
        }

        foreach ((int source, int destination) in copies)
        {
            // Across the streams of a non-unified cache llama.cpp copies whole buffers (the cells' bookkeeping now, the
            // data at the start of the next decode), so the whole range is given; the tail is trimmed at the first feed.
            Handle.MemorySequenceCopy((LLamaSeqId)source, (LLamaSeqId)destination, -1, -1);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static byte Abort(void* userData)
    {
        try
        {
            // Abort only when every caller in the decode has given up: the others still want their logits.
            if (GCHandle.FromIntPtr((IntPtr)userData).Target is not LlamaSharedContext context || context._decoding is not { Length: > 0 } decoding)
            {
                return 0;
            }

            foreach (LlamaFeed feed in decoding)
            {
                if (!feed.CancellationToken.IsCancellationRequested)
                {
                    return 0;
                }
            }

            return 1;
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    }

    private readonly record struct Entry(LlamaFeed Feed, int Count);
}

/// <summary>One <see cref="LlamaDecoderSequence.ForwardAsync"/> call waiting for (or in) a decode.</summary>
internal sealed class LlamaFeed(LlamaSharedContext context, LlamaDecoderSequence sequence, ReadOnlyMemory<int> tokens, int start, CancellationToken cancellationToken)
{
    private readonly TaskCompletionSource<ReadOnlyMemory<float>> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LlamaSharedContext Context { get; } = context;

    public LlamaDecoderSequence Sequence { get; } = sequence;

    public ReadOnlyMemory<int> Tokens { get; } = tokens;

    /// <summary>The sequence's length before this feed: the position of its first token.</summary>
    public int Start { get; } = start;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public CancellationTokenRegistration Registration { get; set; }

    /// <summary>Tokens already decoded (a long prompt goes in several decodes); written by the runner.</summary>
    public int Fed { get; set; }

    public int Remaining => Tokens.Length - Fed;

    /// <summary>Arrival order; under the context's lock.</summary>
    public long Order { get; set; }

    /// <summary>Whether the feed is in the decode being built or run; under the context's lock.</summary>
    public bool InDecode { get; set; }

    /// <summary>Whether the caller cancelled; under the context's lock.</summary>
    public bool CancelRequested { get; set; }

    public bool IsCompleted => _completion.Task.IsCompleted;

    public Task<ReadOnlyMemory<float>> Task => _completion.Task;

    public void Succeed()
    {
        Registration.Unregister();
        Sequence.Length = Start + Tokens.Length;
        _completion.TrySetResult(Sequence.Logits);
    }

    public void Cancel()
    {
        Registration.Unregister();
        _completion.TrySetCanceled(CancellationToken);
    }

    public void Fail(Exception error)
    {
        Registration.Unregister();
        if (error is OperationCanceledException)
        {
            _completion.TrySetCanceled(CancellationToken);
        }
        else
        {
            _completion.TrySetException(error);
        }
    }
}
