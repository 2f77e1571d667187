using System.Text;

namespace Bytez.Testing.TinyModels;

/// <summary>Model files damaged on purpose, as an attacker or a broken download would leave them.</summary>
public static class MalformedModels
{
    /// <summary>
    /// Writes a GGUF header of three one-dimensional tensors of 4e18 elements each: every dimension fits 64 bits, their
    /// sum does not. Readers that add the counts unchecked (or with LINQ's checked Sum) overflow.
    /// </summary>
    public static string WriteGgufWithElementSumOverflow(string path) =>
        WriteGgufTensors(path, [[4_000_000_000_000_000_000], [4_000_000_000_000_000_000], [4_000_000_000_000_000_000]]);

    /// <summary>Writes a GGUF header (version 3, no metadata) of F32 tensors with the dimensions given and no data.</summary>
    public static string WriteGgufTensors(string path, ulong[][] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var writer = new BinaryWriter(File.Create(path), Encoding.UTF8);
        writer.Write("GGUF"u8);
        writer.Write(3u);
        writer.Write((ulong)dimensions.Length);
        writer.Write(0UL);
        for (int i = 0; i < dimensions.Length; i++)
        {
            var name = Encoding.UTF8.GetBytes($"t{i}.weight");
            writer.Write((ulong)name.Length);
            writer.Write(name);
            writer.Write((uint)dimensions[i].Length);
            foreach (var dim in dimensions[i])
            {
                writer.Write(dim);
            }

            writer.Write(0u);
            writer.Write(0UL);
        }

        return path;
    }

    /// <summary>Writes an ONNX file that is one initializer whose two dimensions multiply past 64 bits.</summary>
    public static string WriteOnnxWithDimensionOverflow(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        // TensorProto { dims(1) = 2^40, dims(1) = 2^40 } inside GraphProto.initializer(5) inside ModelProto.graph(7).
        byte[] tensor = [.. Tag(1, 0), .. Varint(1UL << 40), .. Tag(1, 0), .. Varint(1UL << 40)];
        byte[] graph = [.. Tag(5, 2), .. Varint((ulong)tensor.Length), .. tensor];
        byte[] model = [.. Tag(7, 2), .. Varint((ulong)graph.Length), .. graph];
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, model);
        return path;
    }

    private static byte[] Tag(int field, int wire) => Varint((ulong)((field << 3) | wire));

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
        return [.. bytes];
    }
}
