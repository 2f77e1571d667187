using System.Runtime.InteropServices;
using System.Text;
using Bytez.Engine.Embedded;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bytez.Engine.Onnx;

/// <summary>
/// The weights of an ONNX model read once into native memory and wrapped as ONNX Runtime values, handed to every
/// session of an instance with <see cref="SessionOptions.AddInitializer"/>: ONNX Runtime uses user-provided CPU
/// initializers in place (and shares their pre-packed forms through a <see cref="PrePackedWeightsContainer"/>), so
/// the sessions share one copy of the weights instead of holding one each.
/// </summary>
/// <remarks>
/// <para>
/// Only the main graph's initializers stored inline as <c>raw_data</c> (the form exporters write) are shared; others
/// (typed fields, external data, strings, subgraphs) stay with the sessions.
/// </para>
/// <para>
/// ONNX Runtime still parses the model given to each session, weights included, before it swaps in the shared
/// values. <see cref="SlimModel"/> avoids that: the model with the shared initializers' data left in the file, as
/// external data at their offsets in it, so a session parses a few kilobytes and reads weight bytes from the file only
/// where a graph optimization needs them.
/// </para>
/// <para>The values must outlive every session created with them: dispose this after the sessions.</para>
/// </remarks>
public sealed class SharedInitializers : IDisposable
{
    /// <summary>The ONNX Runtime session option naming the folder of a model loaded from bytes, for its external data.</summary>
    public const string ExternalDataFolderKey = "session.model_external_initializers_file_folder_path";

    private const int Alignment = 64;
    private const int ChunkBytes = 1 << 30;
    private const int StagingBytes = 1 << 20;
    private readonly List<(string Name, OrtValue Value)> _values;
    private List<NativeBuffer>? _chunks;

    private SharedInitializers(
        List<NativeBuffer> chunks, long bytes, List<(string Name, OrtValue Value)> values, byte[]? slimModel, string? slimModelFolder)
    {
        _chunks = chunks;
        Bytes = bytes;
        _values = values;
        SlimModel = slimModel;
        SlimModelFolder = slimModelFolder;
    }

    /// <summary>How many initializers are shared.</summary>
    public int Count => _values.Count;

    /// <summary>The bytes of weight data held (without alignment padding).</summary>
    public long Bytes { get; }

    /// <summary>The names of the shared initializers.</summary>
    public IEnumerable<string> Names => _values.Select(v => v.Name);

    /// <summary>
    /// The model as ONNX protobuf bytes with every shared initializer's data replaced by a reference to the same bytes
    /// in the model file (external data); <see langword="null"/> when nothing is shared or the model already keeps
    /// initializers in external files. Load it with <see cref="SlimModelFolder"/> as <see cref="ExternalDataFolderKey"/>.
    /// </summary>
    public byte[]? SlimModel { get; }

    /// <summary>The folder of the model file the <see cref="SlimModel"/> refers to (symbolic links resolved).</summary>
    public string? SlimModelFolder { get; }

    /// <summary>
    /// Reads the initializers of the ONNX file that can be shared (see the remarks of the class) into native memory:
    /// one buffer up to 1 GiB of weights, more for larger models; and writes the <see cref="SlimModel"/>. The weights
    /// are read once, each initializer's bytes straight into the buffer.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed ONNX protobuf.</exception>
    public static SharedInitializers Read(string onnxPath)
    {
        ArgumentNullException.ThrowIfNull(onnxPath);

        // Symbolic links resolved (the Hugging Face cache links snapshots to blobs): ONNX Runtime refuses external data
        // that resolves outside the model's folder.
        var file = new FileInfo(onnxPath);
        var target = file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? file.FullName;
        using var stream = new FileStream(target, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var scan = OnnxInitializerReader.Scan(stream);
        var tensors = scan.Shareable;
        if (!BitConverter.IsLittleEndian)
        {
            tensors.Clear(); // raw_data is little-endian
        }

        tensors.RemoveAll(t => t.DataLength > Array.MaxLength - Alignment);
        var slim = tensors.Count > 0 && !scan.HasExternalData
            ? OnnxInitializerReader.WriteSlim(stream, tensors, Path.GetFileName(target))
            : null;

        // Pack the tensors, in file order, into chunks of at most ChunkBytes (a larger tensor gets a chunk of its own).
        var sizes = new List<long>();
        var placement = new (int Chunk, int Offset)[tensors.Count];
        long bytes = 0;
        for (var i = 0; i < tensors.Count; i++)
        {
            var length = Align(tensors[i].DataLength);
            if (sizes.Count == 0 || sizes[^1] + length > ChunkBytes)
            {
                sizes.Add(0);
            }

            placement[i] = (sizes.Count - 1, (int)sizes[^1]);
            sizes[^1] += length;
            bytes += tensors[i].DataLength;
        }

        // Native memory, not pinned managed arrays: a freed pinned array leaves a hole in the pinned-object heap that the
        // GC never compacts, so an unloaded model's weights could stay resident behind any small pinned object allocated
        // after them (the soak benchmark found 86 MiB kept that way). Native blocks this large are mapped on their own and
        // go back to the system the moment they are freed.
        var chunks = new List<NativeBuffer>(sizes.Count);
        var values = new List<(string, OrtValue)>(tensors.Count);
        try
        {
            foreach (var size in sizes)
            {
                chunks.Add(new NativeBuffer(size, Alignment)); // not zeroed: every byte used is read from the file
            }

            var staging = new byte[Math.Min(StagingBytes, Math.Max(1, tensors.Count == 0 ? 1 : tensors.Max(t => t.DataLength)))];
            for (var i = 0; i < tensors.Count; i++)
            {
                var t = tensors[i];
                var address = chunks[placement[i].Chunk].Address + placement[i].Offset;
                ReadExactly(stream.SafeFileHandle, staging, address, t.DataLength, t.DataOffset);
                values.Add((t.Name, OrtValue.CreateTensorValueWithData(
                    OrtMemoryInfo.DefaultInstance, t.ElementType, t.Dims, address, t.DataLength)));
            }

            return new SharedInitializers(chunks, bytes, values, slim, slim is null ? null : Path.GetDirectoryName(target));
        }
        catch
        {
            foreach (var (_, value) in values)
            {
                value.Dispose();
            }

            foreach (var chunk in chunks)
            {
                chunk.Dispose();
            }

            throw;
        }
    }

    /// <summary>Adds every shared initializer to the session options; sessions created with them use this memory.</summary>
    public void AddTo(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(_chunks is null, this);
        foreach (var (name, value) in _values)
        {
            options.AddInitializer(name, value);
        }
    }

    /// <summary>Releases the values and their memory; call only after every session using them is disposed.</summary>
    public void Dispose()
    {
        foreach (var (_, value) in _values)
        {
            value.Dispose();
        }

        _values.Clear();
        if (_chunks is { } chunks)
        {
            foreach (var chunk in chunks)
            {
                chunk.Dispose(); // back to the system at once
            }
        }

        _chunks = null;
    }

    private static long Align(long length) => (length + Alignment - 1) / Alignment * Alignment;

    /// <summary>Reads <paramref name="length"/> bytes of the file at <paramref name="offset"/> to native memory, through a staging buffer.</summary>
    private static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle file, byte[] staging, nint target, long length, long offset)
    {
        while (length > 0)
        {
            var read = RandomAccess.Read(file, staging.AsSpan(0, (int)Math.Min(staging.Length, length)), offset);
            if (read <= 0)
            {
                throw new InvalidDataException("The ONNX file ended inside an initializer's data.");
            }

            Marshal.Copy(staging, 0, target, read);
            target += read;
            length -= read;
            offset += read;
        }
    }
}

/// <summary>An initializer whose data is inline <c>raw_data</c>: where its <c>TensorProto</c> and data lie in the file.</summary>
internal sealed record InitializerInfo(
    string Name, TensorElementType ElementType, long[] Dims, long TensorStart, long DataOffset, long DataLength);

/// <summary>What <see cref="OnnxInitializerReader.Scan"/> found.</summary>
internal sealed record InitializerScan(List<InitializerInfo> Shareable, bool HasExternalData);

/// <summary>
/// Reads just enough of an ONNX protobuf to locate the main graph's initializers stored as <c>raw_data</c>
/// (<c>ModelProto.graph</c> = 7, <c>GraphProto.initializer</c> = 5; <c>TensorProto</c>: dims = 1, data_type = 2,
/// name = 8, raw_data = 9, external_data = 13, data_location = 14), and writes the model without their data. Tensor
/// data is skipped by seeking.
/// </summary>
internal static class OnnxInitializerReader
{
    private const int GraphField = 7;
    private const int InitializerField = 5;
    private const int RawDataField = 9;
    private const int ExternalDataField = 13;
    private const int DataLocationField = 14;

    /// <summary>The shareable initializers in file order (names seen twice are left out), and whether any uses external data.</summary>
    public static InitializerScan Scan(Stream stream)
    {
        var found = new List<InitializerInfo>();
        var external = false;
        stream.Position = 0;
        var end = stream.Length;
        while (stream.Position < end)
        {
            var (field, wire) = ProtobufWire.ReadTag(stream);
            if (field == GraphField && wire == ProtobufWire.WireLengthDelimited)
            {
                var graphEnd = ProtobufWire.ReadLengthEnd(stream, end);
                while (stream.Position < graphEnd)
                {
                    var (graphField, graphWire) = ProtobufWire.ReadTag(stream);
                    if (graphField == InitializerField && graphWire == ProtobufWire.WireLengthDelimited)
                    {
                        var tensorEnd = ProtobufWire.ReadLengthEnd(stream, graphEnd);
                        if (ReadTensor(stream, tensorEnd, ref external) is { } tensor)
                        {
                            found.Add(tensor);
                        }

                        stream.Position = tensorEnd;
                    }
                    else
                    {
                        ProtobufWire.Skip(stream, graphWire, graphEnd);
                    }
                }

                stream.Position = graphEnd;
            }
            else
            {
                ProtobufWire.Skip(stream, wire, end);
            }
        }

        var duplicates = found.GroupBy(t => t.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key)
            .ToHashSet(StringComparer.Ordinal);
        found.RemoveAll(t => duplicates.Contains(t.Name));
        return new InitializerScan(found, external);
    }

    /// <summary>
    /// The model with each of <paramref name="tensors"/> stored as external data at its own offset in the file named
    /// <paramref name="location"/> (the file read), instead of inline; everything else copied as is.
    /// </summary>
    public static byte[] WriteSlim(Stream stream, IReadOnlyList<InitializerInfo> tensors, string location)
    {
        var byStart = tensors.ToDictionary(t => t.TensorStart);
        var output = new MemoryStream();
        stream.Position = 0;
        var end = stream.Length;
        while (stream.Position < end)
        {
            var fieldStart = stream.Position;
            var (field, wire) = ProtobufWire.ReadTag(stream);
            if (field == GraphField && wire == ProtobufWire.WireLengthDelimited)
            {
                var graphEnd = ProtobufWire.ReadLengthEnd(stream, end);
                var graph = new MemoryStream();
                while (stream.Position < graphEnd)
                {
                    var graphFieldStart = stream.Position;
                    var (graphField, graphWire) = ProtobufWire.ReadTag(stream);
                    if (graphField == InitializerField && graphWire == ProtobufWire.WireLengthDelimited)
                    {
                        var tensorEnd = ProtobufWire.ReadLengthEnd(stream, graphEnd);
                        if (byStart.TryGetValue(stream.Position, out var tensor))
                        {
                            WriteLengthDelimited(graph, InitializerField, ExternalTensor(stream, tensorEnd, tensor, location));
                        }
                        else
                        {
                            Copy(stream, graphFieldStart, tensorEnd, graph);
                        }

                        stream.Position = tensorEnd;
                    }
                    else
                    {
                        ProtobufWire.Skip(stream, graphWire, graphEnd);
                        Copy(stream, graphFieldStart, stream.Position, graph);
                    }
                }

                WriteLengthDelimited(output, GraphField, graph.ToArray());
                stream.Position = graphEnd;
            }
            else
            {
                ProtobufWire.Skip(stream, wire, end);
                Copy(stream, fieldStart, stream.Position, output);
            }
        }

        return output.ToArray();
    }

    /// <summary>The tensor's fields but its data, then external data pointing at the data's place in the file.</summary>
    private static byte[] ExternalTensor(Stream stream, long tensorEnd, InitializerInfo tensor, string location)
    {
        var output = new MemoryStream();
        while (stream.Position < tensorEnd)
        {
            var fieldStart = stream.Position;
            var (field, wire) = ProtobufWire.ReadTag(stream);
            ProtobufWire.Skip(stream, wire, tensorEnd);
            if (field is not (RawDataField or DataLocationField))
            {
                Copy(stream, fieldStart, stream.Position, output);
            }
        }

        foreach (var (key, value) in new[]
                 {
                     ("location", location),
                     ("offset", tensor.DataOffset.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                     ("length", tensor.DataLength.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                 })
        {
            var entry = new MemoryStream();
            WriteLengthDelimited(entry, 1, Encoding.UTF8.GetBytes(key));
            WriteLengthDelimited(entry, 2, Encoding.UTF8.GetBytes(value));
            WriteLengthDelimited(output, ExternalDataField, entry.ToArray());
        }

        WriteVarint(output, DataLocationField << 3 | ProtobufWire.WireVarint);
        WriteVarint(output, 1); // EXTERNAL
        return output.ToArray();
    }

    private static InitializerInfo? ReadTensor(Stream stream, long tensorEnd, ref bool hasExternalData)
    {
        var tensorStart = stream.Position;
        var dims = new List<long>();
        var dataType = 0;
        string? name = null;
        long rawOffset = -1, rawLength = 0;
        var external = false;
        var typed = false;
        while (stream.Position < tensorEnd)
        {
            var (field, wire) = ProtobufWire.ReadTag(stream);
            switch (field, wire)
            {
                case (1, ProtobufWire.WireVarint):
                    dims.Add((long)ProtobufWire.ReadVarint(stream));
                    break;
                case (1, ProtobufWire.WireLengthDelimited):
                    var packedEnd = ProtobufWire.ReadLengthEnd(stream, tensorEnd);
                    while (stream.Position < packedEnd)
                    {
                        dims.Add((long)ProtobufWire.ReadVarint(stream));
                    }

                    break;
                case (2, ProtobufWire.WireVarint):
                    dataType = (int)ProtobufWire.ReadVarint(stream);
                    break;
                case (8, ProtobufWire.WireLengthDelimited):
                    var nameEnd = ProtobufWire.ReadLengthEnd(stream, tensorEnd);
                    var bytes = new byte[nameEnd - stream.Position];
                    stream.ReadExactly(bytes);
                    name = Encoding.UTF8.GetString(bytes);
                    break;
                case (RawDataField, ProtobufWire.WireLengthDelimited):
                    var rawEnd = ProtobufWire.ReadLengthEnd(stream, tensorEnd);
                    rawOffset = stream.Position;
                    rawLength = rawEnd - rawOffset;
                    stream.Position = rawEnd;
                    break;
                case (3 or 4 or 5 or 6 or 7 or 10 or 11, _):
                    typed = true; // segment or typed data: leave this tensor to the session
                    ProtobufWire.Skip(stream, wire, tensorEnd);
                    break;
                case (ExternalDataField, _):
                    external = true;
                    ProtobufWire.Skip(stream, wire, tensorEnd);
                    break;
                case (DataLocationField, ProtobufWire.WireVarint):
                    external |= ProtobufWire.ReadVarint(stream) != 0;
                    break;
                default:
                    ProtobufWire.Skip(stream, wire, tensorEnd);
                    break;
            }
        }

        hasExternalData |= external;
        if (name is not { Length: > 0 } || external || typed || rawOffset < 0 || ElementSize(dataType) is not { } size)
        {
            return null;
        }

        long elements = 1;
        foreach (var d in dims)
        {
            if (d < 0 || (d > 0 && elements > long.MaxValue / d))
            {
                return null; // malformed: the session reports it
            }

            elements *= d;
        }

        // A shape that does not match the data is the session's to report; an empty tensor is not worth sharing.
        return elements > 0 && elements * size == rawLength
            ? new InitializerInfo(name, (TensorElementType)dataType, [.. dims], tensorStart, rawOffset, rawLength)
            : null;
    }

    /// <summary>Bytes per element of the fixed-size ONNX data types ONNX Runtime takes as tensors (no strings).</summary>
    private static int? ElementSize(int dataType) => dataType switch
    {
        1 or 6 or 12 => 4, // float, int32, uint32
        2 or 3 or 9 => 1, // uint8, int8, bool
        4 or 5 or 10 or 16 => 2, // uint16, int16, float16, bfloat16
        7 or 11 or 13 => 8, // int64, double, uint64
        _ => null,
    };

    private static void Copy(Stream stream, long from, long to, Stream output)
    {
        var position = stream.Position;
        stream.Position = from;
        var buffer = new byte[(int)Math.Min(to - from, 1 << 16)];
        for (var left = to - from; left > 0;)
        {
            var read = stream.Read(buffer, 0, (int)Math.Min(left, buffer.Length));
            if (read <= 0)
            {
                throw new InvalidDataException("Unexpected end of the ONNX file.");
            }

            output.Write(buffer, 0, read);
            left -= read;
        }

        stream.Position = position;
    }

    private static void WriteLengthDelimited(Stream output, int field, byte[] content)
    {
        WriteVarint(output, (ulong)field << 3 | ProtobufWire.WireLengthDelimited);
        WriteVarint(output, (ulong)content.Length);
        output.Write(content);
    }

    private static void WriteVarint(Stream output, ulong value)
    {
        while (value >= 0x80)
        {
            output.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        output.WriteByte((byte)value);
    }
}
