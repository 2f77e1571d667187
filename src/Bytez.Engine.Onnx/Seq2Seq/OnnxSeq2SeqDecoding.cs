using Bytez.Engine.Generation;
using Bytez.Engine.Onnx.Generation;
using Microsoft.ML.OnnxRuntime;

namespace Bytez.Engine.Onnx.Seq2Seq;

/// <summary>
/// The decoder side of one request on an <see cref="OnnxSeq2SeqInstance"/>. The encoder's output (one row) is kept and
/// repeated to the number of rows when the decoder needs it. The first step runs the first-step graph (the merged
/// decoder with <c>use_cache_branch</c> false and empty pasts, or <c>decoder_model.onnx</c>); its
/// <c>present.*.encoder.*</c> outputs are the cross-attention cache, fed unchanged to every later step; each step's
/// <c>present.*.decoder.*</c> outputs become the next step's self-attention past. Rows are reordered by copying their
/// cache rows; the cross-attention rows are all the same source, so they are only repeated when the row count changes.
/// A decoder that keeps self-attention only (<c>past_key_values.*.key</c>: GPT-2 inside ViT-GPT2) is fed
/// <c>encoder_hidden_states</c> at every step instead. Without a cache every step runs all the row's decoder tokens.
/// </summary>
internal sealed class OnnxSeq2SeqDecoding : ISeq2SeqDecoding
{
    private readonly OnnxSeq2SeqInstance _model;
    private readonly OrtValue _hidden;
    private readonly int _sourceLength;
    private readonly RunOptions _runOptions = new();
    private readonly int _vocabulary;
    private OrtValue? _hiddenRows;
    private OrtValue[]? _encoderCache;
    private OrtValue[]? _decoderCache;
    private List<int>[] _tokens = [[]];
    private float[] _logits;
    private float[] _row;
    private bool _disposed;

    public OnnxSeq2SeqDecoding(OnnxSeq2SeqInstance model, OrtValue hidden, int sourceLength)
    {
        _model = model;
        _hidden = hidden;
        _sourceLength = sourceLength;
        _vocabulary = model.Info.VocabularySize;
        _logits = new float[_vocabulary];
        _row = new float[_vocabulary];
    }

    public int Rows { get; private set; } = 1;

    public int Length { get; private set; }

    public async ValueTask<ReadOnlyMemory<float>> StepAsync(ReadOnlyMemory<int> tokens, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed || _model.IsDisposed, this);
        if (tokens.Length != Rows)
        {
            throw new ArgumentException($"Expected one token for each of the {Rows} rows; got {tokens.Length}.", nameof(tokens));
        }

        if (Length + 1 > _model.Info.MaxTargetLength)
        {
            throw EngineException.BadInput($"The decoder would hold {Length + 1} tokens; this model takes at most {_model.Info.MaxTargetLength}.");
        }

        for (var r = 0; r < Rows; r++)
        {
            var token = tokens.Span[r];
            if ((uint)token >= (uint)_vocabulary)
            {
                throw EngineException.BadInput($"Token id {token} is outside the vocabulary (0..{_vocabulary - 1}).");
            }

            _tokens[r].Add(token);
        }

        var layout = _model.Files.Layout;
        var first = Length == 0;
        var session = layout == Seq2SeqDecoderLayout.Split && !first ? _model.DecoderWithPast! : _model.Decoder;
        var noCache = layout == Seq2SeqDecoderLayout.NoCache;
        var rows = Rows;
        var names = session.InputMetadata.Keys.ToArray();
        var inputs = new OrtValue[names.Length];
        var owned = new bool[names.Length];
        var outputNames = new List<string> { "logits" };
        if (!noCache)
        {
            outputNames.AddRange(_model.PastDecoder.Select(Present));
            if (first)
            {
                outputNames.AddRange(_model.PastEncoder.Select(Present));
            }
        }

        IDisposableReadOnlyCollection<OrtValue>? outputs = null;
        try
        {
            for (var i = 0; i < names.Length; i++)
            {
                var name = names[i];
                var type = session.InputMetadata[name].ElementDataType;
                owned[i] = true;
                switch (name)
                {
                    case "input_ids":
                        var fed = noCache ? Length + 1 : 1;
                        var history = _tokens;
                        inputs[i] = Seq2SeqTensors.Ids(type, rows, fed, (r, c) => history[r][history[r].Count - fed + c]);
                        break;
                    case "encoder_attention_mask":
                        inputs[i] = Seq2SeqTensors.Ids(type, rows, _sourceLength, static (_, _) => 1);
                        break;
                    case "encoder_hidden_states":
                        inputs[i] = HiddenRows();
                        owned[i] = false;
                        break;
                    case "cache_position":
                        // The positions of the tokens fed (exports of transformers 4.43-4.45 take them).
                        var count = noCache ? Length + 1 : 1;
                        var positions = new long[count];
                        for (var p = 0; p < count; p++)
                        {
                            positions[p] = Length + 1 - count + p;
                        }

                        inputs[i] = OrtValue.CreateTensorValueFromMemory(positions, [count]);
                        break;
                    case "use_cache_branch":
                        inputs[i] = OrtValue.CreateTensorValueFromMemory(new[] { !first }, [1]);
                        break;
                    default:
                        var decoderIndex = Array.IndexOf(_model.PastDecoder, name);
                        var encoderIndex = Array.IndexOf(_model.PastEncoder, name);
                        if (first || (decoderIndex < 0 && encoderIndex < 0))
                        {
                            inputs[i] = Seq2SeqTensors.EmptyPast(type, rows, _model.Heads, _model.HeadDim);
                        }
                        else
                        {
                            inputs[i] = decoderIndex >= 0 ? _decoderCache![decoderIndex] : _encoderCache![encoderIndex];
                            owned[i] = false;
                        }

                        break;
                }
            }

            outputs = await _model.RunAsync(session, _runOptions, names, inputs, outputNames, cancellationToken).ConfigureAwait(false);
            if (_logits.Length != rows * _vocabulary)
            {
                _logits = new float[rows * _vocabulary];
            }

            for (var r = 0; r < rows; r++)
            {
                DecoderTensors.CopyLastLogits(outputs[0], _model.LogitsType, r, rows, _row);
                _row.CopyTo(_logits, r * _vocabulary);
            }

            if (!noCache)
            {
                var presents = _model.PastDecoder.Length;
                var decoderCache = new OrtValue[presents];
                for (var k = 0; k < presents; k++)
                {
                    decoderCache[k] = outputs[1 + k];
                }

                if (first)
                {
                    // Empty when the decoder keeps no cross-attention cache (it reads encoder_hidden_states every step).
                    _encoderCache = new OrtValue[_model.PastEncoder.Length];
                    for (var k = 0; k < _encoderCache.Length; k++)
                    {
                        _encoderCache[k] = outputs[1 + presents + k];
                    }
                }

                outputs[0].Dispose();
                outputs = null; // the presents are kept as the caches
                Dispose(_decoderCache);
                _decoderCache = decoderCache;
            }

            Length++;
            return _logits.AsMemory(0, rows * _vocabulary);
        }
        catch
        {
            for (var r = 0; r < Rows; r++)
            {
                _tokens[r].RemoveAt(_tokens[r].Count - 1);
            }

            throw;
        }
        finally
        {
            for (var i = 0; i < inputs.Length; i++)
            {
                if (owned[i])
                {
                    inputs[i]?.Dispose();
                }
            }

            outputs?.Dispose();
        }
    }

    public void Reorder(ReadOnlySpan<int> sourceRows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var s in sourceRows)
        {
            if ((uint)s >= (uint)Rows)
            {
                throw new ArgumentOutOfRangeException(nameof(sourceRows), $"Row {s} does not exist (rows: {Rows}).");
            }
        }

        if (sourceRows.Length == 0)
        {
            throw new ArgumentException("At least one row is needed.", nameof(sourceRows));
        }

        if (_decoderCache is not null)
        {
            var reordered = new OrtValue[_decoderCache.Length];
            for (var k = 0; k < reordered.Length; k++)
            {
                reordered[k] = Seq2SeqTensors.CopyRows(_decoderCache[k], sourceRows);
            }

            Dispose(_decoderCache);
            _decoderCache = reordered;
        }

        if (sourceRows.Length != Rows)
        {
            // Every row holds the same source: the cross-attention cache and the encoder output only change in count.
            var same = new int[sourceRows.Length];
            if (_encoderCache is not null)
            {
                var repeated = new OrtValue[_encoderCache.Length];
                for (var k = 0; k < repeated.Length; k++)
                {
                    repeated[k] = Seq2SeqTensors.CopyRows(_encoderCache[k], same);
                }

                Dispose(_encoderCache);
                _encoderCache = repeated;
            }

            _hiddenRows?.Dispose();
            _hiddenRows = null;
        }

        var tokens = new List<int>[sourceRows.Length];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = [.. _tokens[sourceRows[i]]];
        }

        _tokens = tokens;
        Rows = sourceRows.Length;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _model.Closed();
        Dispose(_decoderCache);
        Dispose(_encoderCache);
        _hiddenRows?.Dispose();
        _hidden.Dispose();
        _runOptions.Dispose();
    }

    private static string Present(string past) => "present" + past["past_key_values".Length..];

    private OrtValue HiddenRows() => _hiddenRows ??= Seq2SeqTensors.CopyRows(_hidden, new int[Rows]);

    private static void Dispose(OrtValue[]? values)
    {
        if (values is null)
        {
            return;
        }

        foreach (var value in values)
        {
            value.Dispose();
        }
    }
}
