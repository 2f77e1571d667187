using System.Buffers.Binary;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Protocol;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// <c>POST embeddings</c>: OpenAI's embeddings request over the catalog's embedding models (feature-extraction and
/// sentence-similarity). <c>input</c> is a string or a list of strings, or token ids of the model's own vocabulary (a
/// list of integers, or a list of lists), fed as given as vLLM and TEI do (at most <see cref="RequestLimitsOptions.MaxItems"/>
/// items, their tokens together at most <see cref="RequestLimitsOptions.MaxInputTokens"/>; ids outside the vocabulary
/// or a list longer than the model's maximum length are a 400). <c>encoding_format</c> is <c>float</c> (the default)
/// or <c>base64</c> (the vector's little-endian float32 bytes). <c>dimensions</c> is the engine's Matryoshka
/// <c>dimensions</c> parameter: the model's full width always, a shorter one only for a model that declares Matryoshka
/// widths (re-normalized). The vectors are the Bytez route's for the same texts, and <c>usage</c> counts the tokens the model was fed.
/// </summary>
public static class OpenAiEmbeddingsApi
{
    private const string Example = "{\"model\": \"sentence-transformers/all-MiniLM-L6-v2\", \"input\": \"some text\"}";

    /// <summary>Maps the embeddings route onto an OpenAI-compatible group.</summary>
    public static RouteGroupBuilder MapOpenAiEmbeddings(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/embeddings", EmbedAsync);
        return api;
    }

    private static async Task EmbedAsync(HttpContext context, InferenceEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context, Example).ConfigureAwait(false);
        var request = Read(body);
        var model = engine.FindModel(request.Model);
        var run = new RunRequest { Input = request.Input, Params = request.Dimensions is { } n ? Dimensions(n) : null };
        var result = await engine.EmbedAsync(model.Id, run, context.RequestAborted).ConfigureAwait(false);

        await OpenAiApi.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            for (var i = 0; i < result.Vectors.Count; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("object", "embedding");
                writer.WriteNumber("index", i);
                writer.WritePropertyName("embedding");
                WriteVector(writer, result.Vectors[i], request.Base64);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("model", model.Id);
            writer.WriteStartObject("usage");
            writer.WriteNumber("prompt_tokens", result.PromptTokens);
            writer.WriteNumber("total_tokens", result.PromptTokens);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>Writes a vector as JSON numbers (as the Bytez route writes them) or as base64 of its little-endian float32 bytes.</summary>
    internal static void WriteVector(Utf8JsonWriter writer, float[] vector, bool base64)
    {
        if (!base64)
        {
            writer.WriteStartArray();
            foreach (var x in vector)
            {
                writer.WriteNumberValue(x);
            }

            writer.WriteEndArray();
            return;
        }

        var bytes = new byte[vector.Length * sizeof(float)];
        for (var i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        }

        writer.WriteBase64StringValue(bytes);
    }

    private static JsonElement Dimensions(int n)
    {
        using var document = JsonDocument.Parse($"{{\"dimensions\":{n.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}");
        return document.RootElement.Clone();
    }

    private static EmbeddingsRequest Read(JsonElement body)
    {
        var model = body.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String && m.GetString() is { Length: > 0 } id
            ? id
            : throw EngineException.BadInput($"'model' must be the id of an embedding model, such as {Example}.");

        if (!body.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
        {
            throw EngineException.BadInput($"'input' is required: a string or a list of strings (or of token ids), such as {Example}.");
        }

        CheckInput(input);

        var base64 = false;
        if (body.TryGetProperty("encoding_format", out var format) && format.ValueKind != JsonValueKind.Null)
        {
            base64 = format.ValueKind == JsonValueKind.String ? format.GetString() switch
            {
                "float" => false,
                "base64" => true,
                var other => throw EngineException.BadInput($"'encoding_format' must be \"float\" or \"base64\"; got \"{other}\"."),
            }
            : throw EngineException.BadInput($"'encoding_format' must be \"float\" or \"base64\"; got {RunRequestReader.Describe(format)}.");
        }

        int? dimensions = null;
        if (body.TryGetProperty("dimensions", out var d) && d.ValueKind != JsonValueKind.Null)
        {
            dimensions = d.ValueKind == JsonValueKind.Number && d.TryGetInt32(out var n) && n > 0
                ? n
                : throw EngineException.BadInput($"'dimensions' must be a positive integer; got {RunRequestReader.Describe(d)}.");
        }

        return new EmbeddingsRequest(model, input.Clone(), base64, dimensions);
    }

    /// <summary>
    /// Checks the shape of <c>input</c>: a string, a list of strings, a list of integers (one token-id sequence) or a
    /// list of lists of integers; the engine reads the items (ids checked against the model's vocabulary).
    /// </summary>
    private static void CheckInput(JsonElement input)
    {
        const string Expected = "a string, a list of strings, a list of token ids (integers), or a list of lists of token ids";
        if (input.ValueKind == JsonValueKind.String)
        {
            return;
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            throw EngineException.BadInput($"'input' must be {Expected}; got {RunRequestReader.Describe(input)}.");
        }

        if (input.GetArrayLength() == 0)
        {
            throw EngineException.BadInput($"'input' must be non-empty: send {Expected}.");
        }

        var kind = input[0].ValueKind;
        var index = 0;
        foreach (var item in input.EnumerateArray())
        {
            var ok = kind switch
            {
                JsonValueKind.String => item.ValueKind == JsonValueKind.String,
                JsonValueKind.Number => item.ValueKind == JsonValueKind.Number,
                JsonValueKind.Array => item.ValueKind == JsonValueKind.Array && item.EnumerateArray().All(id => id.ValueKind == JsonValueKind.Number),
                _ => false,
            };
            if (!ok)
            {
                throw EngineException.BadInput($"'input' must be {Expected}, all items of one kind; item {index} is {RunRequestReader.Describe(item)}.");
            }

            index++;
        }
    }

    private sealed record EmbeddingsRequest(string Model, JsonElement Input, bool Base64, int? Dimensions);
}
