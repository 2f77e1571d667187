using System.Globalization;
using Bytez.Engine.Generation;

namespace Bytez.Engine.LlamaCpp;

/// <summary>
/// One sequence on a shared llama.cpp context: its own sequence id and cache cells. Each call becomes a feed for the
/// context's step scheduler, which decodes it together with the feeds of the context's other sequences (continuous
/// batching). Prompts longer than the batch size are fed in several decodes; a failed or cancelled feed leaves the
/// sequence as it was before the call.
/// </summary>
internal sealed class LlamaDecoderSequence : IDecoderSequence
{
    private readonly LlamaCppInstance _instance;
    private readonly LlamaSharedContext _context;

    public LlamaDecoderSequence(LlamaCppInstance instance, LlamaSharedContext context, int sequenceId)
    {
        _instance = instance;
        _context = context;
        SequenceId = sequenceId;
        Logits = new float[instance.VocabularySize];
    }

    /// <inheritdoc />
    public int Length { get; internal set; }

    /// <summary>The llama.cpp sequence id in the context.</summary>
    internal int SequenceId { get; }

    /// <summary>The logits of the last feed, written by the context's runner.</summary>
    internal float[] Logits { get; }

    internal bool IsDisposed { get; private set; }

    /// <inheritdoc />
    public async ValueTask<ReadOnlyMemory<float>> ForwardAsync(ReadOnlyMemory<int> tokens, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
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
            if ((uint)id >= (uint)Logits.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), id, $"Token id {id} is outside the vocabulary (0 to {Logits.Length - 1}).");
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return await _context.Submit(new LlamaFeed(_context, this, tokens, Length, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Leaves the context between decodes: clears this sequence's cells and frees its id.</summary>
    public void Dispose()
    {
        if (IsDisposed)
        {
            return;
        }

        IsDisposed = true;
        _context.Leave(this);
        _instance.Release(_context, SequenceId);
    }
}
