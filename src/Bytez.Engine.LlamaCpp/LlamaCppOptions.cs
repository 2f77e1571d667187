namespace Bytez.Engine.LlamaCpp;

/// <summary>
/// Options of the llama.cpp backend. Each loaded model holds its weights once and shares llama.cpp contexts among
/// its sequences: one context serves <see cref="SequencesPerContext"/> sequences, each with a key/value cache of
/// the model's context length (capped by <see cref="MaxContextLength"/>).
/// </summary>
public sealed class LlamaCppOptions
{
    /// <summary>
    /// The most tokens one sequence may hold, prompt included (default 4096). The model's trained context length
    /// (<c>{arch}.context_length</c>) is used when it is smaller. The key/value cache is allocated for this many tokens
    /// per sequence up front, so this is the main memory knob.
    /// </summary>
    public int MaxContextLength { get; set; } = 4096;

    /// <summary>
    /// Threads llama.cpp uses for one decode; <see langword="null"/> (the default) means one per physical core this process
    /// may use (<see cref="MachineCores.Physical"/>, llama.cpp's own default rule). Measured on
    /// 2 cores: with 2 threads one stream ran 1.17x faster than with 1, and 8 batched streams reached 2.56x one stream (1.78x with 1 thread). ggml's threads spin
    /// while they wait for each other, so more threads than free cores makes every step much slower, not faster: lower
    /// it when other work shares the machine.
    /// </summary>
    public int? Threads { get; set; }

    /// <summary>The most tokens one decode call takes (llama.cpp <c>n_batch</c>, default 512); longer prompts are fed in several calls.</summary>
    public int BatchSize { get; set; } = 512;

    /// <summary>
    /// Sequences that share one llama.cpp context (<c>n_seq_max</c>, default 8). More concurrent sequences open
    /// another context. Continuous batching merges only the sequences of one context, so this is the largest batch
    /// of streams. Memory: each context allocates its key/value cache up front for this many sequences of the full
    /// context length (<c>SequencesPerContext x ContextLength</c> cells; for a Llama-3-8B-like model at 4096 tokens
    /// with an f16 cache that is about 512 MiB per sequence, 4 GiB per context), whether or not the sequences are used.
    /// </summary>
    public int SequencesPerContext { get; set; } = 8;

    /// <summary>
    /// Whether concurrent feeds of the sequences of one context are merged into one llama.cpp decode (continuous
    /// batching, default <see langword="true"/>). Off, decodes are serialized one feed at a time.
    /// </summary>
    public bool ContinuousBatching { get; set; } = true;

    /// <summary>
    /// How long the next decode waits at least for the streams that finished a step to submit their next token
    /// (default 1 ms, in whole milliseconds; zero never waits); it waits as long as the previous decode took when that
    /// is longer, up to 20 ms. The wait ends as soon as all of them have come, so it costs nothing while every stream
    /// steps in time; a stream that does not come in time is not waited for again until its next step. Without it,
    /// streams whose callers take a while to choose a token (a 150k vocabulary, a piece to write) split into
    /// alternating small decodes, each costing nearly what one shared decode costs (docs/benchmarks.md: 8 streams on a
    /// Qwen2.5-0.5B-shaped model).
    /// </summary>
    public TimeSpan BatchWait { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Keeps attention in f32: an f32 key/value cache (twice the memory of the default f16) and no flash attention
    /// (default <see langword="false"/>: llama.cpp's defaults, f16 cache and flash attention where it chooses). A
    /// sequence's logits in a batched decode differ from its logits alone only by f32 rounding (about 1e-5 on the
    /// tiny test model) instead of f16 rounding (about 1e-3), so near-ties flip far more rarely.
    /// </summary>
    public bool PreciseAttention { get; set; }

    /// <summary>
    /// Keeps the key/value cells of finished sequences as cached prompt prefixes and starts each new sequence from the
    /// cached one that shares the longest prefix with its prompt (default <see langword="true"/>), as llama-server's
    /// <c>cache_prompt</c> does: the second turn of a chat decodes only the new turn, prompts with the same system
    /// prompt skip it. Outputs are the same as without the cache (up to the rounding of a differently batched prompt).
    /// The prefixes live in the cells each context already allocates (<see cref="SequencesPerContext"/> sequences),
    /// so the cache costs no memory beyond the model's; the least recently used prefix is evicted when a new sequence
    /// needs its id. Not used for recurrent or sliding-window models. Read each time a sequence starts or ends.
    /// </summary>
    public bool PrefixCache { get; set; } = true;

    /// <summary>The fewest prompt tokens worth reusing from the prefix cache (default 16): shorter shared prefixes are decoded again.</summary>
    public int PrefixCacheMinTokens { get; set; } = 16;

    /// <summary>Threads to use after resolving <see langword="null"/>.</summary>
    public int EffectiveThreads => Threads ?? MachineCores.Physical;

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        if (MaxContextLength < 16)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxContextLength), MaxContextLength, "MaxContextLength must be at least 16.");
        }

        if (Threads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be at least 1 (or unset for one per core).");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        }

        if (BatchWait < TimeSpan.Zero || BatchWait > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(BatchWait), BatchWait, "BatchWait must be between zero and one second.");
        }

        if (PrefixCacheMinTokens < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PrefixCacheMinTokens), PrefixCacheMinTokens, "PrefixCacheMinTokens must be at least 1.");
        }

        if (SequencesPerContext is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(SequencesPerContext), SequencesPerContext, "SequencesPerContext must be between 1 and 256.");
        }
    }
}
