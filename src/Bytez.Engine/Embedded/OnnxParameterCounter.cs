namespace Bytez.Engine.Embedded;

/// <summary>
/// Counts the parameters of an ONNX model by reading just enough of its protobuf: the element counts of the main
/// graph's initializers (<c>ModelProto.graph</c> = field 7, <c>GraphProto.initializer</c> = field 5,
/// <c>TensorProto.dims</c> = field 1). Tensor data is skipped by seeking, never read into memory.
/// </summary>
public static class OnnxParameterCounter
{
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    /// <summary>The number of parameters (initializer elements) of the ONNX model file.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed ONNX protobuf.</exception>
    public static long Count(string onnxPath)
    {
        using var stream = new FileStream(onnxPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 14);
        return Count(stream);
    }

    /// <summary>The number of parameters of the ONNX model read from a seekable stream.</summary>
    /// <exception cref="InvalidDataException">The stream is not a well-formed ONNX protobuf.</exception>
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
            var (field, wire) = ReadTag(stream);
            if (field == 7 && wire == WireLengthDelimited)
            {
                var graphEnd = ReadLengthEnd(stream, end);
                total += CountGraph(stream, graphEnd);
                stream.Position = graphEnd;
            }
            else
            {
                Skip(stream, wire, end);
            }
        }

        return total;
    }

    private static long CountGraph(Stream stream, long graphEnd)
    {
        long total = 0;
        while (stream.Position < graphEnd)
        {
            var (field, wire) = ReadTag(stream);
            if (field == 5 && wire == WireLengthDelimited)
            {
                var tensorEnd = ReadLengthEnd(stream, graphEnd);
                total += CountTensor(stream, tensorEnd);
                stream.Position = tensorEnd;
            }
            else
            {
                Skip(stream, wire, graphEnd);
            }
        }

        return total;
    }

    private static long CountTensor(Stream stream, long tensorEnd)
    {
        long elements = 1;
        while (stream.Position < tensorEnd)
        {
            var (field, wire) = ReadTag(stream);
            if (field == 1 && wire == WireVarint)
            {
                elements = checked(elements * (long)ReadVarint(stream));
            }
            else if (field == 1 && wire == WireLengthDelimited)
            {
                var packedEnd = ReadLengthEnd(stream, tensorEnd);
                while (stream.Position < packedEnd)
                {
                    elements = checked(elements * (long)ReadVarint(stream));
                }
            }
            else
            {
                Skip(stream, wire, tensorEnd);
            }
        }

        return elements;
    }

    private static (int Field, int Wire) ReadTag(Stream stream)
    {
        var tag = ReadVarint(stream);
        var field = (int)(tag >> 3);
        if (field == 0)
        {
            throw new InvalidDataException("Invalid protobuf tag (field 0): not an ONNX model.");
        }

        return (field, (int)(tag & 7));
    }

    private static long ReadLengthEnd(Stream stream, long limit)
    {
        var length = ReadVarint(stream);
        var end = stream.Position + (long)length;
        if (length > long.MaxValue / 2 || end > limit)
        {
            throw new InvalidDataException("A protobuf field runs past its container: not an ONNX model, or a truncated one.");
        }

        return end;
    }

    private static void Skip(Stream stream, int wire, long limit)
    {
        switch (wire)
        {
            case WireVarint:
                ReadVarint(stream);
                break;
            case WireFixed64:
                Seek(stream, 8, limit);
                break;
            case WireLengthDelimited:
                stream.Position = ReadLengthEnd(stream, limit);
                break;
            case WireFixed32:
                Seek(stream, 4, limit);
                break;
            default:
                throw new InvalidDataException($"Unsupported protobuf wire type {wire}: not an ONNX model.");
        }
    }

    private static void Seek(Stream stream, long count, long limit)
    {
        var target = stream.Position + count;
        if (target > limit)
        {
            throw new InvalidDataException("A protobuf field runs past its container.");
        }

        stream.Position = target;
    }

    private static ulong ReadVarint(Stream stream)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = stream.ReadByte();
            if (b < 0)
            {
                throw new InvalidDataException("Unexpected end of file inside a protobuf varint.");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new InvalidDataException("A protobuf varint is longer than 10 bytes.");
    }
}
