namespace Bytez.Engine.Embedded;

/// <summary>
/// The protobuf wire format at the level the ONNX readers need (tags, varints, length-delimited fields, skipping), over
/// a seekable stream, with every length checked against its container so a damaged file fails with a clear error.
/// </summary>
public static class ProtobufWire
{
    /// <summary>Wire type 0: a varint.</summary>
    public const int WireVarint = 0;

    /// <summary>Wire type 1: 8 bytes.</summary>
    public const int WireFixed64 = 1;

    /// <summary>Wire type 2: a length-delimited value (bytes, string, message, packed repeated).</summary>
    public const int WireLengthDelimited = 2;

    /// <summary>Wire type 5: 4 bytes.</summary>
    public const int WireFixed32 = 5;

    /// <summary>Reads a field tag: its field number and wire type.</summary>
    /// <exception cref="InvalidDataException">The tag is field 0, or the stream ends inside it.</exception>
    public static (int Field, int Wire) ReadTag(Stream stream)
    {
        var tag = ReadVarint(stream);
        var field = (int)(tag >> 3);
        if (field == 0)
        {
            throw new InvalidDataException("Invalid protobuf tag (field 0): not an ONNX model.");
        }

        return (field, (int)(tag & 7));
    }

    /// <summary>Reads a length prefix and returns where the field ends; the end must not pass <paramref name="limit"/>.</summary>
    /// <exception cref="InvalidDataException">The field runs past its container.</exception>
    public static long ReadLengthEnd(Stream stream, long limit)
    {
        var length = ReadVarint(stream);
        var end = stream.Position + (long)length;
        if (length > long.MaxValue / 2 || end > limit)
        {
            throw new InvalidDataException("A protobuf field runs past its container: not an ONNX model, or a truncated one.");
        }

        return end;
    }

    /// <summary>Skips a field's value of the given wire type.</summary>
    /// <exception cref="InvalidDataException">The wire type is unknown or the value runs past <paramref name="limit"/>.</exception>
    public static void Skip(Stream stream, int wire, long limit)
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

    /// <summary>Moves forward <paramref name="count"/> bytes, not past <paramref name="limit"/>.</summary>
    /// <exception cref="InvalidDataException">The move would pass the limit.</exception>
    public static void Seek(Stream stream, long count, long limit)
    {
        var target = stream.Position + count;
        if (target > limit)
        {
            throw new InvalidDataException("A protobuf field runs past its container.");
        }

        stream.Position = target;
    }

    /// <summary>Reads a base-128 varint.</summary>
    /// <exception cref="InvalidDataException">The stream ends inside it, or it is longer than 10 bytes.</exception>
    public static ulong ReadVarint(Stream stream)
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
