using Bytez.Engine;
using Bytez.Hub;
using Bytez.Hub.Jobs;
using Bytez.Protocol;

namespace Bytez.Server.Hosting;

/// <summary>What removing a model did: the id, and the bytes of the files deleted from disk.</summary>
/// <param name="ModelId">The model removed.</param>
/// <param name="BytesFreed">Bytes of the files deleted (the hub cache's blobs, the files in the models directory).</param>
/// <param name="WasInCatalog">Whether the catalog served the model (a failed download leaves files only).</param>
public sealed record ModelRemoval(string ModelId, long BytesFreed, bool WasInCatalog);

/// <summary>
/// Removes a downloaded or registered model: it leaves the catalog, its folder in the models directory goes (a
/// manifest; a local model's own files elsewhere are left where they are), a hub model's repository leaves the hub
/// cache, and its request job is forgotten. Refuses (409) while the model has a cluster or an unfinished download,
/// and for the embedded models, which ship with the server.
/// </summary>
public sealed class ModelRemover(InferenceEngine engine, ModelStore store, HubCache cache, ModelRequestQueue requests)
{
    /// <summary>Removes the model; see the class for what that deletes.</summary>
    /// <exception cref="EngineException">
    /// Not found (no model and no request with that id), or a conflict: loaded, downloading, or embedded.
    /// </exception>
    public async Task<ModelRemoval> RemoveAsync(string modelId, CancellationToken cancellationToken)
    {
        if (!ModelIds.IsValid(modelId))
        {
            throw EngineException.BadInput($"'{modelId}' is not a model id: expected {ModelIds.Rule}.");
        }

        var model = engine.Catalog.Find(modelId);
        var job = await requests.GetAsync(modelId, cancellationToken).ConfigureAwait(false);
        if (model is null && job is null)
        {
            throw EngineException.NotFound($"{InferenceEngine.UnknownModelMessage}: {modelId}");
        }

        var id = model?.Id ?? job!.ModelId;
        if (job is not null && !ModelRequestStates.IsFinal(job.State))
        {
            throw Conflict($"{id} is being downloaded ({job.State}); cancel the request first (DELETE /models/v2/request/{id}), then remove it.");
        }

        if (model?.Source == ModelSource.Embedded)
        {
            throw Conflict($"{id} is embedded in the server and cannot be removed; turn the embedded models off with Bytez:EmbeddedModels=false.");
        }

        if (model is not null)
        {
            ThrowIfLoaded(id);

            // Out of the catalog first, so no new run loads it; a run that got in between is caught by the second look.
            engine.Catalog.Remove(id);
            if (engine.FindCluster(id) is not null)
            {
                engine.Catalog.Add(model);
                ThrowIfLoaded(id);
            }
        }

        long bytes = store.Remove(id) ?? 0;
        if (model is null || model.Source == ModelSource.Hub)
        {
            bytes += cache.DeleteModel(id);
        }

        await requests.ForgetAsync(id, cancellationToken).ConfigureAwait(false);
        return new ModelRemoval(id, bytes, model is not null);
    }

    private void ThrowIfLoaded(string id)
    {
        if (engine.FindCluster(id) is { } cluster)
        {
            throw Conflict(
                $"{id} is loaded ({cluster.Instances} instance(s), {cluster.Status}); shut its cluster down first (DELETE /models/v2/{id}), then remove it.");
        }
    }

    private static EngineException Conflict(string message) => new(EngineErrorKind.Conflict, message);
}
