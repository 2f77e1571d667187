namespace Bytez.Server.Responses;

/// <summary>
/// Where the Responses API keeps stored responses (<c>store: true</c>) so that a later request can continue a
/// conversation with <c>previous_response_id</c>. Responses past the retention are not found.
/// </summary>
public interface IResponseStore
{
    /// <summary>
    /// Stores a response, durably before returning, and keeps the responses of <paramref name="conversation"/> (the
    /// ones it continues) for the full retention again.
    /// </summary>
    Task SaveAsync(StoredResponse response, IReadOnlyList<string> conversation, CancellationToken cancellationToken);

    /// <summary>The response with this id, or <see langword="null"/> when there is none or it has expired.</summary>
    Task<StoredResponse?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// The conversation that ends with response <paramref name="id"/>: it and every response it continues, the oldest first.
    /// </summary>
    /// <exception cref="Bytez.Engine.EngineException">
    /// A response of the chain is unknown, deleted or expired (NotFound, naming it), or the chain is longer or larger than
    /// <see cref="ResponsesOptions"/> allows (BadInput).
    /// </exception>
    Task<IReadOnlyList<StoredResponse>> LoadConversationAsync(string id, CancellationToken cancellationToken);

    /// <summary>Deletes a response; <see langword="false"/> when there was none (or it had expired).</summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>Deletes every expired response; returns how many.</summary>
    Task<int> PurgeAsync(CancellationToken cancellationToken);
}
