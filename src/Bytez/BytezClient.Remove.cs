namespace Bytez;

public sealed partial class BytezClient
{
    /// <summary>
    /// Deletes a downloaded model and its files from a self-hosted server (<c>DELETE {modelId}/files</c>, an extension
    /// of this server; needs the <c>models:request</c> scope): it leaves the catalog and the hub cache, and its request
    /// is forgotten. The server refuses (409) while the model is loaded (shut its cluster down first) or downloading
    /// (cancel the request first), and for the models embedded in it.
    /// </summary>
    /// <param name="modelId">The model id, <c>org/name</c>.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public async Task<BytezResult<RemovedModel>> RemoveModelAsync(string modelId, CancellationToken cancellationToken = default)
    {
        var path = BytezModel.EscapeModelId(modelId) + "/files";
        var result = await SendAsync(HttpMethod.Delete, path, body: null, providerKey: null, cancellationToken).ConfigureAwait(false);
        return Envelope.Typed(result, AdminJsonContext.Default.RemovedModel);
    }
}
