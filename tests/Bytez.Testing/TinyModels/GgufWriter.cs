using System.Runtime.InteropServices;
using System.Text;
using Bytez.Engine.LlamaCpp.Gguf;

namespace Bytez.Testing.TinyModels;

/// <summary>
/// Writes GGUF files (version 3, F32 tensors only): metadata key/values and tensors, in the order added. Small and
/// strict, for tests that build their own models.
/// </summary>
public sealed class GgufWriter
{
    /// <summary>The alignment of the tensor data section and of each tensor in it.</summary>
    public const int Alignment = 32;

    private readonly List<(string Key, GgufValueType Type, object Value)> _metadata = [];
    private readonly List<(string Name, long[] Dimensions, float[] Data)> _tensors = [];

    /// <summary>The metadata keys added so far, in order.</summary>
    public IReadOnlyList<string> Keys => _metadata.ConvertAll(m => m.Key);

    /// <summary>The tensors added so far: name and dimensions (ggml order, fastest-varying first).</summary>
    public IReadOnlyList<(string Name, long[] Dimensions)> Tensors => _tensors.ConvertAll(t => (t.Name, t.Dimensions));

    /// <summary>Adds a string value.</summary>
    public GgufWriter Add(string key, string value) => AddValue(key, GgufValueType.String, value);

    /// <summary>Adds an unsigned 32-bit value.</summary>
    public GgufWriter Add(string key, uint value) => AddValue(key, GgufValueType.UInt32, value);

    /// <summary>Adds a signed 32-bit value.</summary>
    public GgufWriter Add(string key, int value) => AddValue(key, GgufValueType.Int32, value);

    /// <summary>Adds an unsigned 64-bit value.</summary>
    public GgufWriter Add(string key, ulong value) => AddValue(key, GgufValueType.UInt64, value);

    /// <summary>Adds a 32-bit float value.</summary>
    public GgufWriter Add(string key, float value) => AddValue(key, GgufValueType.Float32, value);

    /// <summary>Adds a boolean value.</summary>
    public GgufWriter Add(string key, bool value) => AddValue(key, GgufValueType.Bool, value);

    /// <summary>Adds an array of strings.</summary>
    public GgufWriter Add(string key, IReadOnlyList<string> values) => AddValue(key, GgufValueType.Array, values);

    /// <summary>Adds an array of 32-bit floats.</summary>
    public GgufWriter Add(string key, IReadOnlyList<float> values) => AddValue(key, GgufValueType.Array, values);

    /// <summary>Adds an array of signed 32-bit integers.</summary>
    public GgufWriter Add(string key, IReadOnlyList<int> values) => AddValue(key, GgufValueType.Array, values);

    /// <summary>Adds an F32 tensor; <paramref name="dimensions"/> in ggml order (fastest-varying first).</summary>
    public GgufWriter AddTensor(string name, long[] dimensions, float[] data)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(data);
        long count = dimensions.Aggregate(1L, (a, b) => a * b);
        if (count != data.Length)
        {
            throw new ArgumentException($"Tensor '{name}' has {data.Length} values; its dimensions need {count}.", nameof(data));
        }

        _tensors.Add((name, dimensions, data));
        return this;
    }

    /// <summary>Writes the file.</summary>
    public void Write(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(stream);
    }

    /// <summary>Writes the file to a stream.</summary>
    public void Write(Stream stream)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, type, value) in _metadata)
        {
            WriteString(w, key);
            WriteValue(w, type, value);
        }

        long offset = 0;
        var offsets = new long[_tensors.Count];
        for (int i = 0; i < _tensors.Count; i++)
        {
            var (name, dims, data) = _tensors[i];
            WriteString(w, name);
            w.Write((uint)dims.Length);
            foreach (long d in dims)
            {
                w.Write((ulong)d);
            }

            w.Write(0u); // GGML_TYPE_F32
            w.Write((ulong)offset);
            offsets[i] = offset;
            offset = Align(offset + ((long)data.Length * sizeof(float)));
        }

        w.Flush();
        Pad(w, stream.Position);
        long start = stream.Position;
        for (int i = 0; i < _tensors.Count; i++)
        {
            Pad(w, stream.Position - start);
            w.Write(MemoryMarshal.AsBytes(_tensors[i].Data.AsSpan()));
        }

        Pad(w, stream.Position - start);
        w.Flush();
    }

    private GgufWriter AddValue(string key, GgufValueType type, object value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        _metadata.RemoveAll(m => m.Key == key);
        _metadata.Add((key, type, value));
        return this;
    }

    private static long Align(long offset) => (offset + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter w, long position)
    {
        for (long i = position; i < Align(position); i++)
        {
            w.Write((byte)0);
        }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValueType type, object value)
    {
        w.Write((uint)type);
        switch (value)
        {
            case string s: WriteString(w, s); break;
            case uint u: w.Write(u); break;
            case int i: w.Write(i); break;
            case ulong ul: w.Write(ul); break;
            case float f: w.Write(f); break;
            case bool b: w.Write(b ? (byte)1 : (byte)0); break;
            case IReadOnlyList<string> strings:
                w.Write((uint)GgufValueType.String);
                w.Write((ulong)strings.Count);
                foreach (string s in strings)
                {
                    WriteString(w, s);
                }

                break;
            case IReadOnlyList<float> floats:
                w.Write((uint)GgufValueType.Float32);
                w.Write((ulong)floats.Count);
                foreach (float f in floats)
                {
                    w.Write(f);
                }

                break;
            case IReadOnlyList<int> ints:
                w.Write((uint)GgufValueType.Int32);
                w.Write((ulong)ints.Count);
                foreach (int i in ints)
                {
                    w.Write(i);
                }

                break;
            default:
                throw new NotSupportedException($"GGUF value of type {value.GetType()} is not supported by this writer.");
        }
    }
}
