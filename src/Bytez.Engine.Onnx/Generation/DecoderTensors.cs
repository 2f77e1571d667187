using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bytez.Engine.Onnx.Generation;

/// <summary>Building the inputs of a decoder run and reading its outputs.</summary>
internal static class DecoderTensors
{
    /// <summary>An int64 or int32 tensor of <paramref name="shape"/> filled by <paramref name="fill"/>(flat index).</summary>
    public static OrtValue Index<TState>(TensorElementType type, long[] shape, TState state, Func<TState, int, long> fill)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, shape);
        if (type == TensorElementType.Int64)
        {
            var data = value.GetTensorMutableDataAsSpan<long>();
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = fill(state, i);
            }
        }
        else
        {
            var data = value.GetTensorMutableDataAsSpan<int>();
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (int)fill(state, i);
            }
        }

        return value;
    }

    /// <summary>Bytes per element of a cache type (float32, float16, bfloat16).</summary>
    public static int ElementSize(TensorElementType type) => type == TensorElementType.Float ? 4 : 2;

    /// <summary>
    /// Copies the last <paramref name="length"/> positions of row <paramref name="sourceRow"/> of a cache tensor
    /// [rows, heads, sourceColumns, headDim] into row <paramref name="targetRow"/> of <paramref name="target"/>
    /// [rows, heads, targetColumns, headDim], right-aligned, zeroing the positions before them (the padding).
    /// </summary>
    public static void CopyRow(
        OrtValue source, int sourceRow, int sourceColumns, OrtValue target, int targetRow, int targetColumns,
        int length, int heads, int headDim, int elementSize)
    {
        var from = source.GetTensorMutableRawData();
        var to = target.GetTensorMutableRawData();
        var width = headDim * elementSize;
        var pad = targetColumns - length;
        for (var h = 0; h < heads; h++)
        {
            var src = (((long)sourceRow * heads + h) * sourceColumns + (sourceColumns - length)) * width;
            var dst = ((long)targetRow * heads + h) * targetColumns * width;
            to.Slice((int)dst, pad * width).Clear();
            from.Slice((int)src, length * width).CopyTo(to.Slice((int)(dst + (long)pad * width), length * width));
        }
    }

    /// <summary>
    /// Copies positions <paramref name="start"/> to <paramref name="start"/> + <paramref name="length"/> of row
    /// <paramref name="sourceRow"/> of a cache tensor [rows, heads, sourceColumns, headDim] into a new single-row tensor
    /// [1, heads, length, headDim] of <paramref name="type"/>, which the caller owns.
    /// </summary>
    public static OrtValue CopyPositions(
        OrtValue source, int sourceRow, int sourceColumns, int start, int length, int heads, int headDim, TensorElementType type)
    {
        var target = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, [1, heads, length, headDim]);
        try
        {
            var from = source.GetTensorMutableRawData();
            var to = target.GetTensorMutableRawData();
            var width = (long)headDim * ElementSize(type);
            for (var h = 0; h < heads; h++)
            {
                var src = (((long)sourceRow * heads + h) * sourceColumns + start) * width;
                var dst = h * length * width;
                from.Slice(checked((int)src), checked((int)(length * width))).CopyTo(to.Slice(checked((int)dst), checked((int)(length * width))));
            }

            return target;
        }
        catch
        {
            target.Dispose();
            throw;
        }
    }

    /// <summary>Copies the logits of the last position of batch row <paramref name="row"/> into <paramref name="target"/> as float32.</summary>
    public static void CopyLastLogits(OrtValue logits, TensorElementType type, int row, int rows, float[] target)
    {
        var shape = logits.GetTensorTypeAndShape().Shape;
        var vocab = target.Length;
        if (shape.Length < 2 || shape[^1] != vocab || shape[0] != rows)
        {
            throw new EngineException(EngineErrorKind.Internal,
                $"The decoder returned logits of shape [{string.Join(", ", shape)}]; expected [{rows}, ..., {vocab}].");
        }

        // [rows, positions, vocab] (or [rows, vocab]): the last position of the row ends where the row does.
        var perRow = checked((int)(shape.Aggregate(1L, (a, b) => a * b) / rows));
        var start = row * perRow + perRow - vocab;
        switch (type)
        {
            case TensorElementType.Float:
                logits.GetTensorDataAsSpan<float>().Slice(start, vocab).CopyTo(target);
                break;

            case TensorElementType.Float16:
                {
                    var data = logits.GetTensorDataAsSpan<Float16>().Slice(start, vocab);
                    for (var i = 0; i < vocab; i++)
                    {
                        target[i] = data[i].ToFloat();
                    }

                    break;
                }

            default:
                {
                    var data = logits.GetTensorDataAsSpan<BFloat16>().Slice(start, vocab);
                    for (var i = 0; i < vocab; i++)
                    {
                        target[i] = data[i].ToFloat();
                    }

                    break;
                }
        }
    }

    /// <summary>
    /// Runs the session with <paramref name="inputs"/> (in the signature's input order), stopping it through
    /// <paramref name="runOptions"/> when <paramref name="cancellationToken"/> fires; ONNX Runtime failures become
    /// <see cref="EngineException"/>s.
    /// </summary>
    public static IDisposableReadOnlyCollection<OrtValue> Run(
        InferenceSession session, DecoderSignature signature, OrtValue[] inputs, RunOptions runOptions, CancellationToken cancellationToken) =>
        OnnxSessions.Run(session, runOptions, signature.InputNames, inputs, signature.OutputNames, "the decoder", cancellationToken);
}
