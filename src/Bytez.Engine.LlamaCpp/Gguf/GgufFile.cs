using System.Globalization;
using System.Text;

namespace Bytez.Engine.LlamaCpp.Gguf;

/// <summary>The value types of GGUF metadata.</summary>
public enum GgufValueType : uint
{
    /// <summary>Unsigned 8-bit integer (<see cref="byte"/>).</summary>
    UInt8 = 0,

    /// <summary>Signed 8-bit integer (<see cref="sbyte"/>).</summary>
    Int8 = 1,

    /// <summary>Unsigned 16-bit integer (<see cref="ushort"/>).</summary>
    UInt16 = 2,

    /// <summary>Signed 16-bit integer (<see cref="short"/>).</summary>
    Int16 = 3,

    /// <summary>Unsigned 32-bit integer (<see cref="uint"/>).</summary>
    UInt32 = 4,

    /// <summary>Signed 32-bit integer (<see cref="int"/>).</summary>
    Int32 = 5,

    /// <summary>32-bit float (<see cref="float"/>).</summary>
    Float32 = 6,

    /// <summary>Boolean (<see cref="bool"/>).</summary>
    Bool = 7,

    /// <summary>UTF-8 string (<see cref="string"/>).</summary>
    String = 8,

    /// <summary>Array of one element type (a .NET array of that type).</summary>
    Array = 9,

    /// <summary>Unsigned 64-bit integer (<see cref="ulong"/>).</summary>
    UInt64 = 10,

    /// <summary>Signed 64-bit integer (<see cref="long"/>).</summary>
    Int64 = 11,

    /// <summary>64-bit float (<see cref="double"/>).</summary>
    Float64 = 12,
}

/// <summary>One tensor described in a GGUF header.</summary>
/// <param name="Name">The tensor's name, for example <c>blk.0.attn_q.weight</c>.</param>
/// <param name="Dimensions">Its dimensions in ggml order (fastest-varying first).</param>
/// <param name="Type">The ggml type number (0 F32, 1 F16, 2 Q4_0, 8 Q8_0, 12 Q4_K, ...).</param>
/// <param name="Offset">The offset of its data from the start of the data section.</param>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<long> Dimensions, uint Type, long Offset)
{
    /// <summary>The number of elements (the product of the dimensions).</summary>
    /// <exception cref="OverflowException">The product does not fit a 64-bit integer (never for a tensor read by <see cref="GgufFile"/>, which refuses such a header).</exception>
    public long ElementCount => Dimensions.Aggregate(1L, (a, b) => checked(a * b));
}

/// <summary>
/// The header of a GGUF file (the llama.cpp model format): version, metadata and tensor descriptions, read without
/// the tensor data and without native code. Metadata values are .NET values: integers, floats, <see cref="bool"/>,
/// <see cref="string"/>, or arrays of these (<c>string[]</c>, <c>int[]</c>, <c>float[]</c>, ...).
/// Files are untrusted: every count, length and dimension is checked against the file's size and the format's limits
/// before anything is allocated, arithmetic is checked, and anything malformed is one
/// <see cref="InvalidDataException"/> whose message says what is wrong.
/// </summary>
public sealed class GgufFile
{
    /// <summary>The four bytes every GGUF file starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "GGUF"u8;

    private const int MaxDimensions = 4;
    private const long MaxCount = 1L << 32;

    /// <summary>How deep arrays of arrays may nest (llama.cpp writes none; a deep nesting would exhaust the stack).</summary>
    private const int MaxArrayDepth = 4;

    /// <summary>The fewest bytes one tensor description takes: name length, dimension count, one dimension, type, offset.</summary>
    private const int MinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;

    /// <summary>The fewest bytes one metadata entry takes: key length, value type, a one-byte value.</summary>
    private const int MinMetadataBytes = 8 + 4 + 1;

    private GgufFile(uint version, Dictionary<string, object> metadata, List<GgufTensorInfo> tensors, long dataOffset, int alignment, long parameterCount)
    {
        ParameterCount = parameterCount;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        DataOffset = dataOffset;
        Alignment = alignment;
    }

    /// <summary>The format version (2 or 3).</summary>
    public uint Version { get; }

    /// <summary>The metadata key/values, in file order.</summary>
    public IReadOnlyDictionary<string, object> Metadata { get; }

    /// <summary>The tensors, in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>Where the tensor data section starts in the file.</summary>
    public long DataOffset { get; }

    /// <summary>The alignment of the data section (<c>general.alignment</c>, 32 by default).</summary>
    public int Alignment { get; }

    /// <summary>The parameter count: the sum of all tensors' element counts.</summary>
    public long ParameterCount { get; }

    /// <summary>The model architecture (<c>general.architecture</c>), for example <c>llama</c>.</summary>
    public string? Architecture => GetString("general.architecture");

    /// <summary>Whether the file starts with the GGUF magic (a cheap check that reads four bytes).</summary>
    public static bool HasMagic(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Span<byte> head = stackalloc byte[4];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        return stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual(Magic);
    }

    /// <summary>Reads the header of the GGUF file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not GGUF or its header is damaged (the message says how); the only exception a malformed file causes.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static GgufFile ReadHeader(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            return ReadHeader(stream);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid GGUF file: {e.Message}", e);
        }
    }

    /// <summary>Reads a GGUF header from the start of <paramref name="stream"/> (which must be seekable).</summary>
    /// <exception cref="InvalidDataException">The stream is not GGUF or its header is damaged (the message says how); the only exception malformed content causes.</exception>
    public static GgufFile ReadHeader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            throw new ArgumentException("The stream must be seekable.", nameof(stream));
        }

        var reader = new Reader(stream);
        try
        {
            Span<byte> magic = stackalloc byte[4];
            if (stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) != 4 || !magic.SequenceEqual(Magic))
            {
                throw new InvalidDataException(
                    $"it does not start with the GGUF magic (found {Convert.ToHexString(magic)}).");
            }

            uint version = reader.UInt32();
            if (version is < 2 or > 3)
            {
                throw new InvalidDataException($"GGUF version {version} is not supported (2 and 3 are).");
            }

            long tensorCount = reader.Count("tensor count", MinTensorInfoBytes);
            long kvCount = reader.Count("metadata count", MinMetadataBytes);
            var metadata = new Dictionary<string, object>((int)Math.Min(kvCount, 1024), StringComparer.Ordinal);
            for (long i = 0; i < kvCount; i++)
            {
                string key = reader.String();
                var type = (GgufValueType)reader.UInt32();
                metadata[key] = reader.Value(type, key, depth: 0);
            }

            var tensors = new List<GgufTensorInfo>((int)Math.Min(tensorCount, 65536));
            long parameterCount = 0;
            for (long i = 0; i < tensorCount; i++)
            {
                string name = reader.String();
                uint dimCount = reader.UInt32();
                if (dimCount is 0 or > MaxDimensions)
                {
                    throw new InvalidDataException($"tensor '{name}' has {dimCount} dimensions (1 to {MaxDimensions} allowed).");
                }

                var dims = new long[dimCount];
                long elements = 1;
                for (int d = 0; d < dims.Length; d++)
                {
                    ulong dim = reader.UInt64();
                    if (dim > long.MaxValue || (elements = MultiplyOrMinusOne(elements, (long)dim)) < 0)
                    {
                        throw new InvalidDataException(
                            string.Create(CultureInfo.InvariantCulture, $"tensor '{name}' has an impossible dimension {dim} (its element count does not fit 64 bits)."));
                    }

                    dims[d] = (long)dim;
                }

                uint type = reader.UInt32();
                ulong offset = reader.UInt64();
                if (offset > long.MaxValue)
                {
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"tensor '{name}' has an impossible data offset {offset}."));
                }

                if (long.MaxValue - parameterCount < elements)
                {
                    throw new InvalidDataException("the tensors' element counts add up to more than 64 bits can hold.");
                }

                parameterCount += elements;
                tensors.Add(new GgufTensorInfo(name, dims, type, (long)offset));
            }

            int alignment = 32;
            if (metadata.TryGetValue("general.alignment", out object? a) && ToInt64(a) is long al)
            {
                if (al <= 0 || (al & (al - 1)) != 0 || al > 1 << 20)
                {
                    throw new InvalidDataException($"general.alignment {al} is not a power of two.");
                }

                alignment = (int)al;
            }

            long position = stream.Position;
            long dataOffset = (position + alignment - 1) / alignment * alignment;
            return new GgufFile(version, metadata, tensors, dataOffset, alignment, parameterCount);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("the header ends before it is complete (the file is truncated).", e);
        }
    }

    /// <summary>The product, or -1 when it does not fit a non-negative 64-bit integer.</summary>
    private static long MultiplyOrMinusOne(long a, long b) => b == 0 || a <= long.MaxValue / b ? a * b : -1;

    /// <summary>A string value, or <see langword="null"/> when the key is missing or not a string.</summary>
    public string? GetString(string key) => Metadata.TryGetValue(key, out object? v) ? v as string : null;

    /// <summary>An integer value of any integer type, or <see langword="null"/> when the key is missing or not an integer.</summary>
    public long? GetInteger(string key) => Metadata.TryGetValue(key, out object? v) ? ToInt64(v) : null;

    /// <summary>A floating-point value (or integer), or <see langword="null"/>.</summary>
    public double? GetNumber(string key) => Metadata.TryGetValue(key, out object? v)
        ? v switch { float f => f, double d => d, _ => ToInt64(v) }
        : null;

    /// <summary>A boolean value, or <see langword="null"/>.</summary>
    public bool? GetBoolean(string key) => Metadata.TryGetValue(key, out object? v) && v is bool b ? b : null;

    /// <summary>An array value of element type <typeparamref name="T"/>, or <see langword="null"/>.</summary>
    public T[]? GetArray<T>(string key) => Metadata.TryGetValue(key, out object? v) ? v as T[] : null;

    private static long? ToInt64(object value) => value switch
    {
        byte b => b,
        sbyte sb => sb,
        ushort us => us,
        short s => s,
        uint ui => ui,
        int i => i,
        ulong ul => ul <= long.MaxValue ? (long)ul : null,
        long l => l,
        _ => null,
    };

    /// <summary>Little-endian reads with bounds checked against the stream's length.</summary>
    private sealed class Reader(Stream stream)
    {
        private readonly BinaryReader _reader = new(stream, Encoding.UTF8, leaveOpen: true);
        private readonly long _length = stream.Length;

        private long Remaining => _length - stream.Position;

        public uint UInt32() => _reader.ReadUInt32();

        public ulong UInt64() => _reader.ReadUInt64();

        /// <summary>Reads a count of items that take at least <paramref name="minBytesEach"/> bytes each in the file.</summary>
        public long Count(string what, int minBytesEach)
        {
            ulong n = _reader.ReadUInt64();
            if (n > MaxCount || n > (ulong)Array.MaxLength || (long)n > Remaining / minBytesEach)
            {
                throw new InvalidDataException(
                    string.Create(CultureInfo.InvariantCulture, $"the {what} ({n}) is larger than the {Remaining} bytes left in the file allow."));
            }

            return (long)n;
        }

        public string String()
        {
            ulong n = _reader.ReadUInt64();
            if (n > (ulong)Remaining || n > int.MaxValue)
            {
                throw new InvalidDataException(
                    string.Create(CultureInfo.InvariantCulture, $"a string of {n} bytes at offset {stream.Position - 8} runs past the end of the file."));
            }

            return Encoding.UTF8.GetString(_reader.ReadBytes((int)n));
        }

        public object Value(GgufValueType type, string key, int depth) => type switch
        {
            GgufValueType.UInt8 => _reader.ReadByte(),
            GgufValueType.Int8 => _reader.ReadSByte(),
            GgufValueType.UInt16 => _reader.ReadUInt16(),
            GgufValueType.Int16 => _reader.ReadInt16(),
            GgufValueType.UInt32 => _reader.ReadUInt32(),
            GgufValueType.Int32 => _reader.ReadInt32(),
            GgufValueType.Float32 => _reader.ReadSingle(),
            GgufValueType.Bool => _reader.ReadByte() != 0,
            GgufValueType.String => String(),
            GgufValueType.UInt64 => _reader.ReadUInt64(),
            GgufValueType.Int64 => _reader.ReadInt64(),
            GgufValueType.Float64 => _reader.ReadDouble(),
            GgufValueType.Array => ReadArray(key, depth + 1),
            _ => throw new InvalidDataException($"metadata '{key}' has an unknown value type {(uint)type}."),
        };

        private object ReadArray(string key, int depth)
        {
            if (depth > MaxArrayDepth)
            {
                throw new InvalidDataException($"array '{key}' nests arrays deeper than {MaxArrayDepth} levels.");
            }

            var type = (GgufValueType)_reader.ReadUInt32();
            long n = Count($"length of array '{key}'", MinBytes(type));
            int count = (int)n;
            return type switch
            {
                GgufValueType.UInt8 => Fill(count, _reader.ReadByte),
                GgufValueType.Int8 => Fill(count, _reader.ReadSByte),
                GgufValueType.UInt16 => Fill(count, _reader.ReadUInt16),
                GgufValueType.Int16 => Fill(count, _reader.ReadInt16),
                GgufValueType.UInt32 => Fill(count, _reader.ReadUInt32),
                GgufValueType.Int32 => Fill(count, _reader.ReadInt32),
                GgufValueType.Float32 => Fill(count, _reader.ReadSingle),
                GgufValueType.Bool => Fill(count, () => _reader.ReadByte() != 0),
                GgufValueType.String => Fill(count, String),
                GgufValueType.UInt64 => Fill(count, _reader.ReadUInt64),
                GgufValueType.Int64 => Fill(count, _reader.ReadInt64),
                GgufValueType.Float64 => Fill(count, _reader.ReadDouble),
                GgufValueType.Array => Fill(count, () => ReadArray(key, depth + 1)),
                _ => throw new InvalidDataException($"array '{key}' has an unknown element type {(uint)type}."),
            };
        }

        /// <summary>The fewest bytes one value of a type takes in the file (a string or array: its 8-byte length).</summary>
        private static int MinBytes(GgufValueType type) => type switch
        {
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
            GgufValueType.Array => 4 + 8,
            _ => 1,
        };

        private static T[] Fill<T>(int count, Func<T> read)
        {
            var values = new T[count];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = read();
            }

            return values;
        }
    }
}
