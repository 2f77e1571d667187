using Bytez.Engine.LlamaCpp.Gguf;
using Bytez.Testing.Properties;
using Bytez.Testing.TinyModels;

namespace Bytez.Engine.LlamaCpp.Tests;

/// <summary>
/// The GGUF header reader on damaged files: nothing but <see cref="InvalidDataException"/> escapes, and it never
/// allocates much more than the file's size (every count and length is checked against what is left of the file).
/// </summary>
public sealed class GgufFilePropertyTests
{
    private const long AllocationBound = 4L << 20;

    private static readonly Lazy<byte[]> Valid = new(() =>
    {
        using var stream = new MemoryStream();
        new GgufWriter()
            .Add("general.architecture", "llama")
            .Add("llama.block_count", 2u)
            .Add("llama.embedding_length", 8u)
            .Add("llama.attention.head_count", 2u)
            .Add("llama.context_length", 64u)
            .Add("tokenizer.ggml.tokens", new[] { "<s>", "</s>", "a", "b" })
            .Add("tokenizer.ggml.scores", new[] { 0f, 0f, -1f, -2f })
            .Add("tokenizer.ggml.token_type", new[] { 3, 3, 1, 1 })
            .Add("tokenizer.chat_template", "{{ messages }}")
            .AddTensor("token_embd.weight", [8, 4], new float[32])
            .AddTensor("output_norm.weight", [8], new float[8])
            .Write(stream);
        return stream.ToArray();
    });

    [Fact]
    public void ReadHeader_RandomBytes_ThrowsOnlyInvalidDataAndAllocatesLittle() =>
        PropertyCheck.Run(Mutations.RandomBytes(2048, [.. "GGUF"u8, 3, 0, 0, 0]), Read, PropertySeed.Value, iterations: 5000);

    [Fact]
    public void ReadHeader_MutatedValidFile_ThrowsOnlyInvalidDataAndAllocatesLittle() =>
        PropertyCheck.Run(Mutations.Of(Valid.Value), Read, PropertySeed.Value, iterations: 5000);

    [Fact]
    public void ReadHeader_ValidFile_ReadsBothTensors() => Assert.Equal(2, GgufFile.ReadHeader(new MemoryStream(Valid.Value)).Tensors.Count);

    [Fact]
    public void TryDescribe_MutatedValidFile_ThrowsOnlyEngineException()
    {
        var folder = Directory.CreateTempSubdirectory("bytez-gguf-property-").FullName;
        try
        {
            var format = new GgufModelFormat();
            var path = Path.Combine(folder, "model.gguf");
            PropertyCheck.Run(Mutations.Of(Valid.Value), bytes =>
            {
                File.WriteAllBytes(path, bytes);
                UntrustedInput.Parse(() => format.TryDescribe("evil/model", path, null), AllocationBound, typeof(EngineException));
            }, PropertySeed.Value, iterations: 500);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Read(byte[] bytes) =>
        UntrustedInput.Parse(() => _ = GgufFile.ReadHeader(new MemoryStream(bytes, writable: false)).ParameterCount, AllocationBound, typeof(InvalidDataException));
}
