using System.Threading.Channels;
using Bytez.Engine.Encoders;
using Bytez.Engine.Onnx.Batching;
using Bytez.Engine.Tokenization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bytez.Engine.Onnx;

/// <summary>
/// An encoder with a task head on ONNX Runtime (an Optimum export: <c>onnx/model.onnx</c> or <c>model.onnx</c>, with
/// <c>config.json</c> and the tokenizer files): several single-threaded sessions sharing the weights
/// (<see cref="OnnxSessionPool"/>), fed exactly the inputs the model declares (<c>input_ids</c>, <c>attention_mask</c>,
/// <c>token_type_ids</c>), rows padded with the tokenizer's pad id; concurrent calls are merged into batches of similar
/// lengths (<see cref="DynamicBatcher{TRow, TResult}"/>). Each row gets every float output of the model, cut to its length.
/// </summary>
public sealed class OnnxEncoderInstance : IEncoderInstance, IBatchingInstance
{
    private static readonly string[] KnownInputs = ["input_ids", "attention_mask", "token_type_ids"];

    private readonly OnnxSessionPool _pool;
    private readonly EncoderSlot[] _slots;
    private readonly Channel<EncoderSlot> _free;
    private readonly DynamicBatcher<EncoderInput, EncoderResult>? _batcher;
    private readonly int _maxBatch;
    private Action<int>? _batchObserver;
    private int _disposed;

    private OnnxEncoderInstance(
        ModelDescriptor model, EncoderModelConfig config, IEncoderTokenizer tokenizer, OnnxSessionPool pool, EncoderSignature signature,
        OnnxRuntimeOptions options)
    {
        Model = model;
        Config = config;
        Tokenizer = tokenizer;
        _pool = pool;
        _maxBatch = options.MaxBatchSize;
        OutputNames = signature.Outputs.Select(o => o.Name).ToArray();
        _slots = pool.Sessions.Select(session => new EncoderSlot(session, signature, tokenizer.PadTokenId)).ToArray();
        _free = Channel.CreateUnbounded<EncoderSlot>();
        foreach (var slot in _slots)
        {
            _free.Writer.TryWrite(slot);
        }

        if (options.DynamicBatching)
        {
            _batcher = new DynamicBatcher<EncoderInput, EncoderResult>(
                _slots.Length, _maxBatch, options.MaxBatchWait,
                (worker, rows, cancellationToken) => _slots[worker].Run(rows, cancellationToken),
                model.Id);
        }
    }

    /// <inheritdoc />
    public ModelDescriptor Model { get; }

    /// <inheritdoc />
    public EncoderModelConfig Config { get; }

    /// <inheritdoc />
    public IEncoderTokenizer Tokenizer { get; }

    /// <inheritdoc />
    public IReadOnlyCollection<string> OutputNames { get; }

    /// <summary>How many sessions run batches in parallel.</summary>
    public int SessionCount => _slots.Length;

    /// <summary>Bytes of weights held once for all the sessions; 0 when each session holds its own.</summary>
    public long SharedWeightBytes => _pool.SharedWeightBytes;

    /// <summary>Called with the number of rows of each batch just before it runs (for metrics); it must be fast and must not throw.</summary>
    public Action<int>? BatchObserver
    {
        get => _batchObserver;
        set
        {
            _batchObserver = value;
            if (_batcher is not null)
            {
                _batcher.Observer = value;
            }
        }
    }

    /// <summary>Loads the model folder of <paramref name="model"/> into new sessions.</summary>
    /// <exception cref="EngineException">The folder is not an encoder this runtime can run (NotSupported), or ONNX Runtime cannot load it.</exception>
    public static OnnxEncoderInstance Load(
        ModelDescriptor model, OnnxRuntimeOptions options, TokenizerOptions? tokenizerOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var onnx = SentenceTransformerConfig.FindOnnxFile(model.Path)
            ?? throw EngineException.NotSupported($"The model folder {model.Path} has no onnx/model.onnx (nor model.onnx).");
        var config = EncoderModelConfig.Read(model.Path);
        var tokenizer = EncoderTokenizers.FromDirectory(model.Path, config, tokenizerOptions);
        var pool = OnnxSessionPool.Open(onnx, options, options.EffectiveSessions, cancellationToken);
        try
        {
            return new OnnxEncoderInstance(model, config, tokenizer, pool, EncoderSignature.Read(pool), options);
        }
        catch
        {
            pool.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask<EncoderResult[]> RunAsync(IReadOnlyList<EncoderInput> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (rows.Count == 0)
        {
            return [];
        }

        var request = _batcher is null ? null : new BatchRequest<EncoderInput, EncoderResult>(rows.Count);
        var items = new BatchItem<EncoderInput, EncoderResult>[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"Row {i} is null.", nameof(rows));
            if (row.Length == 0 || row.Length > Config.MaxLength)
            {
                throw EngineException.BadInput(
                    $"Input {i} has {row.Length} tokens; this model takes from 1 to {Config.MaxLength} (special tokens included).");
            }

            items[i] = new BatchItem<EncoderInput, EncoderResult>(row, row.Length, i, request);
        }

        if (_batcher is not null)
        {
            return await _batcher.RunAsync(request!, items, cancellationToken).ConfigureAwait(false);
        }

        // Without dynamic batching: one session runs the call's rows, sorted by length, in batches of MaxBatchSize.
        Array.Sort(items, static (a, b) => a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.Index.CompareTo(b.Index));
        EncoderSlot slot;
        try
        {
            slot = await _free.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(OnnxEncoderInstance));
        }

        try
        {
            for (var start = 0; start < items.Length; start += _maxBatch)
            {
                var count = Math.Min(_maxBatch, items.Length - start);
                _batchObserver?.Invoke(count);
                slot.Run(items.AsSpan(start, count), cancellationToken);
            }
        }
        finally
        {
            _free.Writer.TryWrite(slot);
        }

        var results = new EncoderResult[items.Length];
        foreach (var item in items)
        {
            results[item.Index] = item.Result!;
        }

        return results;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _batcher?.Dispose(); // stops its threads (terminating a running batch) before the sessions go
        _free.Writer.TryComplete();
        _pool.Dispose();
    }

    /// <summary>The inputs a model asks for and its float outputs, with whether each output has a sequence axis.</summary>
    private sealed record EncoderSignature(string[] Inputs, EncoderOutputInfo[] Outputs)
    {
        public static EncoderSignature Read(OnnxSessionPool pool)
        {
            var inputs = pool.InputMetadata;
            if (!inputs.ContainsKey("input_ids"))
            {
                throw EngineException.NotSupported($"The ONNX model's inputs are {string.Join(", ", inputs.Keys)}; an encoder needs input_ids.");
            }

            var unknown = inputs.Keys.Except(KnownInputs).ToList();
            if (unknown.Count > 0)
            {
                throw EngineException.NotSupported($"The ONNX model takes inputs this runtime does not feed: {string.Join(", ", unknown)} (it feeds {string.Join(", ", KnownInputs)}).");
            }

            var outputs = pool.OutputMetadata
                .Where(o => o.Value.IsTensor && o.Value.ElementDataType == TensorElementType.Float && o.Value.Dimensions.Length >= 1)
                .Select(o => new EncoderOutputInfo(o.Key, o.Value.Dimensions.Length >= 2 && o.Value.Dimensions[1] < 0))
                .ToArray();
            if (outputs.Length == 0)
            {
                throw EngineException.NotSupported($"The ONNX model has no float32 output (outputs: {string.Join(", ", pool.OutputMetadata.Keys)}).");
            }

            return new EncoderSignature(KnownInputs.Where(inputs.ContainsKey).ToArray(), outputs);
        }
    }

    /// <summary>An output's name and whether its second axis is the (dynamic) sequence axis.</summary>
    private sealed record EncoderOutputInfo(string Name, bool SequenceAxis);

    /// <summary>One session with its own reusable input buffers.</summary>
    private sealed class EncoderSlot(OnnxSession session, EncoderSignature signature, int padTokenId)
    {
        private readonly string[] _outputNames = signature.Outputs.Select(o => o.Name).ToArray();
        private long[] _ids = [];
        private long[] _mask = [];
        private long[] _types = [];

        /// <summary>Runs the rows as one batch padded to the longest of them; sets each row's result.</summary>
        public void Run(ReadOnlySpan<BatchItem<EncoderInput, EncoderResult>> rows, CancellationToken cancellationToken)
        {
            var count = rows.Length;
            var seq = 0;
            foreach (var row in rows)
            {
                seq = Math.Max(seq, row.Length);
            }

            var cells = count * seq;
            if (_ids.Length < cells)
            {
                _ids = new long[cells];
                _mask = new long[cells];
                _types = new long[cells];
            }

            for (var r = 0; r < count; r++)
            {
                var input = rows[r].Row;
                var at = r * seq;
                var length = input.Length;
                input.InputIds.CopyTo(_ids, at);
                input.AttentionMask.CopyTo(_mask, at);
                input.TokenTypeIds.CopyTo(_types, at);
                Array.Fill(_ids, padTokenId, at + length, seq - length);
                Array.Clear(_mask, at + length, seq - length);
                Array.Clear(_types, at + length, seq - length);
            }

            long[] shape = [count, seq];
            var memory = OrtMemoryInfo.DefaultInstance;
            var inputs = new OrtValue[signature.Inputs.Length];
            try
            {
                for (var i = 0; i < inputs.Length; i++)
                {
                    var buffer = signature.Inputs[i] switch
                    {
                        "input_ids" => _ids,
                        "attention_mask" => _mask,
                        _ => _types,
                    };
                    inputs[i] = OrtValue.CreateTensorValueFromMemory(memory, new Memory<long>(buffer, 0, cells), shape);
                }

                using var outputs = session.Run(signature.Inputs, inputs, _outputNames, cancellationToken);
                var results = new Dictionary<string, EncoderTensor>[count];
                for (var r = 0; r < count; r++)
                {
                    results[r] = new Dictionary<string, EncoderTensor>(StringComparer.Ordinal);
                }

                var o = 0;
                foreach (var output in outputs)
                {
                    Split(signature.Outputs[o++], output, rows, seq, results);
                }

                for (var r = 0; r < count; r++)
                {
                    rows[r].Result = new EncoderResult(results[r]);
                }
            }
            finally
            {
                foreach (var input in inputs)
                {
                    input?.Dispose();
                }
            }
        }

        /// <summary>Cuts one batched output into the rows' own tensors (the sequence axis to each row's length).</summary>
        private static void Split(
            EncoderOutputInfo info, OrtValue output, ReadOnlySpan<BatchItem<EncoderInput, EncoderResult>> rows, int seq,
            Dictionary<string, EncoderTensor>[] results)
        {
            var shape = output.GetTensorTypeAndShape().Shape;
            var data = output.GetTensorDataAsSpan<float>();
            var count = rows.Length;
            if (shape.Length == 0 || shape[0] != count)
            {
                throw new EngineException(EngineErrorKind.Internal, $"The model's output '{info.Name}' has shape [{string.Join(", ", shape)}]; expected {count} rows first.");
            }

            var perRow = data.Length / count;
            var sequence = info.SequenceAxis && shape.Length >= 2 && shape[1] == seq;
            var inner = sequence ? perRow / seq : perRow;
            for (var r = 0; r < count; r++)
            {
                var length = rows[r].Length;
                var rowShape = shape[1..].Select(d => (int)d).ToArray();
                float[] values;
                if (sequence)
                {
                    rowShape[0] = length;
                    values = data.Slice(r * perRow, length * inner).ToArray();
                }
                else
                {
                    values = data.Slice(r * perRow, perRow).ToArray();
                }

                results[r][info.Name] = new EncoderTensor(values, rowShape);
            }
        }
    }
}
