using System.Text.Json;

namespace Bytez.Engine.Generation;

/// <summary>
/// A loaded encoder-decoder model (BART, T5, Marian, mBART, ...), whatever runs it. The engine's generation code
/// (<see cref="Seq2SeqGenerator"/>) drives it: the source is encoded once, then the decoder is stepped one token per
/// row, rows being the beams of beam search (or one row for greedy search).
/// </summary>
public interface ISeq2SeqInstance : IModelInstance
{
    /// <summary>The model's tokenizer (source and target share it).</summary>
    ITextTokenizer Tokenizer { get; }

    /// <summary>The generation facts of the model's configuration files.</summary>
    Seq2SeqModelInfo Info { get; }

    /// <summary>
    /// Runs the encoder once over <paramref name="source"/> (token ids, special tokens included) and returns a
    /// decoding of one row, ready for the decoder start token. The caller disposes it.
    /// </summary>
    /// <exception cref="EngineException">The source is empty or longer than the model takes (kind bad input).</exception>
    ValueTask<ISeq2SeqDecoding> EncodeAsync(ReadOnlyMemory<int> source, CancellationToken cancellationToken);
}

/// <summary>
/// Rows of tokens decoded together, each row with its own key/value cache: the beams of beam search (or one row for
/// greedy search). Not thread-safe: one caller at a time.
/// </summary>
public interface IRowDecoding : IDisposable
{
    /// <summary>Rows being decoded.</summary>
    int Rows { get; }

    /// <summary>Tokens fed to each row so far.</summary>
    int Length { get; }

    /// <summary>
    /// Feeds one token per row and returns the logits of the next position, row after row (<see cref="Rows"/> × the
    /// vocabulary size). The memory is valid until the next call.
    /// </summary>
    ValueTask<ReadOnlyMemory<float>> StepAsync(ReadOnlyMemory<int> tokens, CancellationToken cancellationToken);

    /// <summary>
    /// Rearranges the rows: new row <c>i</c> continues old row <c>sourceRows[i]</c> (its cache is copied); the number
    /// of rows may change (1 to <c>num_beams</c> before beam search starts).
    /// </summary>
    void Reorder(ReadOnlySpan<int> sourceRows);
}

/// <summary>
/// The decoder side of one encoder-decoder request: rows of decoder tokens over one encoded source (one row after
/// encoding, fed the decoder start token first); the cross-attention cache of the source is computed at the first step
/// and reused.
/// </summary>
public interface ISeq2SeqDecoding : IRowDecoding;

/// <summary>
/// A decoder-only model that can decode several rows in one run with caches that move between rows, as beam search
/// needs (the ONNX decoder can; llama.cpp sequences cannot copy their caches yet).
/// </summary>
public interface IBeamSearchInstance : IGenerativeInstance
{
    /// <summary>
    /// Feeds every token of <paramref name="prompt"/> but the last to a new decoding of one row (the first
    /// <see cref="IRowDecoding.StepAsync"/> feeds the last). The caller disposes it.
    /// </summary>
    ValueTask<IRowDecoding> StartRowsAsync(ReadOnlyMemory<int> prompt, CancellationToken cancellationToken);
}

/// <summary>What a model's <c>config.json</c> and <c>generation_config.json</c> say about generation.</summary>
public sealed record Seq2SeqModelInfo
{
    /// <summary>Logits per position.</summary>
    public required int VocabularySize { get; init; }

    /// <summary>The most source tokens the encoder takes.</summary>
    public required int MaxSourceLength { get; init; }

    /// <summary>The most decoder positions, decoder start token included.</summary>
    public required int MaxTargetLength { get; init; }

    /// <summary>
    /// The model's generation configuration: <c>generation_config.json</c>, or, without one, the generation keys of
    /// <c>config.json</c> (what Hugging Face's <c>GenerationConfig.from_model_config</c> takes). An object.
    /// </summary>
    public required JsonElement GenerationConfig { get; init; }

    /// <summary><c>task_specific_params</c> of <c>config.json</c>: per task name, an object of generation keys and a <c>prefix</c>.</summary>
    public IReadOnlyDictionary<string, JsonElement> TaskSpecificParams { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary><c>prefix</c> of <c>config.json</c>, put before every source text unless the task's parameters have their own.</summary>
    public string? Prefix { get; init; }

    /// <summary><c>decoder_start_token_id</c> of <c>config.json</c> (used when the generation configuration has none).</summary>
    public int? DecoderStartTokenId { get; init; }

    /// <summary><c>bos_token_id</c> of <c>config.json</c> (the decoder start when nothing else names one).</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c> of <c>config.json</c>.</summary>
    public IReadOnlyList<int>? EosTokenIds { get; init; }

    /// <summary>
    /// <c>tokenizer_class</c> of <c>tokenizer_config.json</c> (<c>NllbTokenizerFast</c>, <c>MBart50Tokenizer</c>, ...): tells the
    /// multilingual tokenizers, which put language tokens around the source, apart.
    /// </summary>
    public string? TokenizerClass { get; init; }
}
