using System.Globalization;

namespace Bytez.Engine.Embedded;

/// <summary>
/// Counts the parameters of an ONNX model by reading just enough of its protobuf: the element counts of the main
/// graph's initializers (<c>ModelProto.graph</c> = field 7, <c>GraphProto.initializer</c> = field 5,
/// <c>TensorProto.dims</c> = field 1). Tensor data is skipped by seeking, never read into memory. Files are untrusted:
/// lengths are checked against their containers and counts with checked arithmetic, and anything malformed is one
/// <see cref="InvalidDataException"/>.
/// </summary>
public static class OnnxParameterCounter
{
    /// <summary>The number of parameters (initializer elements) of the ONNX model file.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed ONNX protobuf (the only exception malformed content causes).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static long Count(string onnxPath)
    {
        using var stream = new FileStream(onnxPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 14);
        return Count(stream);
    }

    /// <summary>The number of parameters of the ONNX model read from a seekable stream.</summary>
    /// <exception cref="InvalidDataException">The stream is not a well-formed ONNX protobuf (the only exception malformed content causes).</exception>
    public static long Count(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            throw new ArgumentException("The stream must be seekable.", nameof(stream));
        }

        long total = 0;
        var end = stream.Length;
        while (stream.Position < end)
        {
            var (field, wire) = ProtobufWire.ReadTag(stream);
            if (field == 7 && wire == ProtobufWire.WireLengthDelimited)
            {
                var graphEnd = ProtobufWire.ReadLengthEnd(stream, end);
                total = Add(total, CountGraph(stream, graphEnd));
                stream.Position = graphEnd;
            }
            else
            {
                ProtobufWire.Skip(stream, wire, end);
            }
        }

        return total;
    }

    private static long CountGraph(Stream stream, long graphEnd)
    {
        long total = 0;
        while (stream.Position < graphEnd)
        {
            var (field, wire) = ProtobufWire.ReadTag(stream);
            if (field == 5 && wire == ProtobufWire.WireLengthDelimited)
            {
                var tensorEnd = ProtobufWire.ReadLengthEnd(stream, graphEnd);
                total = Add(total, CountTensor(stream, tensorEnd));
                stream.Position = tensorEnd;
            }
            else
            {
                ProtobufWire.Skip(stream, wire, graphEnd);
            }
        }

        return total;
    }

    private static long CountTensor(Stream stream, long tensorEnd)
    {
        long elements = 1;
        while (stream.Position < tensorEnd)
        {
            var (field, wire) = ProtobufWire.ReadTag(stream);
            if (field == 1 && wire == ProtobufWire.WireVarint)
            {
                elements = Multiply(elements, ProtobufWire.ReadVarint(stream));
            }
            else if (field == 1 && wire == ProtobufWire.WireLengthDelimited)
            {
                var packedEnd = ProtobufWire.ReadLengthEnd(stream, tensorEnd);
                while (stream.Position < packedEnd)
                {
                    elements = Multiply(elements, ProtobufWire.ReadVarint(stream));
                }
            }
            else
            {
                ProtobufWire.Skip(stream, wire, tensorEnd);
            }
        }

        return elements;
    }

    private static long Multiply(long elements, ulong dimension)
    {
        // A dimension is an int64; a negative one arrives as a huge varint.
        if (dimension > long.MaxValue || (dimension != 0 && elements > long.MaxValue / (long)dimension))
        {
            throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture, $"An ONNX initializer has an impossible dimension {(long)dimension} (its element count does not fit 64 bits)."));
        }

        return elements * (long)dimension;
    }

    private static long Add(long total, long elements) => total <= long.MaxValue - elements
        ? total + elements
        : throw new InvalidDataException("The ONNX initializers' element counts add up to more than 64 bits can hold.");
}
