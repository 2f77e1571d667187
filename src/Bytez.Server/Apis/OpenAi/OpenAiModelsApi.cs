using System.Text.Json;
using Bytez.Engine;

namespace Bytez.Server.Apis.OpenAi;

/// <summary>
/// <c>GET models</c> and <c>GET models/{org}/{name}</c>: the catalog as OpenAI's model list. Every catalog model is
/// listed; the routes that run a model check that its task fits (chat and completions need a generating model,
/// embeddings an embedding model).
/// </summary>
public static class OpenAiModelsApi
{
    /// <summary>Maps the model routes onto an OpenAI-compatible group.</summary>
    public static RouteGroupBuilder MapOpenAiModels(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/models", ListAsync);
        api.MapGet("/models/{org}/{name}", ReadAsync);
        return api;
    }

    /// <summary>When the server started: the <c>created</c> time of every model (the catalog keeps no other).</summary>
    private static readonly long Started = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static Task ListAsync(HttpContext context, InferenceEngine engine) =>
        OpenAiApi.WriteJsonAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            foreach (var model in engine.Catalog.List())
            {
                Write(writer, model);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });

    private static Task ReadAsync(HttpContext context, string org, string name, InferenceEngine engine)
    {
        var model = engine.FindModel($"{org}/{name}");
        return OpenAiApi.WriteJsonAsync(context, writer => Write(writer, model));
    }

    private static void Write(Utf8JsonWriter writer, ModelDescriptor model)
    {
        writer.WriteStartObject();
        writer.WriteString("id", model.Id);
        writer.WriteString("object", "model");
        writer.WriteNumber("created", Started);
        writer.WriteString("owned_by", model.Id.Split('/')[0]);
        writer.WriteString("task", model.Task);
        writer.WriteEndObject();
    }
}
