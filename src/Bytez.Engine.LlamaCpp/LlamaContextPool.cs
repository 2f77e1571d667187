using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LLama.Native;

namespace Bytez.Engine.LlamaCpp;

/// <summary>
/// One llama.cpp context shared by up to <c>n_seq_max</c> sequences, each with its own sequence id and its own part
/// of the key/value cache. Decodes on it are serialized; the abort callback stops a decode whose caller cancelled.
/// The next step (continuous batching) puts several sequences' tokens into one decode here.
/// </summary>
internal sealed unsafe class LlamaSharedContext : IDisposable
{
    private readonly Stack<int> _freeSequenceIds;
    private readonly LLamaBatch _batch = new();
    private GCHandle _self;
    private CancellationToken _abortToken;
    private bool _disposed;

    public LlamaSharedContext(SafeLlamaModelHandle model, int contextLength, int sequences, LlamaCppOptions options)
    {
        _self = GCHandle.Alloc(this, GCHandleType.Normal);
        try
        {
            var p = LLamaContextParams.Default();
            p.n_ctx = checked((uint)(contextLength * sequences));
            p.n_seq_max = (uint)sequences;
            p.n_batch = (uint)Math.Min(options.BatchSize, contextLength);
            p.n_ubatch = p.n_batch;
            p.n_threads = options.EffectiveThreads;
            p.n_threads_batch = options.EffectiveThreads;
            p.kv_unified = false;
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
        _freeSequenceIds = new Stack<int>(Enumerable.Range(0, Sequences).Reverse());
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

    /// <summary>The batch the holder of <see cref="Gate"/> fills.</summary>
    public LLamaBatch Batch => _batch;

    /// <summary>Takes a free sequence id; the caller holds the pool's lock.</summary>
    public bool TryRent(out int sequenceId) => _freeSequenceIds.TryPop(out sequenceId);

    /// <summary>Returns a sequence id; the caller holds the pool's lock.</summary>
    public void Return(int sequenceId) => _freeSequenceIds.Push(sequenceId);

    /// <summary>Whether every sequence id is free; the caller holds the pool's lock.</summary>
    public bool IsIdle => _freeSequenceIds.Count == Sequences;

    /// <summary>Whether the context has been disposed.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Runs one decode of <see cref="Batch"/>; the caller holds <see cref="Gate"/>.</summary>
    public DecodeResult Decode(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _abortToken = cancellationToken;
        try
        {
            return Handle.Decode(_batch);
        }
        finally
        {
            _abortToken = default;
        }
    }

    public void Dispose()
    {
        Gate.Wait();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Handle.Dispose();
            _self.Free();
        }
        finally
        {
            Gate.Release();
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static byte Abort(void* userData)
    {
        try
        {
            return GCHandle.FromIntPtr((IntPtr)userData).Target is LlamaSharedContext { _abortToken.IsCancellationRequested: true } ? (byte)1 : (byte)0;
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    }
}
