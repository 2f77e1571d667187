namespace Bytez.Engine.Generation;

/// <summary>
/// A loaded decoder-only language model, whatever runs it (llama.cpp, ONNX Runtime). The engine's own generation
/// loop drives it token by token: sampling, stopping and detokenizing are the same for every runtime.
/// </summary>
public interface IGenerativeInstance : IModelInstance
{
    /// <summary>The model's tokenizer.</summary>
    ITextTokenizer Tokenizer { get; }

    /// <summary>The model's Jinja2 chat template, or <see langword="null"/> when it has none.</summary>
    string? ChatTemplate { get; }

    /// <summary>Generation defaults from the model's configuration (<c>generation_config.json</c> or GGUF metadata).</summary>
    GenerationDefaults Defaults { get; }

    /// <summary>The most tokens a sequence may hold, prompt included.</summary>
    int ContextLength { get; }

    /// <summary>The number of logits per position.</summary>
    int VocabularySize { get; }

    /// <summary>Starts a new, empty sequence with its own cache. The caller disposes it.</summary>
    IDecoderSequence CreateSequence();
}

/// <summary>
/// One sequence being generated: holds its key/value cache; each call feeds tokens and returns the logits of the
/// last one. Not thread-safe: one caller at a time.
/// </summary>
public interface IDecoderSequence : IDisposable
{
    /// <summary>Tokens fed so far (the length of the cache).</summary>
    int Length { get; }

    /// <summary>
    /// Prompt tokens whose key/value state the first <see cref="ForwardAsync"/> took from a prefix cache instead of
    /// computing it (0 without a cache hit, and for runtimes without a prefix cache).
    /// </summary>
    int ReusedTokens => 0;

    /// <summary>
    /// Feeds <paramref name="tokens"/> (the whole prompt first, then one chosen token per step) and returns the
    /// logits (unnormalized, <see cref="IGenerativeInstance.VocabularySize"/> of them) for the token after the last
    /// one fed. The memory is valid until the next call.
    /// </summary>
    ValueTask<ReadOnlyMemory<float>> ForwardAsync(ReadOnlyMemory<int> tokens, CancellationToken cancellationToken);
}

/// <summary>A tokenizer: text to token ids and back.</summary>
public interface ITextTokenizer
{
    /// <summary>Encodes text. With <paramref name="addSpecialTokens"/> the model's own additions (such as BOS) are made.</summary>
    /// <remarks>Special tokens written in the text (for example <c>&lt;|im_start|&gt;</c> from a chat template) are recognized as such.</remarks>
    int[] Encode(string text, bool addSpecialTokens);

    /// <summary>Decodes token ids to text; special tokens are left out when <paramref name="skipSpecialTokens"/> is set.</summary>
    string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens);

    /// <summary>The token's text as the vocabulary spells it (for diagnostics and token-level parameters), or <see langword="null"/>.</summary>
    string? TokenToString(int id);

    /// <summary>Whether the id is a special (control) token, such as BOS, EOS or a chat marker.</summary>
    bool IsSpecial(int id);

    /// <summary>The beginning-of-sequence token, or <see langword="null"/>.</summary>
    int? BosTokenId { get; }

    /// <summary>The end-of-sequence tokens (several models have more than one).</summary>
    IReadOnlyList<int> EosTokenIds { get; }

    /// <summary>The text of the BOS token (for chat templates), or <see langword="null"/>.</summary>
    string? BosToken { get; }

    /// <summary>The text of the first EOS token (for chat templates), or <see langword="null"/>.</summary>
    string? EosToken { get; }
}

/// <summary>
/// The defaults a model's configuration sets for generation (Hugging Face <c>generation_config.json</c>). Request
/// parameters override them; unset ones fall back to the Hugging Face library defaults.
/// </summary>
public sealed record GenerationDefaults
{
    /// <summary>Hugging Face's defaults when a model sets nothing.</summary>
    public static GenerationDefaults None { get; } = new();

    /// <summary><c>max_length</c> (prompt included); Hugging Face's default is 20.</summary>
    public int? MaxLength { get; init; }

    /// <summary><c>max_new_tokens</c>.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary><c>do_sample</c>.</summary>
    public bool? DoSample { get; init; }

    /// <summary><c>temperature</c>.</summary>
    public double? Temperature { get; init; }

    /// <summary><c>top_k</c>.</summary>
    public int? TopK { get; init; }

    /// <summary><c>top_p</c>.</summary>
    public double? TopP { get; init; }

    /// <summary><c>min_p</c>.</summary>
    public double? MinP { get; init; }

    /// <summary><c>typical_p</c>.</summary>
    public double? TypicalP { get; init; }

    /// <summary><c>repetition_penalty</c>.</summary>
    public double? RepetitionPenalty { get; init; }

    /// <summary><c>eos_token_id</c> (one or several); overrides the tokenizer's when set.</summary>
    public IReadOnlyList<int>? EosTokenIds { get; init; }

    /// <summary><c>bos_token_id</c>.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>pad_token_id</c>.</summary>
    public int? PadTokenId { get; init; }
}
