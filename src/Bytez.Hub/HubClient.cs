using System.Text.Json;
using Bytez.Hub.Download;
using Bytez.Protocol;

namespace Bytez.Hub;

/// <summary>
/// Talks to a Hugging Face-compatible hub: repository metadata (<c>/api/models/{id}/revision/{rev}?blobs=true</c>) and
/// file downloads (<c>/{id}/resolve/{commit}/{path}</c>) with HTTP Range, sending the token when one is configured.
/// </summary>
public sealed class HubClient
{
    private const int MaxRevisionLength = 256;

    /// <summary>
    /// The largest metadata answer read: 64 MiB (a repository of 100,000 files answers a few MiB). A hub that sends more
    /// fails the request instead of filling the memory.
    /// </summary>
    internal const long MaxMetadataBytes = 64L << 20;

    private readonly HttpClient _http;
    private readonly HubOptions _options;

    /// <summary>Creates the client over an <see cref="HttpClient"/> the caller owns.</summary>
    public HubClient(HttpClient http, HubOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options;
    }

    /// <summary>The repository's metadata at a revision, with every file's size and hashes.</summary>
    /// <exception cref="HubException">Not found, unauthorized (gated or private), invalid id, or the hub kept failing.</exception>
    public Task<HubRepository> GetRepositoryAsync(string modelId, string revision, CancellationToken cancellationToken) =>
        GetRepositoryAsync(modelId, revision, null, cancellationToken);

    /// <summary>The repository's metadata at a revision; each retry after a transient failure is reported to <paramref name="retries"/> before its wait.</summary>
    /// <exception cref="HubException">Not found, unauthorized (gated or private), invalid id, or the hub kept failing.</exception>
    public async Task<HubRepository> GetRepositoryAsync(string modelId, string revision, IProgress<HubRetry>? retries, CancellationToken cancellationToken)
    {
        ValidateModelId(modelId);
        ValidateRevision(revision);
        var target = new HubTarget(_options.Endpoint, modelId, revision, null);
        var address = HubHttp.MetadataAddress(_options, modelId, revision);
        Exception? lastCause = null;
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_options.ReadTimeout);
                try
                {
                    using var response = await HubHttp.GetAsync(_http, _options, address, 0, timeout.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        if (response.Content.Headers.ContentLength > MaxMetadataBytes)
                        {
                            throw TooLarge(modelId);
                        }

                        var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                        await using (stream.ConfigureAwait(false))
                        {
                            var body = await ReadBoundedAsync(stream, modelId, timeout.Token).ConfigureAwait(false);
                            using var document = JsonDocument.Parse(body);
                            return Parse(document.RootElement, modelId);
                        }
                    }

                    if (!HubHttp.IsTransient(response.StatusCode))
                    {
                        throw await HubHttp.ToExceptionAsync(response, target, timeout.Token).ConfigureAwait(false);
                    }

                    retryAfter = HubHttp.RetryAfter(response);
                    lastCause = await HubHttp.ToExceptionAsync(response, target, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    lastCause = new TimeoutException($"The hub sent nothing for {_options.ReadTimeout.TotalSeconds:0.#} s.", e);
                }
                catch (Exception e) when (e is HttpRequestException or IOException)
                {
                    lastCause = e;
                }
                catch (JsonException e)
                {
                    throw new HubException(HubErrorKind.Unavailable,
                        $"{_options.Endpoint} answered the metadata request for {modelId} with malformed JSON: {e.Message}", e);
                }
            }

            if (attempt >= _options.MaxAttempts)
            {
                throw new HubException(HubErrorKind.Unavailable,
                    $"{_options.Endpoint} kept failing for {modelId} at '{revision}' after {attempt} attempts: {lastCause?.Message}", lastCause);
            }

            var delay = HubHttp.Backoff(_options, attempt, retryAfter);
            retries?.Report(new HubRetry(attempt, delay, lastCause?.Message ?? "the hub did not answer"));
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static void ValidateModelId(string modelId)
    {
        if (!ModelIds.IsValid(modelId))
        {
            throw new HubException(HubErrorKind.Invalid, $"'{modelId}' is not a valid model id: it must be {ModelIds.Rule}.");
        }
    }

    internal static void ValidateRevision(string revision)
    {
        var problem = revision switch
        {
            null or "" => "it is empty",
            { Length: > MaxRevisionLength } => $"it is longer than {MaxRevisionLength} characters",
            _ when revision.Contains("..", StringComparison.Ordinal) => "it contains '..'",
            _ when revision.Any(char.IsControl) => "it contains control characters",
            _ when revision.Trim().Length != revision.Length => "it starts or ends with white space",
            _ => null,
        };
        if (problem is not null)
        {
            throw new HubException(HubErrorKind.Invalid, $"'{revision}' is not a valid revision: {problem}.");
        }
    }

    /// <summary>Reads the metadata answer; anything unusable is a <see cref="HubException"/>, whatever the JSON holds.</summary>
    internal HubRepository Parse(JsonElement root, string modelId)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(modelId, "the answer is not a JSON object");
        }

        var commit = String(root, "sha");
        if (commit is null || !IsHex(commit) || commit.Length is not (40 or 64))
        {
            throw Malformed(modelId, "it names no commit ('sha')");
        }

        var files = new List<HubFile>();
        if (root.TryGetProperty("siblings", out var siblings) && siblings.ValueKind == JsonValueKind.Array)
        {
            foreach (var sibling in siblings.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object))
            {
                var path = String(sibling, "rfilename");
                if (path is null)
                {
                    continue;
                }

                if (!sibling.TryGetProperty("size", out var size) || size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out var bytes) || bytes < 0)
                {
                    throw new HubException(HubErrorKind.Unavailable,
                        $"{_options.Endpoint} lists no file sizes for {modelId} (file '{path}'): the hub must support " +
                        "'/api/models/{id}/revision/{revision}?blobs=true', which this server needs to plan and verify downloads.");
                }

                string? sha256 = null;
                if (sibling.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object)
                {
                    sha256 = String(lfs, "sha256") ?? String(lfs, "oid");
                }

                files.Add(new HubFile(path, bytes, String(sibling, "blobId")?.ToLowerInvariant(), sha256?.ToLowerInvariant()));
            }
        }

        var gated = root.TryGetProperty("gated", out var gatedElement)
            && (gatedElement.ValueKind == JsonValueKind.True
                || (gatedElement.ValueKind == JsonValueKind.String && gatedElement.GetString() is { Length: > 0 } g
                    && !g.Equals("false", StringComparison.OrdinalIgnoreCase)));
        var config = root.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        var gguf = root.TryGetProperty("gguf", out var gg) && gg.ValueKind == JsonValueKind.Object ? gg : default;
        return new HubRepository
        {
            Id = String(root, "id") is { } id && ModelIds.IsValid(id) ? id : modelId,
            Commit = commit.ToLowerInvariant(),
            PipelineTag = String(root, "pipeline_tag"),
            LibraryName = String(root, "library_name"),
            Tags = Strings(root, "tags"),
            Gated = gated,
            Private = root.TryGetProperty("private", out var p) && p.ValueKind == JsonValueKind.True,
            ModelType = config.ValueKind == JsonValueKind.Object ? String(config, "model_type") : null,
            Architectures = config.ValueKind == JsonValueKind.Object ? Strings(config, "architectures") : [],
            GgufArchitecture = gguf.ValueKind == JsonValueKind.Object ? String(gguf, "architecture") : null,
            Files = files,
        };
    }

    private async Task<ReadOnlyMemory<byte>> ReadBoundedAsync(Stream stream, string modelId, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxMetadataBytes)
            {
                throw TooLarge(modelId);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private HubException TooLarge(string modelId) =>
        new(HubErrorKind.Unavailable, $"{_options.Endpoint} answered the metadata request for {modelId} with more than {MaxMetadataBytes >> 20} MiB; this server reads no more.");

    private HubException Malformed(string modelId, string why) =>
        new(HubErrorKind.Unavailable, $"{_options.Endpoint} answered the metadata request for {modelId} with data this server cannot use: {why}.");

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string[] Strings(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
            : [];

    internal static bool IsHex(string value) => value.Length > 0 && value.All(char.IsAsciiHexDigit);
}
