using System.Text.Json;
using Bytez.Engine;
using Bytez.Protocol;

namespace Bytez.Server.Apis;

/// <summary><c>POST {org}/{model}</c>: runs a model on the request's input and answers its task's output.</summary>
public static class RunApi
{
    /// <summary>Maps the run route onto the API group.</summary>
    public static RouteGroupBuilder MapRunApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/{org}/{name}", RunAsync);
        return api;
    }

    private static async Task RunAsync(HttpContext context, string org, string name, InferenceEngine engine)
    {
        var modelId = $"{org}/{name}";
        var model = engine.Catalog.Find(modelId)
            ?? throw EngineException.NotFound($"{InferenceEngine.UnknownModelMessage}: {modelId}");
        var request = RunRequestReader.Read(await ReadBodyAsync(context).ConfigureAwait(false));
        if (request.Stream == true && !BytezTasks.TextStreaming.Contains(model.Task))
        {
            throw EngineException.BadInput(
                $"{model.Id} runs '{model.Task}', whose output cannot be streamed; send \"stream\": false. Streaming is for: {string.Join(", ", BytezTasks.TextStreaming.Order(StringComparer.Ordinal))}.");
        }

        var output = await engine.RunAsync(model.Id, request, context.RequestAborted).ConfigureAwait(false);
        await Envelope.WriteOutputAsync(context, output).ConfigureAwait(false);
    }

    private static async Task<JsonElement> ReadBodyAsync(HttpContext context)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            if (e.BytePositionInLine == 0 && e.LineNumber == 0 && (context.Request.ContentLength ?? 1) == 0)
            {
                throw EngineException.BadInput("The request body is empty; send a JSON object such as {\"input\": \"...\"}.");
            }

            throw EngineException.BadInput($"The request body is not valid JSON ({e.Message}); send a JSON object such as {{\"input\": \"...\"}}.");
        }
    }
}
