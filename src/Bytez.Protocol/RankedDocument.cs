using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// One document of the output of text-ranking, <c>{corpus_id, score, text?}</c>, as sentence-transformers'
/// <c>CrossEncoder.rank</c> returns it; the output lists them highest score first.
/// </summary>
public sealed class RankedDocument
{
    /// <summary>The document's index in the input's <c>documents</c>.</summary>
    [JsonPropertyName("corpus_id")]
    public required int CorpusId { get; init; }

    /// <summary>The relevance of the document to the query (a sigmoid probability for one-label rerankers).</summary>
    [JsonPropertyName("score")]
    public required double Score { get; init; }

    /// <summary>The document's text when <c>return_documents</c> asked for it; otherwise <see langword="null"/>.</summary>
    [JsonPropertyName("text")]
    public string? Text { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"#{CorpusId} {Score}";
}
