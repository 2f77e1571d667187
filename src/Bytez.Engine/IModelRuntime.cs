namespace Bytez.Engine;

/// <summary>
/// The runtime seam: one implementation per inference library (ONNX Runtime, llama.cpp). Loads a model's weights
/// once into an instance that then serves many requests.
/// </summary>
public interface IModelRuntime
{
    /// <summary>A short name for logs and docs, for example <c>onnx</c>.</summary>
    string Name { get; }

    /// <summary>Whether this runtime can load the model (its format and task).</summary>
    bool CanLoad(ModelDescriptor model);

    /// <summary>Loads the model's weights into a new instance. The caller owns and disposes the instance.</summary>
    ValueTask<IModelInstance> LoadAsync(ModelDescriptor model, CancellationToken cancellationToken);
}

/// <summary>A loaded model: weights in memory, ready to serve requests concurrently.</summary>
public interface IModelInstance : IDisposable
{
    /// <summary>The model this instance was loaded from.</summary>
    ModelDescriptor Model { get; }
}

/// <summary>Options of one embedding call, taken from the request's <c>params</c>.</summary>
public sealed record EmbeddingOptions
{
    /// <summary>Scale each vector to unit length; <see langword="null"/> means what the model's configuration prescribes.</summary>
    public bool? Normalize { get; init; }

    /// <summary>The name of a prompt from the model's configuration to prepend (for example <c>query</c>).</summary>
    public string? PromptName { get; init; }

    /// <summary>A literal prompt to prepend to every text.</summary>
    public string? Prompt { get; init; }

    /// <summary>Cut texts longer than the model's maximum length; when <see langword="false"/> they are refused.</summary>
    public bool Truncate { get; init; } = true;

    /// <summary>
    /// The most tokens all the texts of the call may have together (each counted after it is cut); past it the call
    /// is refused with <see cref="EngineErrorKind.TooLarge"/> as soon as tokenizing reaches it. <see langword="null"/> means no limit.
    /// </summary>
    public int? MaxTotalTokens { get; init; }
}

/// <summary>An instance of a text-embedding model (sentence-transformers style).</summary>
public interface IEmbeddingInstance : IModelInstance
{
    /// <summary>The length of each embedding vector.</summary>
    int Dimensions { get; }

    /// <summary>The most tokens one text may have, special tokens included.</summary>
    int MaxSequenceLength { get; }

    /// <summary>The names of the prompts the model's configuration defines (for <see cref="EmbeddingOptions.PromptName"/>).</summary>
    IReadOnlyCollection<string> PromptNames { get; }

    /// <summary>Embeds the texts, one vector each, in input order.</summary>
    ValueTask<float[][]> EmbedAsync(IReadOnlyList<string> texts, EmbeddingOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// How many tokens <see cref="EmbedAsync"/> feeds the model for these texts with these options: each text with
    /// its prompt, special tokens included, cut to <see cref="MaxSequenceLength"/> when <see cref="EmbeddingOptions.Truncate"/>.
    /// </summary>
    int CountTokens(IReadOnlyList<string> texts, EmbeddingOptions options);

    /// <summary>How many token ids the model's embedding table holds: ids of pre-tokenized input must be below it; 0 when unknown.</summary>
    int VocabularySize => 0;

    /// <summary>Whether the vectors are scaled to unit length when a call does not say (a Normalize module).</summary>
    bool NormalizesByDefault => false;

    /// <summary>
    /// The Matryoshka widths the model was trained for, so that a vector's first n numbers are a usable embedding:
    /// <see langword="null"/> when the model declares none (only its full width is meaningful); empty when any width
    /// up to <see cref="Dimensions"/> is; else the listed widths.
    /// </summary>
    IReadOnlyList<int>? MatryoshkaDimensions => null;

    /// <summary>
    /// Embeds pre-tokenized input, one vector per token-id sequence, in input order: the ids are fed exactly as given
    /// (no special tokens added, no prompt prepended), as vLLM and TEI treat token-id input; pooling and
    /// normalization as for texts. Callers check the ids against <see cref="VocabularySize"/> and <see cref="MaxSequenceLength"/>.
    /// </summary>
    /// <exception cref="EngineException">The model does not take token ids (kind not supported), or an id or length is out of range (bad input).</exception>
    ValueTask<float[][]> EmbedTokensAsync(IReadOnlyList<int[]> tokens, EmbeddingOptions options, CancellationToken cancellationToken)
        => throw EngineException.NotSupported($"The model {Model.Id} does not take token ids; send text.");
}

/// <summary>Embeddings with the number of tokens the model was fed for them (usage reports).</summary>
/// <param name="Vectors">One vector per text, in input order.</param>
/// <param name="PromptTokens">The tokens fed to the model for all the texts together.</param>
public sealed record EmbeddingResult(IReadOnlyList<float[]> Vectors, int PromptTokens);

/// <summary>An instance that merges concurrent work into batched runs, and reports each run's size.</summary>
public interface IBatchingInstance : IModelInstance
{
    /// <summary>Called with the number of items in each batched run (for metrics); <see langword="null"/> for none.</summary>
    Action<int>? BatchObserver { get; set; }
}
