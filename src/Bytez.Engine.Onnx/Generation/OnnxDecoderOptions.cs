namespace Bytez.Engine.Onnx.Generation;

/// <summary>Options of loading an ONNX decoder folder, beside the runtime's <see cref="OnnxRuntimeOptions"/>.</summary>
public sealed record OnnxDecoderOptions
{
    /// <summary>The defaults: full precision when the folder has it; continuous batching of up to 8 sequences.</summary>
    public static OnnxDecoderOptions Default { get; } = new();

    /// <summary>
    /// Which weight file of the folder to load, by the transformers.js <c>dtype</c> names: <c>fp32</c> (the file without a
    /// suffix, such as <c>model.onnx</c>), <c>fp16</c>, <c>q8</c> or <c>quantized</c>, <c>int8</c>, <c>uint8</c>, <c>q4</c>,
    /// <c>q4f16</c>, <c>bnb4</c>, or any other suffix (<c>model_{variant}.onnx</c>). <see langword="null"/> (the default)
    /// takes full precision, or when the folder has none the first of fp16, q8, int8, uint8, q4, q4f16, bnb4 it has.
    /// </summary>
    public string? Variant { get; init; }

    /// <summary>
    /// Continuous batching (default on): single-token decoding steps that sequences of one instance submit at the same time
    /// run as one batch (one session run), each sequence keeping its own key/value cache; sequences join and leave
    /// between steps. Each sequence's logits equal those of running it alone up to float rounding. Only graphs with a
    /// key/value cache, <c>attention_mask</c> and <c>position_ids</c> are batched; others, and prompts (several tokens
    /// in one call), run alone.
    /// </summary>
    public bool ContinuousBatching { get; init; } = true;

    /// <summary>The most sequences in one batched step (default 8; at least 1).</summary>
    public int MaxBatchSize { get; init; } = 8;

    /// <summary>
    /// How long a batch waits for more steps before it runs (default zero: it runs as soon as the previous run ends,
    /// with the steps submitted meanwhile). Sequences of the previous batch are waited for regardless, for at most
    /// the duration of that run (at least 1 ms, at most 20 ms), so that streams stepping together stay together.
    /// </summary>
    public TimeSpan MaxBatchWait { get; init; } = TimeSpan.Zero;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1, nameof(MaxBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchWait, TimeSpan.Zero, nameof(MaxBatchWait));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBatchWait, TimeSpan.FromSeconds(1), nameof(MaxBatchWait));
    }
}
