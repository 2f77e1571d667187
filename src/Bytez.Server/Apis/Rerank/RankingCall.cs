using Bytez.Protocol;

namespace Bytez.Server.Apis.Rerank;

/// <summary>The Bytez text-ranking request the rerank routes of other APIs (Cohere, Jina, TEI) translate into.</summary>
public static class RankingCall
{
    /// <summary>
    /// <c>{"input": {"query", "documents"}, "params": {"top_k"}}</c>: the request whose ranking
    /// <c>POST /models/v2/{model}</c> answers, so the routes give the Bytez route's scores and order.
    /// </summary>
    public static RunRequest Create(string query, IReadOnlyList<string> documents, int? topN)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(documents);
        var input = BodyFields.Build(w =>
        {
            w.WriteStartObject();
            w.WriteString("query", query);
            w.WriteStartArray("documents");
            foreach (var document in documents)
            {
                w.WriteStringValue(document);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        var parameters = topN is { } k
            ? BodyFields.Build(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("top_k", k);
                w.WriteEndObject();
            })
            : (System.Text.Json.JsonElement?)null;
        return new RunRequest { Input = input, Params = parameters };
    }
}
