using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bytez.Engine.Onnx.Seq2Seq;

/// <summary>Building the inputs of encoder and decoder runs, running them, and moving cache rows.</summary>
internal static class Seq2SeqTensors
{
    /// <summary>An int64 (or int32) tensor [rows, columns] filled by <paramref name="fill"/>(row, column).</summary>
    public static OrtValue Ids(TensorElementType type, int rows, int columns, Func<int, int, long> fill)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, [rows, columns]);
        if (type == TensorElementType.Int64)
        {
            var data = value.GetTensorMutableDataAsSpan<long>();
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = fill(i / columns, i % columns);
            }
        }
        else if (type == TensorElementType.Int32)
        {
            var data = value.GetTensorMutableDataAsSpan<int>();
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (int)fill(i / columns, i % columns);
            }
        }
        else
        {
            value.Dispose();
            throw EngineException.NotSupported($"A token id or mask input has the element type {type}; expected int64 or int32.");
        }

        return value;
    }

    /// <summary>An empty cache tensor [rows, heads, 0, headDim] (the past of a first step).</summary>
    public static OrtValue EmptyPast(TensorElementType type, int rows, int heads, int headDim)
        => OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, [rows, heads, 0, headDim]);

    /// <summary>A new tensor whose row <c>i</c> (first dimension) is row <c>sources[i]</c> of <paramref name="source"/>.</summary>
    public static OrtValue CopyRows(OrtValue source, ReadOnlySpan<int> sources)
    {
        var info = source.GetTensorTypeAndShape();
        var shape = info.Shape.ToArray();
        var from = source.GetTensorMutableRawData();
        var rowBytes = shape[0] == 0 ? 0 : from.Length / (int)shape[0];
        shape[0] = sources.Length;
        var target = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, info.ElementDataType, shape);
        var to = target.GetTensorMutableRawData();
        for (var i = 0; i < sources.Length; i++)
        {
            from.Slice(sources[i] * rowBytes, rowBytes).CopyTo(to.Slice(i * rowBytes, rowBytes));
        }

        return target;
    }

    /// <summary>
    /// Runs <paramref name="session"/>, stopping it through <paramref name="runOptions"/> when
    /// <paramref name="cancellationToken"/> fires; ONNX Runtime failures become <see cref="EngineException"/>s.
    /// </summary>
    public static IDisposableReadOnlyCollection<OrtValue> Run(
        InferenceSession session, RunOptions runOptions, IReadOnlyCollection<string> inputNames, IReadOnlyCollection<OrtValue> inputs,
        IReadOnlyCollection<string> outputNames, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        runOptions.Terminate = false;
        using (cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static s => ((RunOptions)s!).Terminate = true, runOptions)
            : default)
        {
            try
            {
                return session.Run(runOptions, inputNames, inputs, outputNames);
            }
            catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (OnnxRuntimeException e)
            {
                throw new EngineException(EngineErrorKind.Internal, $"ONNX Runtime failed to run the encoder-decoder: {e.Message}", e);
            }
        }
    }
}
