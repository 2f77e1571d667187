using Bytez.Engine.Embedded;
using Bytez.Testing.Properties;

namespace Bytez.Engine.Tests;

/// <summary>The ONNX protobuf readers on damaged files: only <see cref="InvalidDataException"/>, and no allocation to speak of.</summary>
public sealed class OnnxParameterCounterPropertyTests
{
    private const long AllocationBound = 1L << 20;

    private static readonly Lazy<byte[]> Valid = new(() => TinyDecoderFiles.Onnx);

    [Fact]
    public void Count_RandomBytes_ThrowsOnlyInvalidData() =>
        PropertyCheck.Run(Mutations.RandomBytes(2048, [0x3A]), Count, PropertySeed.Value, iterations: 5000);

    [Fact]
    public void Count_MutatedValidModel_ThrowsOnlyInvalidData() =>
        PropertyCheck.Run(Mutations.Of(Valid.Value), Count, PropertySeed.Value, iterations: 2000);

    [Fact]
    public void Count_ValidModel_CountsParameters() => Assert.True(OnnxParameterCounter.Count(new MemoryStream(Valid.Value)) > 0);

    private static void Count(byte[] bytes) =>
        UntrustedInput.Parse(() => OnnxParameterCounter.Count(new MemoryStream(bytes, writable: false)), AllocationBound, typeof(InvalidDataException));
}
