using Bytez.Engine.Generation;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bytez.Engine.Onnx.Generation;

/// <summary>
/// One sequence on an <see cref="OnnxDecoderInstance"/>. With a key/value cache, the <c>present.*</c> outputs of one
/// call are fed as the <c>past_key_values.*</c> inputs of the next as they are (no copy); the first call feeds an empty
/// past [1, kv_heads, 0, head_dim] (and <c>use_cache_branch</c> false in a merged decoder). Without a cache every call
/// runs the whole sequence. <c>position_ids</c> are the absolute positions; <c>attention_mask</c> is all ones.
/// </summary>
internal sealed class OnnxDecoderSequence : IDecoderSequence
{
    private readonly OnnxDecoderInstance _instance;
    private readonly DecoderSignature _sig;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue[] _past;
    private readonly OrtValue[] _inputs;
    private readonly float[] _logits;
    private long[] _tokens = new long[64]; // every token fed, for recomputation without a cache
    private bool _disposed;

    public OnnxDecoderSequence(OnnxDecoderInstance instance)
    {
        _instance = instance;
        _sig = instance.Signature;
        _past = new OrtValue[_sig.PastNames.Length];
        _inputs = new OrtValue[_sig.InputNames.Length];
        _logits = new float[_sig.VocabularySize];
    }

    public int Length { get; private set; }

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

        if (_tokens.Length < total)
        {
            Array.Resize(ref _tokens, Math.Max(total, _tokens.Length * 2));
        }

        for (var i = 0; i < count; i++)
        {
            _tokens[Length + i] = span[i];
        }

        // With a cache, feed the new tokens after Length cached ones; without, feed everything from position 0.
        var start = _sig.HasCache ? Length : 0;
        var fed = total - start;
        var session = _instance.Session;
        IDisposableReadOnlyCollection<OrtValue>? outputs = null;
        try
        {
            var n = 0;
            _inputs[n++] = IndexTensor(_sig.InputIdsType, _tokens.AsSpan(start, fed), [1, fed], 0, false);
            if (_sig.AttentionMaskType is { } maskType)
            {
                _inputs[n++] = IndexTensor(maskType, default, [1, total], 1, true);
            }

            if (_sig.PositionIdsType is { } positionType)
            {
                _inputs[n++] = IndexTensor(positionType, default, [1, fed], start, true, counting: true);
            }

            if (_sig.HasUseCacheBranch)
            {
                _inputs[n++] = OrtValue.CreateTensorValueFromMemory(new[] { Length > 0 }, [1]);
            }

            if (_sig.LogitsToKeepType is { } keepType)
            {
                _inputs[n++] = IndexTensor(keepType, default, [], 1, true);
            }

            for (var i = 0; i < _past.Length; i++)
            {
                _past[i] ??= OrtValue.CreateAllocatedTensorValue(
                    OrtAllocator.DefaultInstance, _sig.PastTypes[i], [1, _sig.KeyValueHeads, 0, _sig.HeadDim]);
                _inputs[n++] = _past[i];
            }

            _runOptions.Terminate = false;
            using (cancellationToken.CanBeCanceled
                ? cancellationToken.Register(static s => ((RunOptions)s!).Terminate = true, _runOptions)
                : default)
            {
                try
                {
                    outputs = session.Run(_runOptions, _sig.InputNames, _inputs, _sig.OutputNames);
                }
                catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (OnnxRuntimeException e)
                {
                    throw new EngineException(EngineErrorKind.Internal, $"ONNX Runtime failed to run the decoder: {e.Message}", e);
                }
            }

            CopyLastLogits(outputs[0]);

            // The present outputs become the next call's past inputs, as they are.
            for (var i = 0; i < _past.Length; i++)
            {
                _past[i].Dispose();
                _past[i] = outputs[i + 1];
            }

            outputs[0].Dispose();
            outputs = null;
            Length = total;
            return ValueTask.FromResult<ReadOnlyMemory<float>>(_logits);
        }
        finally
        {
            for (var i = 0; i < _inputs.Length - _past.Length; i++)
            {
                _inputs[i]?.Dispose();
                _inputs[i] = null!;
            }

            outputs?.Dispose();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var past in _past)
        {
            past?.Dispose();
        }

        _runOptions.Dispose();
    }

    /// <summary>
    /// An int64 or int32 tensor, from <paramref name="values"/> or filled with <paramref name="fill"/> (counting up from
    /// it when <paramref name="counting"/>).
    /// </summary>
    private static OrtValue IndexTensor(TensorElementType type, ReadOnlySpan<long> values, long[] shape, long fill, bool filled, bool counting = false)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, shape);
        if (type == TensorElementType.Int64)
        {
            var data = value.GetTensorMutableDataAsSpan<long>();
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = filled ? (counting ? fill + i : fill) : values[i];
            }
        }
        else
        {
            var data = value.GetTensorMutableDataAsSpan<int>();
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (int)(filled ? (counting ? fill + i : fill) : values[i]);
            }
        }

        return value;
    }

    private void CopyLastLogits(OrtValue logits)
    {
        var shape = logits.GetTensorTypeAndShape().Shape;
        var vocab = _logits.Length;
        if (shape.Length == 0 || shape[^1] != vocab)
        {
            throw new EngineException(EngineErrorKind.Internal,
                $"The decoder returned logits of shape [{string.Join(", ", shape)}]; expected a last dimension of {vocab}.");
        }

        switch (_sig.LogitsType)
        {
            case TensorElementType.Float:
                {
                    var data = logits.GetTensorDataAsSpan<float>();
                    data[^vocab..].CopyTo(_logits);
                    break;
                }

            case TensorElementType.Float16:
                {
                    var data = logits.GetTensorDataAsSpan<Float16>()[^vocab..];
                    for (var i = 0; i < vocab; i++)
                    {
                        _logits[i] = data[i].ToFloat();
                    }

                    break;
                }

            default:
                {
                    var data = logits.GetTensorDataAsSpan<BFloat16>()[^vocab..];
                    for (var i = 0; i < vocab; i++)
                    {
                        _logits[i] = data[i].ToFloat();
                    }

                    break;
                }
        }
    }
}
