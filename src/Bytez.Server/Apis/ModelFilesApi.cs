using Bytez.Server.Hosting;

namespace Bytez.Server.Apis;

/// <summary>
/// <c>DELETE {org}/{model}/files</c> (an extension of this server, scope <c>models:request</c>): deletes a downloaded
/// model and its files (<see cref="ModelRemover"/>); the answer is <c>{modelId, bytesFreed}</c>. 409 while the model
/// is loaded or downloading.
/// </summary>
public static class ModelFilesApi
{
    /// <summary>The route, under the API prefix.</summary>
    public const string Route = "/{org}/{name}/files";

    /// <summary>Maps the route onto the API group.</summary>
    public static RouteGroupBuilder MapModelFilesApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapDelete(Route, DeleteAsync);
        return api;
    }

    private static async Task DeleteAsync(HttpContext context, string org, string name, ModelRemover remover)
    {
        var removed = await remover.RemoveAsync($"{org}/{name}", context.RequestAborted).ConfigureAwait(false);
        await Envelope.WriteOutputAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("modelId", removed.ModelId);
            w.WriteNumber("bytesFreed", removed.BytesFreed);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
