using Bytez.Engine.LlamaCpp.Gguf;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.LlamaCpp.Tests;

public sealed class GgufFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bytez-gguf-" + Guid.NewGuid().ToString("N"));

    public GgufFileTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ReadHeader_TinyModel_ReturnsWrittenKeysAndTensors()
    {
        var written = GgufModelWriter.WriteTinyLlama(Path.Combine(_folder, "tiny.gguf"));
        var header = GgufFile.ReadHeader(written.Path);

        Assert.Equal(3u, header.Version);
        Assert.Equal(written.MetadataKeys, header.Metadata.Keys);
        Assert.Equal("llama", header.Architecture);
        Assert.Equal(512, header.GetInteger("llama.context_length"));
        Assert.Equal(64, header.GetInteger("llama.embedding_length"));
        Assert.Equal(1e-5, header.GetNumber("llama.attention.layer_norm_rms_epsilon")!.Value, 1e-9);
        Assert.Equal(written.Tokens, header.GetArray<string>("tokenizer.ggml.tokens"));
        Assert.Equal(GgufModelWriter.ChatMLTemplate, header.GetString("tokenizer.chat_template"));
        Assert.True(header.GetBoolean("tokenizer.ggml.add_bos_token"));
        Assert.Equal(written.Tensors.Count, header.Tensors.Count);
        Assert.Equal(2 + 1 + (9 * 2), header.Tensors.Count); // embedding, output norm, output, 9 per layer
        for (int i = 0; i < written.Tensors.Count; i++)
        {
            Assert.Equal(written.Tensors[i].Name, header.Tensors[i].Name);
            Assert.Equal(written.Tensors[i].Dimensions, header.Tensors[i].Dimensions);
            Assert.Equal(0u, header.Tensors[i].Type);
            Assert.Equal(0, header.Tensors[i].Offset % 32);
        }

        Assert.Equal(0, header.DataOffset % 32);
        long lastEnd = header.DataOffset + header.Tensors[^1].Offset + (header.Tensors[^1].ElementCount * 4);
        Assert.True(new FileInfo(written.Path).Length >= lastEnd);
    }

    [Fact]
    public void ParameterCount_TinyModel_EqualsSumOfTensorSizes()
    {
        var written = GgufModelWriter.WriteTinyLlama(Path.Combine(_folder, "tiny.gguf"));
        var header = GgufFile.ReadHeader(written.Path);
        int vocab = written.Tokens.Count;
        const int D = 64, Kv = 32, Ff = 128, Layers = 2;
        long perLayer = D + (D * D) + (2 * D * Kv) + (D * D) + D + (3 * D * Ff);
        long expected = (2L * vocab * D) + D + (Layers * perLayer);
        Assert.Equal(expected, header.ParameterCount);
        Assert.Equal(written.ParameterCount, header.ParameterCount);
    }

    [Fact]
    public void ReadHeader_NotGguf_ThrowsInvalidDataNamingTheMagic()
    {
        string path = Path.Combine(_folder, "fake.gguf");
        File.WriteAllText(path, "this is not a model");
        var e = Assert.Throws<InvalidDataException>(() => GgufFile.ReadHeader(path));
        Assert.Contains("not a valid GGUF file", e.Message, StringComparison.Ordinal);
        Assert.Contains("magic", e.Message, StringComparison.Ordinal);
        Assert.False(GgufFile.HasMagic(path));
    }

    [Fact]
    public void ReadHeader_TruncatedHeader_ThrowsInvalidData()
    {
        var written = GgufModelWriter.WriteTinyLlama(Path.Combine(_folder, "tiny.gguf"));
        string path = Path.Combine(_folder, "cut.gguf");
        File.WriteAllBytes(path, File.ReadAllBytes(written.Path)[..2000]);
        Assert.True(GgufFile.HasMagic(path));
        var e = Assert.Throws<InvalidDataException>(() => GgufFile.ReadHeader(path));
        Assert.Contains("not a valid GGUF file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadHeader_HugeStringLength_ThrowsInsteadOfAllocating()
    {
        string path = Path.Combine(_folder, "huge.gguf");
        using (var w = new BinaryWriter(File.Create(path)))
        {
            w.Write("GGUF"u8);
            w.Write(3u);
            w.Write(0UL);
            w.Write(1UL);
            w.Write(ulong.MaxValue / 2); // key length
        }

        Assert.Throws<InvalidDataException>(() => GgufFile.ReadHeader(path));
    }

    [Fact]
    public void ReadHeader_ElementCountsSumPastInt64_ThrowsInvalidDataInsteadOfOverflow()
    {
        string path = MalformedModels.WriteGgufWithElementSumOverflow(Path.Combine(_folder, "sum-overflow.gguf"));

        var e = Assert.Throws<InvalidDataException>(() => GgufFile.ReadHeader(path));
        Assert.Contains("64 bits", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadHeader_DimensionsMultiplyPastInt64_ThrowsInvalidDataNamingTheTensor()
    {
        string path = MalformedModels.WriteGgufTensors(Path.Combine(_folder, "product.gguf"), [[1UL << 40, 1UL << 40]]);

        var e = Assert.Throws<InvalidDataException>(() => GgufFile.ReadHeader(path));
        Assert.Contains("t0.weight", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadHeader_ArrayCountLargerThanItsElementsFit_ThrowsBeforeAllocating()
    {
        // An array of 1000 UInt64 claims 8000 bytes; the file has 100 after the count.
        string path = Path.Combine(_folder, "array.gguf");
        using (var w = new BinaryWriter(File.Create(path)))
        {
            w.Write("GGUF"u8);
            w.Write(3u);
            w.Write(0UL);
            w.Write(1UL);
            w.Write(1UL);
            w.Write((byte)'a');
            w.Write((uint)GgufValueType.Array);
            w.Write((uint)GgufValueType.UInt64);
            w.Write(1000UL);
            w.Write(new byte[100]);
        }

        var e = Assert.Throws<InvalidDataException>(() => GgufFile.ReadHeader(path));
        Assert.Contains("length of array 'a'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadHeader_ArraysNestedThousandsDeep_ThrowsInvalidDataInsteadOfExhaustingTheStack()
    {
        string path = Path.Combine(_folder, "nested.gguf");
        using (var w = new BinaryWriter(File.Create(path)))
        {
            w.Write("GGUF"u8);
            w.Write(3u);
            w.Write(0UL);
            w.Write(1UL);
            w.Write(1UL);
            w.Write((byte)'n');
            w.Write((uint)GgufValueType.Array);
            for (int i = 0; i < 100_000; i++)
            {
                w.Write((uint)GgufValueType.Array);
                w.Write(1UL);
            }

            w.Write((uint)GgufValueType.UInt8);
            w.Write(1UL);
            w.Write((byte)1);
        }

        var e = Assert.Throws<InvalidDataException>(() => GgufFile.ReadHeader(path));
        Assert.Contains("nests arrays deeper", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GgufWriter_CustomKeys_ReadBackWithTheirTypes()
    {
        string path = Path.Combine(_folder, "custom.gguf");
        new GgufWriter()
            .Add("a.string", "héllo")
            .Add("a.uint", 7u)
            .Add("a.int", -3)
            .Add("a.ulong", 1UL << 40)
            .Add("a.float", 0.5f)
            .Add("a.bool", true)
            .Add("a.strings", new[] { "x", "y" })
            .Add("a.ints", new[] { 1, 2, 3 })
            .Add("a.floats", new[] { 1.5f })
            .AddTensor("t", [2, 3], new float[6])
            .Write(path);
        var header = GgufFile.ReadHeader(path);
        Assert.Equal("héllo", header.GetString("a.string"));
        Assert.Equal(7, header.GetInteger("a.uint"));
        Assert.Equal(-3, header.GetInteger("a.int"));
        Assert.Equal(1L << 40, header.GetInteger("a.ulong"));
        Assert.Equal(0.5, header.GetNumber("a.float"));
        Assert.True(header.GetBoolean("a.bool"));
        Assert.Equal(["x", "y"], header.GetArray<string>("a.strings")!);
        Assert.Equal([1, 2, 3], header.GetArray<int>("a.ints")!);
        Assert.Equal([1.5f], header.GetArray<float>("a.floats")!);
        Assert.Equal(6, Assert.Single(header.Tensors).ElementCount);
        Assert.Equal(6, header.ParameterCount);
    }
}

public sealed class ContextEstimateTests
{
    [Fact]
    public void EstimateContextBytes_TinyModel_IsLayersTimesKvWidthTimesTokens()
    {
        string path = Path.Combine(Path.GetTempPath(), "bytez-estimate-" + Guid.NewGuid().ToString("N") + ".gguf");
        try
        {
            GgufModelWriter.WriteTinyLlama(path);
            var header = Bytez.Engine.LlamaCpp.Gguf.GgufFile.ReadHeader(path);
            // 2 layers x 2 KV heads x (16 + 16) x 2 bytes x (512 tokens x 3 sequences)
            long expected = 2L * 2 * 32 * 2 * 512 * 3;
            Assert.Equal(expected, LlamaCppRuntime.EstimateContextBytes(header, new LlamaCppOptions { SequencesPerContext = 3 }));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
