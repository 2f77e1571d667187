using Bytez.Engine.Generation;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx.Generation;

/// <summary>
/// One sequence on an <see cref="OnnxDecoderInstance"/>. With a key/value cache, the <c>present.*</c> outputs of one
/// call are kept (no copy) as the sequence's cache, a <see cref="KeyValueBlock"/>, and fed as the <c>past_key_values.*</c>
/// inputs of the next; the first call feeds an empty past [1, kv_heads, 0, head_dim] (and <c>use_cache_branch</c> false
/// in a merged decoder). Without a cache every call runs the whole sequence. <c>position_ids</c> are the absolute
/// positions; <c>attention_mask</c> is all ones. Single-token steps of a sequence with a cache go through the instance's
/// <see cref="DecoderBatchScheduler"/> (when batching is on), which may run them with other sequences' steps; the block
/// then holds the rows of all of them, this sequence's at <see cref="Row"/> after <see cref="Pad"/> padding positions.
/// </summary>
internal sealed class OnnxDecoderSequence : IDecoderSequence
{
    private readonly OnnxDecoderInstance _instance;
    private readonly DecoderSignature _sig;
    private readonly RunOptions _runOptions = new();
    private int[] _tokens = new int[64]; // every token fed: recomputation without a cache, the prefix cache
    private volatile bool _disposed;

    public OnnxDecoderSequence(OnnxDecoderInstance instance)
    {
        _instance = instance;
        _sig = instance.Signature;
        Logits = new float[_sig.VocabularySize];
        instance.Scheduler?.Open();
    }

    public int Length { get; private set; }

    /// <summary>Prompt tokens the first call took from the instance's prefix cache instead of feeding them (0 without a hit).</summary>
    public int ReusedTokens { get; private set; }

    /// <summary>The logits of the last call (valid until the next).</summary>
    internal float[] Logits { get; }

    /// <summary>The cache, or <see langword="null"/> before the first call (and without a cache).</summary>
    internal KeyValueBlock? Block { get; private set; }

    /// <summary>This sequence's row in <see cref="Block"/>.</summary>
    internal int Row { get; private set; }

    /// <summary>Padding positions before this sequence's own in its row of <see cref="Block"/>.</summary>
    internal int Pad { get; private set; }

    internal bool IsDisposed => _disposed;

    // Scheduler state, guarded by the scheduler's lock.
    internal bool Queued { get; set; }

    internal int SkipWaits { get; set; }

    public ValueTask<ReadOnlyMemory<float>> ForwardAsync(ReadOnlyMemory<int> tokens, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (tokens.IsEmpty)
        {
            throw EngineException.BadInput("No tokens to feed.");
        }

        var count = tokens.Length;
        var total = Length + count;
        if (total > _instance.ContextLength)
        {
            throw EngineException.BadInput(
                $"The sequence would hold {total} tokens; this model takes at most {_instance.ContextLength} (prompt included).");
        }

        var span = tokens.Span;
        for (var i = 0; i < count; i++)
        {
            if ((uint)span[i] >= (uint)_sig.VocabularySize)
            {
                throw EngineException.BadInput($"Token id {span[i]} is outside the vocabulary (0..{_sig.VocabularySize - 1}).");
            }
        }

        if (count == 1 && Length > 0 && _instance.Scheduler is { } scheduler)
        {
            Remember(span);
            return scheduler.StepAsync(this, span[0], cancellationToken);
        }

        if (Length == 0 && _instance.PrefixCache is { } cache && _sig.HasCache)
        {
            StartPrompt(cache, span, cancellationToken);
        }
        else
        {
            RunAlone(span, cancellationToken);
        }

        return ValueTask.FromResult<ReadOnlyMemory<float>>(Logits);
    }

    /// <summary>
    /// The first call with the prefix cache on: starts from the longest cached prefix of the prompt (all but its last
    /// token at most), feeds the rest, and keeps the prompt's cache for later prompts that start with it.
    /// </summary>
    private void StartPrompt(PrefixCache cache, ReadOnlySpan<int> prompt, CancellationToken cancellationToken)
    {
        var reused = 0;
        if (cache.Find(prompt, out var found) is { } block)
        {
            reused = found;
            Remember(prompt[..reused]);
            Advance(block, 0, 0, reused);
        }

        try
        {
            RunAlone(prompt[reused..], cancellationToken);
        }
        catch
        {
            // As before the call: empty.
            Block?.Release();
            Block = null;
            Length = 0;
            throw;
        }

        if (reused > 0)
        {
            ReusedTokens = reused;
            cache.CountHit(reused);
            _instance.ReportPrefixHit(reused);
        }

        cache.Add(_tokens.AsSpan(0, Length), Block!, Row, Pad);
    }

    /// <summary>Writes tokens about to be fed after the <see cref="Length"/> held (they count once the run succeeds).</summary>
    private void Remember(ReadOnlySpan<int> tokens)
    {
        var total = Length + tokens.Length;
        if (_tokens.Length < total)
        {
            Array.Resize(ref _tokens, Math.Max(total, _tokens.Length * 2));
        }

        tokens.CopyTo(_tokens.AsSpan(Length));
    }

    /// <summary>Feeds <paramref name="tokens"/> in a run of this sequence alone; on success the sequence holds them.</summary>
    internal void RunAlone(ReadOnlySpan<int> tokens, CancellationToken cancellationToken)
    {
        var count = tokens.Length;
        var total = Length + count;
        var start = _sig.HasCache ? Length : 0;
        var fed = total - start;
        Remember(tokens);

        var session = _instance.Session;
        var inputs = new OrtValue[_sig.InputNames.Length];
        var fixedInputs = 0;
        OrtValue[]? ownPast = null; // past tensors made for this run (an empty past, or this row copied out of a shared block)
        IDisposableReadOnlyCollection<OrtValue>? outputs = null;
        try
        {
            var n = 0;
            inputs[n++] = DecoderTensors.Index(_sig.InputIdsType, [1, fed], (_tokens, start), static (t, i) => t._tokens[t.start + i]);
            if (_sig.AttentionMaskType is { } maskType)
            {
                inputs[n++] = DecoderTensors.Index(maskType, [1, total], 0, static (_, _) => 1);
            }

            if (_sig.PositionIdsType is { } positionType)
            {
                inputs[n++] = DecoderTensors.Index(positionType, [1, fed], (long)start, static (s, i) => s + i);
            }

            if (_sig.HasUseCacheBranch)
            {
                inputs[n++] = OrtValue.CreateTensorValueFromMemory(new[] { Length > 0 }, [1]);
            }

            if (_sig.LogitsToKeepType is { } keepType)
            {
                inputs[n++] = DecoderTensors.Index(keepType, [], 0, static (_, _) => 1);
            }

            fixedInputs = n;
            if (_sig.HasCache)
            {
                var block = Block;
                if (block is not null && block.Rows == 1 && Pad == 0)
                {
                    block.Tensors.CopyTo(inputs, n);
                }
                else
                {
                    ownPast = new OrtValue[_sig.PastNames.Length];
                    for (var i = 0; i < ownPast.Length; i++)
                    {
                        ownPast[i] = OrtValue.CreateAllocatedTensorValue(
                            OrtAllocator.DefaultInstance, _sig.PastTypes[i], [1, _sig.KeyValueHeads, Length, _sig.HeadDim]);
                        if (block is not null)
                        {
                            DecoderTensors.CopyRow(block.Tensors[i], Row, block.Columns, ownPast[i], 0, Length, Length,
                                _sig.KeyValueHeads, _sig.HeadDim, DecoderTensors.ElementSize(_sig.PastTypes[i]));
                        }
                    }

                    ownPast.CopyTo(inputs, n);
                }
            }

            outputs = DecoderTensors.Run(session, _sig, inputs, _runOptions, cancellationToken);
            _instance.ReportRun(1);
            DecoderTensors.CopyLastLogits(outputs[0], _sig.LogitsType, 0, 1, Logits);
            if (_sig.HasCache)
            {
                // The present outputs become the next call's past inputs, as they are.
                var presents = new OrtValue[_sig.PastNames.Length];
                for (var i = 0; i < presents.Length; i++)
                {
                    presents[i] = outputs[i + 1];
                }

                outputs[0].Dispose();
                outputs = null;
                Advance(new KeyValueBlock(presents, 1, total, 1), 0, 0, count);
            }
            else
            {
                Length = total;
            }
        }
        finally
        {
            for (var i = 0; i < fixedInputs; i++)
            {
                inputs[i]?.Dispose();
            }

            if (ownPast is not null)
            {
                foreach (var past in ownPast)
                {
                    past?.Dispose();
                }
            }

            outputs?.Dispose();
        }
    }

    /// <summary>Takes <paramref name="block"/> as the cache after <paramref name="fed"/> more tokens, letting go of the old one.</summary>
    internal void Advance(KeyValueBlock block, int row, int pad, int fed)
    {
        var old = Block;
        Block = block;
        Row = row;
        Pad = pad;
        Length += fed;
        old?.Release();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _instance.Scheduler?.Leave(this);
        if (Block is { } block && _instance.PrefixCache is { } cache)
        {
            // The prompt and the tokens generated after it: the next turn of a chat starts with them.
            cache.Add(_tokens.AsSpan(0, Length), block, Row, Pad);
        }

        Block?.Release();
        Block = null;
        _runOptions.Dispose();
    }
}
