namespace Bytez.Engine.Onnx.Generation;

/// <summary>Options of loading an ONNX decoder folder, beside the runtime's <see cref="OnnxRuntimeOptions"/>.</summary>
public sealed record OnnxDecoderOptions
{
    /// <summary>The defaults: full precision when the folder has it.</summary>
    public static OnnxDecoderOptions Default { get; } = new();

    /// <summary>
    /// Which weight file of the folder to load, by the transformers.js <c>dtype</c> names: <c>fp32</c> (the file without a
    /// suffix, such as <c>model.onnx</c>), <c>fp16</c>, <c>q8</c> or <c>quantized</c>, <c>int8</c>, <c>uint8</c>, <c>q4</c>,
    /// <c>q4f16</c>, <c>bnb4</c>, or any other suffix (<c>model_{variant}.onnx</c>). <see langword="null"/> (the default)
    /// takes full precision, or when the folder has none the first of fp16, q8, int8, uint8, q4, q4f16, bnb4 it has.
    /// </summary>
    public string? Variant { get; init; }
}
