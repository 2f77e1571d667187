namespace Bytez.Hub;

/// <summary>One entry of the hub's model list (<c>/api/models</c>), as a search answers it: enough to choose a candidate.</summary>
public sealed record HubModelSummary
{
    /// <summary>The repository id, <c>org/name</c> (validated).</summary>
    public required string Id { get; init; }

    /// <summary>Downloads over the hub's recent window (0 when the answer lacks it).</summary>
    public long Downloads { get; init; }

    /// <summary>The pipeline tag (the task), or <see langword="null"/>.</summary>
    public string? PipelineTag { get; init; }

    /// <summary>The library (<c>transformers.js</c>, <c>onnx</c>, <c>gguf</c>, ...), or <see langword="null"/>.</summary>
    public string? LibraryName { get; init; }

    /// <summary>The repository's tags, <c>base_model:...</c> ones included.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
}

/// <summary>A search of the hub's model list, sorted by downloads, most first.</summary>
public sealed record HubModelQuery
{
    /// <summary>The most entries one search asks for and reads.</summary>
    public const int MaxLimit = 100;

    /// <summary>A substring of the repository id (<c>search=</c>), or <see langword="null"/>.</summary>
    public string? Search { get; init; }

    /// <summary>A tag the repositories must have (<c>filter=</c>, for example <c>base_model:org/name</c>), or <see langword="null"/>.</summary>
    public string? Filter { get; init; }

    /// <summary>The most entries wanted, 1 to <see cref="MaxLimit"/>; default 50.</summary>
    public int Limit { get; init; } = 50;
}
