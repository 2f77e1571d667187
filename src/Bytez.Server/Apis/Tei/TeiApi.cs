using System.Text.Json;
using Bytez.Engine;
using Bytez.Protocol;
using Bytez.Server.Apis.Rerank;

namespace Bytez.Server.Apis.Tei;

/// <summary>
/// Hugging Face text-embeddings-inference's routes, for its clients: <c>POST /rerank</c> (<c>{query, texts,
/// raw_scores, return_text, truncate}</c> → <c>[{index, score, text?}]</c>, best first) over the text-ranking models,
/// and <c>POST /embed</c> (<c>{inputs, normalize, truncate, prompt_name}</c> → <c>[[floats]]</c>) over the embedding
/// models. TEI serves one model; this server serves many, so <c>model</c> names it in the body. Scores and vectors
/// are the Bytez routes' for the same input; errors are TEI's <c>{"error", "error_type"}</c> (<see cref="TeiErrors"/>).
/// </summary>
public static class TeiApi
{
    /// <summary>The TEI paths.</summary>
    public static readonly IReadOnlyList<string> Paths = ["/rerank", "/embed"];

    private const string RerankExample = "{\"model\": \"BAAI/bge-reranker-base\", \"query\": \"capital of France\", \"texts\": [\"Paris is in France.\", \"Berlin is in Germany.\"]}";
    private const string EmbedExample = "{\"model\": \"sentence-transformers/all-MiniLM-L6-v2\", \"inputs\": \"some text\"}";

    /// <summary>Whether a request path is one of TEI's routes (for the error shape and the API key).</summary>
    public static bool IsTeiPath(PathString path) => Paths.Any(p => path.Equals(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>Maps <c>/rerank</c> and <c>/embed</c>.</summary>
    public static IEndpointRouteBuilder MapTeiApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost(Paths[0], RerankAsync);
        app.MapPost(Paths[1], EmbedAsync);
        return app;
    }

    private static async Task RerankAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, RerankExample).ConfigureAwait(false);
        var model = engine.FindModel(BodyFields.RequiredString(body, "model", RerankExample));
        var query = BodyFields.RequiredText(body, "query", RerankExample);
        var texts = ReadTexts(body, "texts", RerankExample, engine.Limits, allowOne: false);
        var raw = BodyFields.Bool(body, "raw_scores") ?? false;
        var returnText = BodyFields.Bool(body, "return_text") ?? false;
        ReadTruncation(body, truncateMeansCut: true);
        var result = await engine.RankAsync(model.Id, RankingCall.Create(query, texts, topN: null), context.RequestAborted).ConfigureAwait(false);
        await OpenAi.OpenAiApi.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartArray();
            foreach (var ranked in result.Ranked)
            {
                writer.WriteStartObject();
                writer.WriteNumber("index", ranked.CorpusId);
                if (returnText)
                {
                    writer.WriteString("text", texts[ranked.CorpusId]);
                }

                if (raw)
                {
                    writer.WriteNumber("score", result.Logits[ranked.CorpusId]);
                }
                else
                {
                    writer.WriteNumber("score", ranked.Score);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }).ConfigureAwait(false);
    }

    private static async Task EmbedAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, EmbedExample).ConfigureAwait(false);
        var model = engine.FindModel(BodyFields.RequiredString(body, "model", EmbedExample));
        var texts = ReadTexts(body, "inputs", EmbedExample, engine.Limits, allowOne: true);
        var normalize = BodyFields.Bool(body, "normalize") ?? true; // TEI's default
        var truncate = ReadTruncation(body, truncateMeansCut: false);
        var promptName = BodyFields.String(body, "prompt_name");
        var parameters = BodyFields.Build(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("normalize", normalize);
            w.WriteBoolean("truncate", truncate);
            if (promptName is not null)
            {
                w.WriteString("prompt_name", promptName);
            }

            w.WriteEndObject();
        });
        var input = BodyFields.Build(w =>
        {
            w.WriteStartArray();
            foreach (var text in texts)
            {
                w.WriteStringValue(text);
            }

            w.WriteEndArray();
        });
        var result = await engine.EmbedAsync(model.Id, new RunRequest { Input = input, Params = parameters }, context.RequestAborted).ConfigureAwait(false);
        await OpenAi.OpenAiApi.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartArray();
            foreach (var vector in result.Vectors)
            {
                OpenAi.OpenAiEmbeddingsApi.WriteVector(writer, vector, base64: false);
            }

            writer.WriteEndArray();
        }).ConfigureAwait(false);
    }

    /// <summary>A list of strings (or, for <c>inputs</c>, one string), at most <see cref="RequestLimitsOptions.MaxItems"/>.</summary>
    private static List<string> ReadTexts(JsonElement body, string name, string example, RequestLimitsOptions limits, bool allowOne)
    {
        var value = BodyFields.Optional(body, name)
            ?? throw EngineException.BadInput($"'{name}' is required. Example: {example}");
        if (allowOne && value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
        {
            throw EngineException.BadInput($"'{name}' must be {(allowOne ? "a string or " : string.Empty)}a list of strings; got {RunRequestReader.Describe(value)}. Example: {example}");
        }

        if (value.GetArrayLength() > limits.MaxItems)
        {
            throw limits.TooManyItems(name, value.GetArrayLength());
        }

        return [.. value.EnumerateArray().Select(t => t.GetString()!)];
    }

    /// <summary>
    /// <c>truncate</c> (TEI's default false) and <c>truncation_direction</c> (only <c>Right</c>, TEI's default). For
    /// <c>/embed</c> the value is honoured (false refuses a text longer than the model takes); for <c>/rerank</c> every
    /// pair is cut to the model's maximum length, as the Bytez text-ranking route cuts it.
    /// </summary>
    private static bool ReadTruncation(JsonElement body, bool truncateMeansCut)
    {
        var truncate = BodyFields.Bool(body, "truncate") ?? false;
        if (BodyFields.String(body, "truncation_direction") is { } direction && !direction.Equals("right", StringComparison.OrdinalIgnoreCase))
        {
            throw EngineException.BadInput($"'truncation_direction' \"{direction}\" is not supported here; texts are cut on the right (\"Right\").");
        }

        return truncate || truncateMeansCut;
    }
}
