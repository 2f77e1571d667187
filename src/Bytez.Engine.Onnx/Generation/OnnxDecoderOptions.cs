namespace Bytez.Engine.Onnx.Generation;

/// <summary>Options of loading an ONNX decoder folder, beside the runtime's <see cref="OnnxRuntimeOptions"/>.</summary>
public sealed record OnnxDecoderOptions
{
    /// <summary>The defaults: full precision when the folder has it; continuous batching of up to 8 sequences; prefix caching in 256 MiB.</summary>
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

    /// <summary>
    /// Intra-op threads of the decoder's session; <see langword="null"/> (the default) means one per physical core
    /// (<see cref="MachineCores.Physical"/>). A decoder instance runs one session whose steps carry every sequence at once
    /// (continuous batching), so its runs take every core, as ONNX Runtime GenAI's do; measured in docs/benchmarks.md
    /// ("Threads of the decoders").
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>Intra-op threads after resolving <see langword="null"/>.</summary>
    public int EffectiveThreads => Threads ?? MachineCores.Physical;

    /// <summary>The most sequences in one batched step (default 8; at least 1).</summary>
    public int MaxBatchSize { get; init; } = 8;

    /// <summary>
    /// How long a batch waits for more steps before it runs (default zero: it runs as soon as the previous run ends,
    /// with the steps submitted meanwhile). Sequences of the previous batch are waited for regardless, for at most
    /// the duration of that run (at least 1 ms, at most 20 ms), so that streams stepping together stay together.
    /// </summary>
    public TimeSpan MaxBatchWait { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Prefix caching (default on): the key/value cache of each sequence's prompt, and of its prompt and generated tokens
    /// when it ends, is kept, and a new sequence whose prompt starts with tokens kept (a system prompt, the earlier turns
    /// of a chat) starts from their cache and is fed only the rest. The tokens generated are the same as without it (the
    /// logits equal up to float rounding). Only graphs with a key/value cache use it; beam search does not.
    /// </summary>
    public bool PrefixCache { get; init; } = true;

    /// <summary>
    /// The most bytes of key/value cache the prefix cache of one instance keeps (default 256 MiB; the least recently
    /// used prefixes are dropped first). Counted in the memory of each instance of a decoder model (its estimate and
    /// the figure measured at load). 0 keeps nothing.
    /// </summary>
    public long PrefixCacheBytes { get; init; } = 256L << 20;

    /// <summary>
    /// The fewest tokens a cached prefix must share with a prompt to be used, and a sequence must hold to be kept
    /// (default 16; at least 1).
    /// </summary>
    public int PrefixCacheMinTokens { get; init; } = 16;

    /// <summary>The bytes <see cref="PrefixCacheBytes"/> adds to an instance's memory: 0 when prefix caching is off.</summary>
    internal long PrefixCacheReservedBytes => PrefixCache ? PrefixCacheBytes : 0;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        if (Threads is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be between 1 and 1024 (or unset for one per physical core).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1, nameof(MaxBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchWait, TimeSpan.Zero, nameof(MaxBatchWait));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBatchWait, TimeSpan.FromSeconds(1), nameof(MaxBatchWait));
        ArgumentOutOfRangeException.ThrowIfNegative(PrefixCacheBytes, nameof(PrefixCacheBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(PrefixCacheMinTokens, 1, nameof(PrefixCacheMinTokens));
    }
}
