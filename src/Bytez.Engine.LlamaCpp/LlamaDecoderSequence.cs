using System.Globalization;
using Bytez.Engine.Generation;
using LLama.Native;

namespace Bytez.Engine.LlamaCpp;

/// <summary>
/// One sequence on a shared llama.cpp context: its own sequence id and cache cells. Prompts longer than the batch
/// size are fed in several decodes; a failed or cancelled feed leaves the sequence as it was before the call.
/// </summary>
internal sealed class LlamaDecoderSequence : IDecoderSequence
{
    private readonly LlamaCppInstance _instance;
    private readonly LlamaSharedContext _context;
    private readonly LLamaSeqId _sequenceId;
    private readonly float[] _logits;
    private bool _disposed;

    public LlamaDecoderSequence(LlamaCppInstance instance, LlamaSharedContext context, int sequenceId)
    {
        _instance = instance;
        _context = context;
        _sequenceId = (LLamaSeqId)sequenceId;
        _logits = new float[instance.VocabularySize];
    }

    public int Length { get; private set; }

    public async ValueTask<ReadOnlyMemory<float>> ForwardAsync(ReadOnlyMemory<int> tokens, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("At least one token must be fed.", nameof(tokens));
        }

        if (Length + tokens.Length > _instance.ContextLength)
        {
            throw EngineException.BadInput(string.Create(CultureInfo.InvariantCulture,
                $"The sequence would hold {Length + tokens.Length} tokens; the model's context holds {_instance.ContextLength}."));
        }

        foreach (int id in tokens.Span)
        {
            if ((uint)id >= (uint)_logits.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), id, $"Token id {id} is outside the vocabulary (0 to {_logits.Length - 1}).");
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        await _context.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Feed(tokens.Span, cancellationToken);
        }
        finally
        {
            _context.Gate.Release();
        }

        return _logits;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _context.Gate.Wait();
        try
        {
            if (!_context.IsDisposed)
            {
                _context.Handle.MemorySequenceRemove(_sequenceId, -1, -1);
            }
        }
        finally
        {
            _context.Gate.Release();
        }

        _instance.Release(_context, _sequenceId.Value);
    }

    /// <summary>Feeds the tokens in batches; the caller holds the context's gate.</summary>
    private void Feed(ReadOnlySpan<int> tokens, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_context.IsDisposed, _instance);
        int start = Length, fed = 0;
        LLamaBatch batch = _context.Batch;
        try
        {
            while (fed < tokens.Length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n = Math.Min(_context.BatchSize, tokens.Length - fed);
                batch.Clear();
                for (int i = 0; i < n; i++)
                {
                    int index = fed + i;
                    batch.Add(tokens[index], start + index, _sequenceId, index == tokens.Length - 1);
                }

                DecodeResult result = _context.Decode(cancellationToken);
                switch (result)
                {
                    case DecodeResult.Ok:
                        break;
                    case DecodeResult.ComputeAborted:
                        throw new OperationCanceledException("Decoding was cancelled.", cancellationToken);
                    case DecodeResult.NoKvSlot:
                        throw new EngineException(EngineErrorKind.Overloaded, "llama.cpp found no free cache slot for the sequence.");
                    default:
                        throw new EngineException(EngineErrorKind.Internal, $"llama.cpp failed to decode ({result}, code {(int)result}).");
                }

                fed += n;
            }

            _context.Handle.GetLogitsIth(batch.TokenCount - 1).CopyTo(_logits);
            Length = start + tokens.Length;
        }
        catch
        {
            // Drop whatever part of this call reached the cache, so the sequence is as it was.
            _context.Handle.MemorySequenceRemove(_sequenceId, start, -1);
            throw;
        }
    }
}
