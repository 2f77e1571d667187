using Bytez.Engine.Generation;
using Bytez.Engine.Onnx.Seq2Seq;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx.Generation;

/// <summary>
/// Rows of one prompt decoded together on an <see cref="OnnxDecoderInstance"/> with a key/value cache, for beam search:
/// each run feeds one token per row (<c>input_ids</c> [rows, 1], <c>attention_mask</c> all ones, <c>position_ids</c> the
/// absolute position), the <c>present.*</c> outputs become the next run's past, and <see cref="Reorder"/> copies cache
/// rows. The prompt but its last token is fed to one row first. Runs outside the instance's batch scheduler.
/// </summary>
internal sealed class OnnxDecoderRows : IRowDecoding
{
    private readonly OnnxDecoderInstance _instance;
    private readonly DecoderSignature _sig;
    private readonly RunOptions _runOptions = new();
    private OrtValue[]? _cache;
    private float[] _logits;
    private readonly float[] _row;

    public OnnxDecoderRows(OnnxDecoderInstance instance)
    {
        _instance = instance;
        _sig = instance.Signature;
        if (!_sig.HasCache)
        {
            throw EngineException.NotSupported("Beam search needs a decoder exported with its key/value cache (past_key_values inputs).");
        }

        _row = new float[_sig.VocabularySize];
        _logits = _row;
    }

    public int Rows { get; private set; } = 1;

    public int Length { get; private set; }

    /// <summary>Feeds <paramref name="tokens"/> to the single row (the prompt but its last token).</summary>
    public void Prefill(ReadOnlySpan<int> tokens, CancellationToken cancellationToken)
    {
        if (!tokens.IsEmpty)
        {
            var ids = tokens.ToArray();
            foreach (var id in ids)
            {
                if ((uint)id >= (uint)_sig.VocabularySize)
                {
                    throw EngineException.BadInput($"Token id {id} is outside the vocabulary (0..{_sig.VocabularySize - 1}).");
                }
            }

            Run(1, ids.Length, (_, c) => ids[c], cancellationToken);
        }
    }

    public ValueTask<ReadOnlyMemory<float>> StepAsync(ReadOnlyMemory<int> tokens, CancellationToken cancellationToken)
    {
        if (tokens.Length != Rows)
        {
            throw new ArgumentException($"Expected one token for each of the {Rows} rows; got {tokens.Length}.", nameof(tokens));
        }

        var ids = tokens.ToArray();
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)_sig.VocabularySize)
            {
                throw EngineException.BadInput($"Token id {id} is outside the vocabulary (0..{_sig.VocabularySize - 1}).");
            }
        }

        Run(Rows, 1, (r, _) => ids[r], cancellationToken);
        return ValueTask.FromResult<ReadOnlyMemory<float>>(_logits.AsMemory(0, Rows * _sig.VocabularySize));
    }

    public void Reorder(ReadOnlySpan<int> sourceRows)
    {
        foreach (var s in sourceRows)
        {
            if ((uint)s >= (uint)Rows)
            {
                throw new ArgumentOutOfRangeException(nameof(sourceRows), $"Row {s} does not exist (rows: {Rows}).");
            }
        }

        if (_cache is not null)
        {
            var reordered = new OrtValue[_cache.Length];
            for (var k = 0; k < reordered.Length; k++)
            {
                reordered[k] = Seq2SeqTensors.CopyRows(_cache[k], sourceRows);
            }

            DisposeCache();
            _cache = reordered;
        }

        Rows = sourceRows.Length;
    }

    public void Dispose()
    {
        DisposeCache();
        _runOptions.Dispose();
    }

    private void Run(int rows, int fed, Func<int, int, long> id, CancellationToken cancellationToken)
    {
        var total = Length + fed;
        if (total > _instance.ContextLength)
        {
            throw EngineException.BadInput($"The sequence would hold {total} tokens; this model takes at most {_instance.ContextLength} (prompt included).");
        }

        var inputs = new OrtValue[_sig.InputNames.Length];
        var owned = 0;
        IDisposableReadOnlyCollection<OrtValue>? outputs = null;
        try
        {
            var n = 0;
            inputs[n++] = Seq2SeqTensors.Ids(_sig.InputIdsType, rows, fed, id);
            if (_sig.AttentionMaskType is { } maskType)
            {
                inputs[n++] = Seq2SeqTensors.Ids(maskType, rows, total, static (_, _) => 1);
            }

            if (_sig.PositionIdsType is { } positionType)
            {
                var start = Length;
                inputs[n++] = Seq2SeqTensors.Ids(positionType, rows, fed, (_, c) => start + c);
            }

            if (_sig.HasUseCacheBranch)
            {
                inputs[n++] = OrtValue.CreateTensorValueFromMemory(new[] { Length > 0 }, [1]);
            }

            if (_sig.LogitsToKeepType is { } keepType)
            {
                inputs[n++] = DecoderTensors.Index(keepType, [], 0, static (_, _) => 1);
            }

            owned = n;
            for (var i = 0; i < _sig.PastNames.Length; i++)
            {
                if (_cache is null)
                {
                    inputs[n + i] = Seq2SeqTensors.EmptyPast(_sig.PastTypes[i], rows, _sig.KeyValueHeads, _sig.HeadDim);
                }
                else
                {
                    inputs[n + i] = _cache[i];
                }
            }

            if (_cache is null)
            {
                owned = inputs.Length;
            }

            outputs = DecoderTensors.Run(_instance.Session, _sig, inputs, _runOptions, cancellationToken);
            _instance.ReportRun(rows);
            if (_logits.Length != rows * _sig.VocabularySize)
            {
                _logits = new float[rows * _sig.VocabularySize];
            }

            for (var r = 0; r < rows; r++)
            {
                DecoderTensors.CopyLastLogits(outputs[0], _sig.LogitsType, r, rows, _row);
                _row.CopyTo(_logits, r * _sig.VocabularySize);
            }

            var presents = new OrtValue[_sig.PastNames.Length];
            for (var i = 0; i < presents.Length; i++)
            {
                presents[i] = outputs[i + 1];
            }

            outputs[0].Dispose();
            outputs = null; // the presents are kept as the cache
            DisposeCache();
            _cache = presents;
            Length = total;
        }
        finally
        {
            for (var i = 0; i < owned; i++)
            {
                inputs[i]?.Dispose();
            }

            outputs?.Dispose();
        }
    }

    private void DisposeCache()
    {
        if (_cache is null)
        {
            return;
        }

        foreach (var value in _cache)
        {
            value.Dispose();
        }

        _cache = null;
    }
}
