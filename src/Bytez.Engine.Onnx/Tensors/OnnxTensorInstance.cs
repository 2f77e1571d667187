using System.Threading.Channels;
using Bytez.Engine.Layouts;
using Bytez.Engine.Onnx.Batching;
using Bytez.Engine.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bytez.Engine.Onnx.Tensors;

/// <summary>
/// A vision or audio encoder on ONNX Runtime (an Optimum or transformers.js export: <c>onnx/model.onnx</c> or
/// <c>model.onnx</c>, with <c>config.json</c> and <c>preprocessor_config.json</c>; a text-to-speech model reads its
/// tokenizer files instead of the latter): several single-threaded sessions
/// sharing the weights (<see cref="OnnxSessionPool"/>), fed the named float32 and int64 tensors of each row. Rows of
/// concurrent calls are merged into batches by <see cref="DynamicBatcher{TRow, TResult}"/>, rows of equal shapes
/// only (nothing is padded); each row gets every float32 and int64 output of the model, its batch axis removed. A whole
/// feed (<see cref="TensorRow.Whole"/>: a dual encoder's texts and image, each input with its own batch axis) takes the
/// same path but runs alone, once, and gets the outputs as the model gives them.
/// </summary>
public sealed class OnnxTensorInstance : ITensorInstance, IBatchingInstance
{
    private readonly OnnxSessionPool _pool;
    private readonly TensorSlot[] _slots;
    private readonly Channel<TensorSlot> _free;
    private readonly DynamicBatcher<TensorRow, TensorResult>? _batcher;
    private readonly Dictionary<string, TensorInfo> _inputs;
    private readonly int _maxBatch;
    private int _disposed;

    private OnnxTensorInstance(ModelDescriptor model, TensorModelConfig config, OnnxSessionPool pool, TensorInfo[] inputs, TensorInfo[] outputs, OnnxRuntimeOptions options)
    {
        Model = model;
        Config = config;
        Inputs = inputs;
        Outputs = outputs;
        _pool = pool;
        _inputs = inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);

        // An export with a fixed batch axis of 1 takes one row per run, and so does a task whose outputs differ in
        // length between rows of equal shapes (text-to-speech).
        _maxBatch = inputs.Any(i => i.Dimensions[0] == 1) || TensorTasks.RunsRowsAlone(model.Task) ? 1 : options.MaxBatchSize;
        _slots = pool.Sessions.Select(session => new TensorSlot(this, session)).ToArray();
        _free = Channel.CreateUnbounded<TensorSlot>();
        foreach (var slot in _slots)
        {
            _free.Writer.TryWrite(slot);
        }

        if (options.DynamicBatching && _maxBatch > 1)
        {
            _batcher = new DynamicBatcher<TensorRow, TensorResult>(
                _slots.Length, _maxBatch, options.MaxBatchWait,
                (worker, rows, cancellationToken) => _slots[worker].Run(rows, cancellationToken),
                model.Id, equalLengthsOnly: true);
        }
    }

    /// <inheritdoc />
    public ModelDescriptor Model { get; }

    /// <inheritdoc />
    public TensorModelConfig Config { get; }

    /// <inheritdoc />
    public IReadOnlyList<TensorInfo> Inputs { get; }

    /// <inheritdoc />
    public IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>How many sessions run batches in parallel.</summary>
    public int SessionCount => _slots.Length;

    /// <summary>The most rows in one run (1 for an export whose batch axis is fixed at 1, and for text-to-speech).</summary>
    public int MaxBatchSize => _maxBatch;

    /// <summary>Bytes of weights held once for all the sessions; 0 when each session holds its own.</summary>
    public long SharedWeightBytes => _pool.SharedWeightBytes;

    /// <summary>Called with the number of rows of each run just before it starts (for metrics); it must be fast and must not throw.</summary>
    public Action<int>? BatchObserver { get; set; }

    /// <summary>
    /// Loads the model folder of <paramref name="model"/> (its recorded weight file, else the first of the encoder
    /// layout) into new sessions.
    /// </summary>
    /// <exception cref="EngineException">
    /// <c>config.json</c> or <c>preprocessor_config.json</c> is missing or malformed (BadInput, naming the file); the
    /// folder has no ONNX file or the graph has inputs this runtime cannot feed (NotSupported); ONNX Runtime cannot
    /// load it (Internal).
    /// </exception>
    public static OnnxTensorInstance Load(ModelDescriptor model, OnnxRuntimeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var config = TensorModelConfig.Read(model.Path);
        if (TensorTasks.NeedsPreprocessor(model.Task))
        {
            config.RequirePreprocessor(model.Path);
        }

        var onnx = model.MainWeightFile is { } recorded && File.Exists(recorded)
            ? recorded
            : OnnxLayout.FindWeightsIn(model.Path, OnnxFamily.Encoder, null)?[0]
                ?? throw EngineException.NotSupported($"The model folder {model.Path} has no onnx/model.onnx (nor model.onnx).");
        var pool = OnnxSessionPool.Open(onnx, options, options.EffectiveSessions, cancellationToken);
        try
        {
            var (inputs, outputs) = ReadSignature(pool);
            return new OnnxTensorInstance(model, config, pool, inputs, outputs, options);
        }
        catch
        {
            pool.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask<TensorResult[]> RunAsync(IReadOnlyList<TensorRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (rows.Count == 0)
        {
            return [];
        }

        var request = _batcher is null ? null : new BatchRequest<TensorRow, TensorResult>(rows.Count);
        var items = new BatchItem<TensorRow, TensorResult>[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"Row {i} is null.", nameof(rows));
            items[i] = new BatchItem<TensorRow, TensorResult>(row, Check(row, i), i, request);
        }

        if (_batcher is not null)
        {
            return await _batcher.RunAsync(request!, items, cancellationToken).ConfigureAwait(false);
        }

        // Without dynamic batching: one session runs the call's rows, grouped by size, in batches of MaxBatchSize.
        Array.Sort(items, static (a, b) => a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.Index.CompareTo(b.Index));
        TensorSlot slot;
        try
        {
            slot = await _free.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(OnnxTensorInstance));
        }

        try
        {
            for (var start = 0; start < items.Length;)
            {
                var end = start + 1;
                while (end < items.Length && end - start < _maxBatch && items[end].Length == items[start].Length)
                {
                    end++;
                }

                slot.Run(items.AsSpan(start, end - start), cancellationToken);
                start = end;
            }
        }
        finally
        {
            _free.Writer.TryWrite(slot);
        }

        var results = new TensorResult[items.Length];
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

    /// <summary>
    /// Checks a row against the model's inputs and returns its batching key: its element count over all inputs (rows
    /// batch together only with rows of the same count; a batch is then split by exact shapes).
    /// </summary>
    private int Check(TensorRow row, int index)
    {
        foreach (var name in row.Inputs.Keys)
        {
            if (!_inputs.ContainsKey(name))
            {
                throw EngineException.NotSupported(
                    $"The model has no input '{name}' (its inputs: {string.Join(", ", Inputs.Select(i => i.ToString()))}).");
            }
        }

        long count = 0;
        foreach (var input in Inputs)
        {
            if (!row.Inputs.TryGetValue(input.Name, out var value))
            {
                throw EngineException.NotSupported(
                    $"The model takes the input {input}, which this task does not give (it gives: {string.Join(", ", row.Inputs.Keys)}).");
            }

            if (value.Kind != input.Kind)
            {
                throw EngineException.BadInput(
                    $"Input {index}: '{input.Name}' holds {value.Kind} values; the model takes {input}.");
            }

            if (row.IsWhole ? !input.AcceptsWhole(value.Shape) : !input.Accepts(value.Shape))
            {
                throw EngineException.BadInput(row.IsWhole
                    ? $"Input {index}: '{input.Name}' has the shape {value}; the model takes {input}."
                    : $"Input {index}: '{input.Name}' has the shape {value}; the model takes {TensorValue.Describe(input.RowDimensions)} per row ({input}).");
            }

            count += value.Count;
        }

        return count <= int.MaxValue
            ? (int)count
            : throw EngineException.TooLarge($"Input {index} has {count} values; a row may have at most {int.MaxValue}.");
    }

    /// <summary>The inputs and outputs of the graph; inputs must be float32 or int64 with a batch axis first.</summary>
    private static (TensorInfo[] Inputs, TensorInfo[] Outputs) ReadSignature(OnnxSessionPool pool)
    {
        var inputs = pool.InputMetadata.Select(i => Info(i.Key, i.Value)).ToArray();
        var unfed = inputs.Where(i => i.Kind is null || i.Dimensions.Count == 0 || i.Dimensions[0] > 1).ToList();
        if (unfed.Count > 0)
        {
            throw EngineException.NotSupported(
                $"The ONNX model takes inputs this runtime cannot feed: {string.Join(", ", unfed)} (it feeds float32 and int64 tensors with a batch axis first).");
        }

        var outputs = pool.OutputMetadata.Select(o => Info(o.Key, o.Value)).Where(o => o.Kind is not null && o.Dimensions.Count >= 1).ToArray();
        if (outputs.Length == 0)
        {
            throw EngineException.NotSupported(
                $"The ONNX model has no float32 or int64 output with a batch axis (outputs: {string.Join(", ", pool.OutputMetadata.Keys)}).");
        }

        return (inputs, outputs);
    }

    private static TensorInfo Info(string name, NodeMetadata metadata)
    {
        TensorElementKind? kind = !metadata.IsTensor ? null : metadata.ElementDataType switch
        {
            TensorElementType.Float => TensorElementKind.Float,
            TensorElementType.Int64 => TensorElementKind.Int64,
            _ => null,
        };
        return new TensorInfo(name, kind, metadata.IsTensor ? metadata.Dimensions.Select(d => (long)d).ToArray() : []);
    }

    /// <summary>One session and the rows it stacks into batches.</summary>
    private sealed class TensorSlot(OnnxTensorInstance owner, OnnxSession session)
    {
        private readonly string[] _inputNames = owner.Inputs.Select(i => i.Name).ToArray();
        private readonly string[] _outputNames = owner.Outputs.Select(o => o.Name).ToArray();

        /// <summary>Runs the rows (all of one element count), one run per group of equal shapes; sets each row's result.</summary>
        public void Run(ReadOnlySpan<BatchItem<TensorRow, TensorResult>> rows, CancellationToken cancellationToken)
        {
            var pending = rows.ToArray();
            var done = 0;
            while (done < pending.Length)
            {
                // The rows whose shapes equal the first pending row's run together; the others wait for the next run.
                var first = pending[done].Row;
                var group = new List<BatchItem<TensorRow, TensorResult>>();
                var rest = new List<BatchItem<TensorRow, TensorResult>>();
                for (var i = done; i < pending.Length; i++)
                {
                    (SameShapes(first, pending[i].Row) ? group : rest).Add(pending[i]);
                }

                RunGroup(group, cancellationToken);
                group.AddRange(rest);
                group.CopyTo(pending, done);
                done += group.Count - rest.Count;
            }
        }

        private bool SameShapes(TensorRow a, TensorRow b)
        {
            if (a.IsWhole || b.IsWhole)
            {
                return ReferenceEquals(a, b); // a whole feed runs alone
            }

            foreach (var name in _inputNames)
            {
                if (!a.Inputs[name].Shape.SequenceEqual(b.Inputs[name].Shape))
                {
                    return false;
                }
            }

            return true;
        }

        private void RunGroup(List<BatchItem<TensorRow, TensorResult>> rows, CancellationToken cancellationToken)
        {
            var count = rows.Count;
            var whole = rows[0].Row.IsWhole; // then count is 1 and the shapes carry their batch axis
            owner.BatchObserver?.Invoke(count);
            var memory = OrtMemoryInfo.DefaultInstance;
            var inputs = new OrtValue[_inputNames.Length];
            try
            {
                for (var i = 0; i < inputs.Length; i++)
                {
                    var name = _inputNames[i];
                    var first = rows[0].Row.Inputs[name];
                    long[] shape = whole ? [.. first.Shape.Select(d => (long)d)] : [count, .. first.Shape.Select(d => (long)d)];
                    var size = first.Count;
                    if (first.Kind == TensorElementKind.Float)
                    {
                        var buffer = count == 1 ? first.Floats! : new float[(long)size * count];
                        if (count > 1)
                        {
                            for (var r = 0; r < count; r++)
                            {
                                rows[r].Row.Inputs[name].Floats!.CopyTo(buffer, r * size);
                            }
                        }

                        inputs[i] = OrtValue.CreateTensorValueFromMemory(memory, new Memory<float>(buffer), shape);
                    }
                    else
                    {
                        var buffer = count == 1 ? first.Longs! : new long[(long)size * count];
                        if (count > 1)
                        {
                            for (var r = 0; r < count; r++)
                            {
                                rows[r].Row.Inputs[name].Longs!.CopyTo(buffer, r * size);
                            }
                        }

                        inputs[i] = OrtValue.CreateTensorValueFromMemory(memory, new Memory<long>(buffer), shape);
                    }
                }

                using var outputs = session.Run(_inputNames, inputs, _outputNames, cancellationToken);
                var results = new Dictionary<string, TensorValue>[count];
                for (var r = 0; r < count; r++)
                {
                    results[r] = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
                }

                var o = 0;
                foreach (var output in outputs)
                {
                    if (whole)
                    {
                        results[0][_outputNames[o++]] = Whole(output);
                    }
                    else
                    {
                        Split(_outputNames[o++], output, count, results);
                    }
                }

                for (var r = 0; r < count; r++)
                {
                    rows[r].Result = new TensorResult(results[r]);
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

        /// <summary>One output of a whole feed, as the model gives it.</summary>
        private static TensorValue Whole(OrtValue output)
        {
            var info = output.GetTensorTypeAndShape();
            var shape = info.Shape.Select(d => checked((int)d)).ToArray();
            return info.ElementDataType == TensorElementType.Int64
                ? TensorValue.Int64(output.GetTensorDataAsSpan<long>().ToArray(), shape)
                : TensorValue.Float(output.GetTensorDataAsSpan<float>().ToArray(), shape);
        }

        /// <summary>Cuts one batched output into the rows' own tensors.</summary>
        private static void Split(string name, OrtValue output, int count, Dictionary<string, TensorValue>[] results)
        {
            var info = output.GetTensorTypeAndShape();
            var shape = info.Shape;
            if (shape.Length == 0 || shape[0] != count)
            {
                throw new EngineException(EngineErrorKind.Internal,
                    $"The model's output '{name}' has shape {TensorValue.Describe(shape)}; expected {count} rows first.");
            }

            var rowShape = shape[1..].Select(d => checked((int)d)).ToArray();
            if (info.ElementDataType == TensorElementType.Int64)
            {
                var data = output.GetTensorDataAsSpan<long>();
                var perRow = data.Length / count;
                for (var r = 0; r < count; r++)
                {
                    results[r][name] = TensorValue.Int64(data.Slice(r * perRow, perRow).ToArray(), rowShape);
                }
            }
            else
            {
                var data = output.GetTensorDataAsSpan<float>();
                var perRow = data.Length / count;
                for (var r = 0; r < count; r++)
                {
                    results[r][name] = TensorValue.Float(data.Slice(r * perRow, perRow).ToArray(), rowShape);
                }
            }
        }
    }
}
