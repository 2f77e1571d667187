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
    /// Threads llama.cpp uses for one decode; <see langword="null"/> (the default) means half the logical processors
    /// (about one per physical core). ggml's threads spin while they wait for each other, so more threads than free
    /// cores makes every step much slower, not faster.
    /// </summary>
    public int? Threads { get; set; }

    /// <summary>The most tokens one decode call takes (llama.cpp <c>n_batch</c>, default 512); longer prompts are fed in several calls.</summary>
    public int BatchSize { get; set; } = 512;

    /// <summary>
    /// Sequences that share one llama.cpp context (<c>n_seq_max</c>, default 4). More concurrent sequences open
    /// another context. Larger values need fewer contexts; each context's cache is this many times the context length.
    /// </summary>
    public int SequencesPerContext { get; set; } = 4;

    /// <summary>Threads to use after resolving <see langword="null"/>.</summary>
    public int EffectiveThreads => Threads ?? Math.Max(1, Environment.ProcessorCount / 2);

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

        if (SequencesPerContext is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(SequencesPerContext), SequencesPerContext, "SequencesPerContext must be between 1 and 256.");
        }
    }
}
