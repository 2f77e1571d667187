using System.Text.Json;
using Bytez.Engine;

namespace Bytez.Server.Apis.Rerank;

/// <summary>
/// <c>POST /v1/rerank</c> and <c>POST /v2/rerank</c>: Cohere's rerank API (and Jina's, which shares the path and
/// whose fields are a subset of the union answered here) over the catalog's text-ranking models. The ranking is the
/// Bytez text-ranking route's for the same query and documents: <c>relevance_score</c> is its <c>score</c> (the
/// model's logit through its activation, a sigmoid for one-label cross-encoders), best first, cut to <c>top_n</c>.
/// Answer: <c>{"id", "results": [{"index", "relevance_score", "document"?}], "meta": {"api_version", "billed_units"},
/// "model", "usage": {"total_tokens"}}</c>. Errors are Cohere's <c>{"message"}</c> (<see cref="RerankErrors"/>).
/// </summary>
public static class RerankApi
{
    /// <summary>The rerank paths.</summary>
    public static readonly IReadOnlyList<string> Paths = ["/v1/rerank", "/v2/rerank"];

    private const string Example = "{\"model\": \"BAAI/bge-reranker-base\", \"query\": \"capital of France\", \"documents\": [\"Paris is in France.\", \"Berlin is in Germany.\"]}";

    /// <summary>Whether a request path is one of the rerank routes (for the error shape and the API key).</summary>
    public static bool IsRerankPath(PathString path) => Paths.Any(p => path.Equals(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>Maps the rerank routes.</summary>
    public static IEndpointRouteBuilder MapRerankApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost(Paths[0], (HttpContext context, InferenceEngine engine) => RerankAsync(context, engine, "1"));
        app.MapPost(Paths[1], (HttpContext context, InferenceEngine engine) => RerankAsync(context, engine, "2"));
        return app;
    }

    private static async Task RerankAsync(HttpContext context, InferenceEngine engine, string version)
    {
        var body = await JsonBody.ReadObjectAsync(context, Example).ConfigureAwait(false);
        var request = Read(body, engine.Limits);
        var model = engine.FindModel(request.Model);
        var result = await engine.RankAsync(model.Id, RankingCall.Create(request.Query, request.Texts, request.TopN), context.RequestAborted).ConfigureAwait(false);
        await OpenAi.OpenAiApi.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("id", Guid.NewGuid().ToString());
            writer.WriteStartArray("results");
            foreach (var ranked in result.Ranked)
            {
                writer.WriteStartObject();
                writer.WriteNumber("index", ranked.CorpusId);
                writer.WriteNumber("relevance_score", ranked.Score);
                if (request.ReturnDocuments)
                {
                    writer.WritePropertyName("document");
                    if (request.Documents[ranked.CorpusId] is { ValueKind: JsonValueKind.Object } given)
                    {
                        given.WriteTo(writer); // Cohere keeps every field of an object document
                    }
                    else
                    {
                        writer.WriteStartObject();
                        writer.WriteString("text", request.Texts[ranked.CorpusId]);
                        writer.WriteEndObject();
                    }
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartObject("meta");
            writer.WriteStartObject("api_version");
            writer.WriteString("version", version);
            writer.WriteEndObject();
            writer.WriteStartObject("billed_units");
            writer.WriteNumber("search_units", Math.Max(1, (request.Texts.Count + 99) / 100)); // Cohere: one unit per query of up to 100 documents
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteString("model", model.Id);
            writer.WriteStartObject("usage");
            writer.WriteNumber("total_tokens", result.PromptTokens);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static RerankRequest Read(JsonElement body, RequestLimitsOptions limits)
    {
        var model = BodyFields.RequiredString(body, "model", Example);
        var query = BodyFields.RequiredText(body, "query", Example);
        var documents = BodyFields.Optional(body, "documents") is { ValueKind: JsonValueKind.Array } list
            ? list
            : throw EngineException.BadInput($"'documents' is required: a list of strings or of {{\"text\": \"...\"}} objects. Example: {Example}");
        if (list.GetArrayLength() > limits.MaxItems)
        {
            throw limits.TooManyItems("documents", list.GetArrayLength());
        }

        var rankFields = ReadRankFields(body);
        var texts = new List<string>(list.GetArrayLength());
        var given = new List<JsonElement>(list.GetArrayLength());
        var i = 0;
        foreach (var document in list.EnumerateArray())
        {
            texts.Add(TextOf(document, i++, rankFields));
            given.Add(document.Clone());
        }

        // Accepted for Cohere's clients: chunking and per-document token caps are not done here; each (query, document)
        // pair is cut to the model's maximum length (longest_first), as the Bytez text-ranking route cuts it.
        BodyFields.Int(body, "max_chunks_per_doc", 1);
        BodyFields.Int(body, "max_tokens_per_doc", 1);
        BodyFields.Int(body, "priority", 0);
        return new RerankRequest(
            model, query, texts, given, BodyFields.Int(body, "top_n", 1), BodyFields.Bool(body, "return_documents") ?? false);
    }

    private static IReadOnlyList<string>? ReadRankFields(JsonElement body)
    {
        if (BodyFields.Optional(body, "rank_fields") is not { } fields)
        {
            return null;
        }

        if (fields.ValueKind != JsonValueKind.Array || fields.GetArrayLength() == 0
            || fields.EnumerateArray().Any(f => f.ValueKind != JsonValueKind.String || f.GetString()!.Length == 0))
        {
            throw EngineException.BadInput($"'rank_fields' must be a non-empty list of field names, such as [\"title\", \"text\"]; got {RunRequestReader.Describe(fields)}.");
        }

        return [.. fields.EnumerateArray().Select(f => f.GetString()!)];
    }

    /// <summary>
    /// The text ranked for a document: the string itself; an object's <c>text</c>; with <c>rank_fields</c>, the named
    /// fields as <c>name: value</c> lines in that order (Cohere's advice for semi-structured documents).
    /// </summary>
    private static string TextOf(JsonElement document, int index, IReadOnlyList<string>? rankFields)
    {
        if (document.ValueKind == JsonValueKind.String)
        {
            return document.GetString()!;
        }

        if (document.ValueKind != JsonValueKind.Object)
        {
            throw EngineException.BadInput($"documents[{index}] must be a string or an object with a \"text\" string; got {RunRequestReader.Describe(document)}.");
        }

        if (rankFields is null)
        {
            return document.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
                ? text.GetString()!
                : throw EngineException.BadInput($"documents[{index}] must have a \"text\" string (or name the fields to rank in 'rank_fields').");
        }

        var lines = new List<string>(rankFields.Count);
        foreach (var field in rankFields)
        {
            lines.Add(document.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String
                ? $"{field}: {value.GetString()}"
                : throw EngineException.BadInput($"documents[{index}] has no string field \"{field}\", which 'rank_fields' names."));
        }

        return string.Join('\n', lines);
    }

    private sealed record RerankRequest(
        string Model, string Query, IReadOnlyList<string> Texts, IReadOnlyList<JsonElement> Documents, int? TopN, bool ReturnDocuments);
}
