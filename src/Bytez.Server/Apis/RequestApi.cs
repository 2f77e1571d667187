using Bytez.Engine;

namespace Bytez.Server.Apis;

/// <summary>
/// <c>POST request/{org}/{model}</c>: asks the server to add a Hugging Face model. Fetching from a hub is not built
/// yet, so a model the server already has answers "Model available" and any other gets a 501 saying so.
/// </summary>
public static class RequestApi
{
    /// <summary>Maps the request route onto the API group.</summary>
    public static RouteGroupBuilder MapRequestApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/request/{org}/{name}", RequestAsync);
        return api;
    }

    private static Task RequestAsync(HttpContext context, string org, string name, InferenceEngine engine)
    {
        var modelId = $"{org}/{name}";
        return engine.Catalog.Find(modelId) is not null
            ? Envelope.WriteOutputAsync(context, "Model available")
            : Envelope.WriteErrorAsync(
                context,
                StatusCodes.Status501NotImplemented,
                $"This server cannot fetch {modelId} from a model hub yet; only the models in list/models can run.");
    }
}
