using Bytez.Protocol;

namespace Bytez;

// Media in and out: an image or sound as input, a file as output (json: false).
public sealed partial class BytezModel
{
    /// <summary>
    /// Runs a media task (image-classification, object-detection, image-to-text, automatic-speech-recognition,
    /// audio-classification, ...) on an image or a sound: sends <c>{"input": "&lt;url, data URI or base64&gt;"}</c>.
    /// </summary>
    /// <param name="media">The media, from <see cref="BytezMedia.FromUrl(Uri)"/>, <see cref="BytezMedia.FromBytes"/>, <see cref="BytezMedia.FromFileAsync"/>, ...</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult> RunAsync(BytezMedia media, ModelParameters? parameters = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(media);
        return RunCoreAsync(JsonInput.FromText(media.Value), JsonInput.FromParameters(parameters), cancellationToken);
    }

    /// <summary>
    /// Runs a task that produces a file (text-to-speech, text-to-image, text-to-audio, text-to-video) and returns the
    /// file itself: sends <c>"json": false</c>, so the server answers the raw bytes with their content type instead of
    /// a URL. Like <c>RunAsync</c>, never throws for API errors or transport failures: check the result's
    /// <see cref="BytezResult{T}.Error"/>.
    /// </summary>
    /// <param name="text">The prompt.</param>
    /// <param name="parameters">Model parameters, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    public Task<BytezResult<BytezFile>> RunFileAsync(string text, ModelParameters? parameters = null, CancellationToken cancellationToken = default) =>
        _client.SendForFileAsync(
            HttpMethod.Post, new Uri(_client.BaseAddress, _path),
            new RunRequest { Input = JsonInput.FromText(text), Params = JsonInput.FromParameters(parameters), Json = false },
            ProviderKey, cancellationToken);
}
