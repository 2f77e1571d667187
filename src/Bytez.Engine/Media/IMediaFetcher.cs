namespace Bytez.Engine.Media;

/// <summary>
/// Fetches the bytes behind a media URL of a run request. The engine itself has no network access: its default
/// (<see cref="UrlRefusingMediaFetcher"/>) refuses every URL; the server registers one that connects (with its own
/// address policy, time limit and redirect cap).
/// </summary>
public interface IMediaFetcher
{
    /// <summary>
    /// The body behind <paramref name="url"/> (an absolute http or https URL), at most <paramref name="maxBytes"/>
    /// bytes long.
    /// </summary>
    /// <param name="url">The URL, already checked to be absolute http or https.</param>
    /// <param name="maxBytes">The most bytes the body may have; a longer one is refused with TooLarge.</param>
    /// <param name="cancellationToken">Cancels the fetch (the request's deadline, or the client leaving).</param>
    /// <exception cref="EngineException">The URL cannot be fetched (BadInput, naming what it answered), its body is
    /// over <paramref name="maxBytes"/> (TooLarge) or took too long (TimedOut).</exception>
    ValueTask<byte[]> FetchAsync(Uri url, long maxBytes, CancellationToken cancellationToken);
}

/// <summary>The engine's own fetcher: no network, so every URL is refused with a 400 saying to send base64.</summary>
public sealed class UrlRefusingMediaFetcher : IMediaFetcher
{
    /// <inheritdoc />
    public ValueTask<byte[]> FetchAsync(Uri url, long maxBytes, CancellationToken cancellationToken) =>
        throw EngineException.BadInput(
            $"This server does not fetch media URLs ({url}); send the file itself as `base64` (bare or a data URI) instead.");
}
