using System.Text.Json.Serialization;

namespace Bytez.Protocol;

/// <summary>
/// The input of text-ranking (cross-encoder rerankers): a query and the documents to rank against it, sent as
/// <c>{"query": ..., "documents": [...]}</c> in <c>input</c>, the arguments of sentence-transformers'
/// <c>CrossEncoder.rank(query, documents)</c>.
/// </summary>
public sealed class TextRankingInput
{
    /// <summary>Creates the input.</summary>
    /// <param name="query">The query.</param>
    /// <param name="documents">The documents to score against the query; results name them by index.</param>
    public TextRankingInput(string query, IReadOnlyList<string> documents)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(documents);
        Query = query;
        Documents = documents;
    }

    /// <summary>The query.</summary>
    [JsonPropertyName("query")]
    public string Query { get; }

    /// <summary>The documents to rank; a result's <see cref="RankedDocument.CorpusId"/> is an index into this list.</summary>
    [JsonPropertyName("documents")]
    public IReadOnlyList<string> Documents { get; }
}
