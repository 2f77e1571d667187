using Bytez.Engine.Embedded;

namespace Bytez.Engine.Tests;

public sealed class OnnxParameterCounterTests
{
    [Fact]
    public void Count_AllMiniLML6V2_IsAbout22Point7Million()
    {
        var count = OnnxParameterCounter.Count(Path.Combine(TestModels.MiniLM.Path, "onnx", "model.onnx"));

        // all-MiniLM-L6-v2: 22.7M parameters (embeddings 30522x384 + 512x384 + 2x384, six layers, pooler).
        Assert.InRange(count, 22_500_000, 22_800_000);
    }

    [Fact]
    public void Count_HandWrittenModel_SumsPackedAndUnpackedDimsAndSkipsData()
    {
        // ModelProto { ir_version(1)=7, graph(7) { node(1) {...}, initializer(5) [2,3] packed + raw_data, initializer(5) [4] unpacked, initializer(5) scalar } }
        var tensorA = Concat(Tag(1, 2), Varint(2), [2, 3], Tag(9, 2), Varint(24), new byte[24]);
        var tensorB = Concat(Tag(1, 0), Varint(4), Tag(2, 0), Varint(1), Tag(8, 2), Varint(1), [(byte)'b']);
        var scalar = Concat(Tag(8, 2), Varint(1), [(byte)'s'], Tag(4, 5), new byte[4]);
        var node = Concat(Tag(4, 2), Varint(3), "Add"u8.ToArray());
        var graph = Concat(
            Tag(1, 2), Varint(node.Length), node,
            Tag(5, 2), Varint(tensorA.Length), tensorA,
            Tag(5, 2), Varint(tensorB.Length), tensorB,
            Tag(5, 2), Varint(scalar.Length), scalar);
        var model = Concat(Tag(1, 0), Varint(7), Tag(7, 2), Varint(graph.Length), graph, Tag(8, 2), Varint(2), [0, 0]);

        Assert.Equal(6 + 4 + 1, OnnxParameterCounter.Count(new MemoryStream(model)));
    }

    [Fact]
    public void Count_NotProtobuf_ThrowsInvalidData()
    {
        var bytes = "this is not an onnx model at all"u8.ToArray();

        Assert.Throws<InvalidDataException>(() => OnnxParameterCounter.Count(new MemoryStream(bytes)));
    }

    [Fact]
    public void Count_DimensionsMultiplyPastInt64_ThrowsInvalidDataInsteadOfOverflow()
    {
        var path = Bytez.Testing.TinyModels.MalformedModels.WriteOnnxWithDimensionOverflow(
            Path.Combine(Path.GetTempPath(), "bytez-onnx-overflow-" + Guid.NewGuid().ToString("N") + ".onnx"));
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => OnnxParameterCounter.Count(path));
            Assert.Contains("64 bits", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Count_NegativeDimension_ThrowsInvalidData()
    {
        var tensor = Concat(Tag(1, 0), Varint(-3));
        var graph = Concat(Tag(5, 2), Varint(tensor.Length), tensor);
        var model = Concat(Tag(7, 2), Varint(graph.Length), graph);

        Assert.Throws<InvalidDataException>(() => OnnxParameterCounter.Count(new MemoryStream(model)));
    }

    private static byte[] Tag(int field, int wire) => Varint((field << 3) | wire);

    private static byte[] Varint(long value)
    {
        var bytes = new List<byte>();
        var v = (ulong)value;
        do
        {
            var b = (byte)(v & 0x7F);
            v >>= 7;
            bytes.Add(v != 0 ? (byte)(b | 0x80) : b);
        }
        while (v != 0);
        return [.. bytes];
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
