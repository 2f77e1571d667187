using System.Globalization;
using Bytez.Engine.Generation;

namespace Bytez.Engine.LlamaCpp;

/// <summary>
/// One sequence on a shared llama.cpp context: its own sequence id and cache cells. Each call becomes a feed for the
/// context's step scheduler, which decodes it together with the feeds of the context's other sequences (continuous
/// batching). Prompts longer than the batch size are fed in several decodes; a failed or cancelled feed leaves the
/// sequence as it was before the call.
/// </summary>
/// <remarks>
/// The sequence reserves a place in a context when it is created and takes its sequence id at the first feed, when
/// the prompt is known: with the prefix cache, the id of a finished sequence whose tokens start the prompt (or a copy
/// of its cells), so only the rest of the prompt is decoded. When it is disposed, its cells stay as a cached prefix
/// for later sequences (<see cref="LlamaCppOptions.PrefixCache"/>).
/// </remarks>
internal sealed class LlamaDecoderSequence : IDecoderSequence
{
    private readonly LlamaCppInstance _instance;
    private readonly Lock _lock = new();
    private readonly List<int> _tokens = [];
    private LlamaSharedContext _context; // may change at the first feed, to the context where the prompt's prefix is cached
    private bool _feeding;

    public LlamaDecoderSequence(LlamaCppInstance instance, LlamaSharedContext context)
    {
        _instance = instance;
        _context = context;
        Logits = new float[instance.VocabularySize];
    }

    /// <inheritdoc />
    public int Length { get; internal set; }

    /// <inheritdoc />
    public int ReusedTokens { get; private set; }

    /// <summary>The llama.cpp sequence id in the context; -1 until the first feed takes one.</summary>
    internal int SequenceId { get; private set; } = -1;

    /// <summary>Whether the first decode must first drop the id's cells from the sequence's length on; written by the runner.</summary>
    internal bool TrimPending { get; set; }

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
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            if (SequenceId < 0)
            {
                // The first feed (the prompt): take an id, with the cached prefix it shares with the prompt, if any.
                (LlamaSharedContext context, int id, int reused) = _instance.Bind(_context, tokens.Span);
                _context = context;
                SequenceId = id;
                TrimPending = true;
                ReusedTokens = reused;
                Length = reused;
                _tokens.AddRange(tokens.Span[..reused]);
                tokens = tokens[reused..];
            }

            _feeding = true;
        }

        try
        {
            ReadOnlyMemory<float> logits = await _context.Submit(new LlamaFeed(_context, this, tokens, Length, cancellationToken)).ConfigureAwait(false);
            lock (_lock)
            {
                _tokens.AddRange(tokens.Span);
            }

            return logits;
        }
        finally
        {
            lock (_lock)
            {
                _feeding = false;
            }
        }
    }

    /// <summary>
    /// Leaves the context between decodes: the cells stay as a cached prefix when the prefix cache is on and no feed
    /// is under way; else they are cleared. Frees the id either way.
    /// </summary>
    public void Dispose()
    {
        bool keep;
        lock (_lock)
        {
            if (IsDisposed)
            {
                return;
            }

            IsDisposed = true;
            if (SequenceId < 0)
            {
                _instance.Unreserve(_context);
                return;
            }

            keep = !_feeding && _tokens.Count > 0 && _instance.PrefixCacheEnabled;
        }

        if (keep)
        {
            _context.Forget(this);
        }
        else
        {
            _context.Leave(this);
        }

        _instance.Release(_context, SequenceId, keep ? [.. _tokens] : null);
    }
}
