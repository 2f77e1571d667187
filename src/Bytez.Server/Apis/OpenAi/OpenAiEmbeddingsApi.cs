using System.Buffers.Binary;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Protocol;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// <c>POST embeddings</c>: OpenAI's embeddings request over the catalog's embedding models (feature-extraction and
/// sentence-similarity). <c>input</c> is a string or a list of strings (at most <see cref="RequestLimitsOptions.MaxItems"/>,
/// their tokens together at most <see cref="RequestLimitsOptions.MaxInputTokens"/>); token ids are refused, because
/// OpenAI's clients send ids of OpenAI's tokenizers, not of the model's vocabulary. <c>encoding_format</c> is
/// <c>float</c> (the default) or <c>base64</c> (the vector's little-endian float32 bytes). <c>dimensions</c> is
/// accepted when it is the model's own width: no served model declares Matryoshka widths, so no other is honoured.
/// The vectors are the Bytez route's for the same texts, and <c>usage</c> counts the tokens the model was fed.
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
        var result = await engine.EmbedAsync(model.Id, new RunRequest { Input = request.Input }, context.RequestAborted).ConfigureAwait(false);
        var width = result.Vectors.Count == 0 ? 0 : result.Vectors[0].Length;
        if (request.Dimensions is { } dimensions && dimensions != width)
        {
            throw EngineException.BadInput(
                $"'dimensions' {dimensions} is not available for {model.Id}: it gives vectors of {width} numbers and declares no shorter (Matryoshka) widths; omit 'dimensions' or send {width}.");
        }

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

    private static EmbeddingsRequest Read(JsonElement body)
    {
        var model = body.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String && m.GetString() is { Length: > 0 } id
            ? id
            : throw EngineException.BadInput($"'model' must be the id of an embedding model, such as {Example}.");

        if (!body.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
        {
            throw EngineException.BadInput($"'input' is required: a string or a list of strings, such as {Example}.");
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

    /// <summary>Refuses token ids (a list of integers, or of lists of integers) and input that is neither a string nor a list.</summary>
    private static void CheckInput(JsonElement input)
    {
        if (input.ValueKind == JsonValueKind.String)
        {
            return;
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            throw EngineException.BadInput($"'input' must be a string or a list of strings; got {RunRequestReader.Describe(input)}.");
        }

        foreach (var item in input.EnumerateArray())
        {
            if (item.ValueKind is JsonValueKind.Number or JsonValueKind.Array)
            {
                throw EngineException.BadInput(
                    "'input' as token ids is not supported here: OpenAI's clients count ids of OpenAI's tokenizers, which are not this model's vocabulary; send the text as a string or a list of strings.");
            }
        }
    }

    private sealed record EmbeddingsRequest(string Model, JsonElement Input, bool Base64, int? Dimensions);
}
