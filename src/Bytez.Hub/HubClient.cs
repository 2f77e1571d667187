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
    public Task<HubRepository> GetRepositoryAsync(string modelId, string revision, IProgress<HubRetry>? retries, CancellationToken cancellationToken)
    {
        ValidateModelId(modelId);
        ValidateRevision(revision);
        return FetchJsonAsync(
            HubHttp.MetadataAddress(_options, modelId, revision),
            new HubTarget(_options.Endpoint, modelId, revision, null),
            $"{modelId} at '{revision}'",
            $"the metadata request for {modelId}",
            MaxMetadataBytes,
            root => Parse(root, modelId),
            retries,
            cancellationToken);
    }

    /// <summary>
    /// Searches the hub's model list (<c>/api/models?search=&amp;filter=&amp;sort=downloads&amp;direction=-1&amp;limit=</c>), most
    /// downloaded first. The answer is untrusted: at most <see cref="HubModelQuery.Limit"/> entries are read, entries
    /// without a valid id are skipped, and an answer over <see cref="MaxSearchBytes"/> fails the search.
    /// </summary>
    /// <exception cref="HubException">The hub refused the search or kept failing.</exception>
    public Task<IReadOnlyList<HubModelSummary>> SearchModelsAsync(HubModelQuery query, IProgress<HubRetry>? retries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, HubModelQuery.MaxLimit);
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(query.Search))
        {
            parts.Add("search=" + Uri.EscapeDataString(query.Search));
        }

        if (!string.IsNullOrEmpty(query.Filter))
        {
            parts.Add("filter=" + Uri.EscapeDataString(query.Filter));
        }

        parts.Add("sort=downloads");
        parts.Add("direction=-1");
        parts.Add("limit=" + limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var what = $"the model search ({PlanningText(query)})";
        return FetchJsonAsync(
            HubHttp.Address(_options, "/api/models?" + string.Join('&', parts)),
            new HubTarget(_options.Endpoint, "the model list", "main", null),
            "the model search",
            what,
            MaxSearchBytes,
            root => ParseSearch(root, limit, what),
            retries,
            cancellationToken);
    }

    /// <summary>The largest model-search answer read: 8 MiB (100 entries with their tags answer well under 1 MiB).</summary>
    internal const long MaxSearchBytes = 8L << 20;

    private static string PlanningText(HubModelQuery query) =>
        string.Join(", ", new[] { query.Search is { Length: > 0 } s ? $"search '{s}'" : null, query.Filter is { Length: > 0 } f ? $"filter '{f}'" : null }.Where(x => x is not null));

    /// <summary>
    /// GETs a JSON answer with the retry policy: transient failures (connection errors, timeouts, 408, 429, 5xx) are
    /// retried with backoff, others become the <see cref="HubException"/> of <see cref="HubHttp.ToExceptionAsync"/>;
    /// the body is read up to <paramref name="maxBytes"/> and handed to <paramref name="parse"/>.
    /// </summary>
    private async Task<T> FetchJsonAsync<T>(
        Uri address, HubTarget target, string subject, string what, long maxBytes, Func<JsonElement, T> parse, IProgress<HubRetry>? retries, CancellationToken cancellationToken)
    {
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
                        if (response.Content.Headers.ContentLength > maxBytes)
                        {
                            throw TooLarge(what, maxBytes);
                        }

                        var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                        await using (stream.ConfigureAwait(false))
                        {
                            var body = await ReadBoundedAsync(stream, what, maxBytes, timeout.Token).ConfigureAwait(false);
                            using var document = JsonDocument.Parse(body);
                            return parse(document.RootElement);
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
                    throw new HubException(HubErrorKind.Unavailable, $"{_options.Endpoint} answered {what} with malformed JSON: {e.Message}", e);
                }
            }

            if (attempt >= _options.MaxAttempts)
            {
                throw new HubException(HubErrorKind.Unavailable,
                    $"{_options.Endpoint} kept failing for {subject} after {attempt} attempts: {lastCause?.Message}", lastCause);
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

    private static async Task<ReadOnlyMemory<byte>> ReadBoundedAsync(Stream stream, string what, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(what, maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static HubException TooLarge(string what, long maxBytes) =>
        new(HubErrorKind.Unavailable, $"The hub answered {what} with more than {maxBytes >> 20} MiB; this server reads no more.");

    private HubException Malformed(string modelId, string why) =>
        new(HubErrorKind.Unavailable, $"{_options.Endpoint} answered the metadata request for {modelId} with data this server cannot use: {why}.");

    /// <summary>Reads a model-search answer: an array of model objects; entries that are not usable are skipped.</summary>
    internal IReadOnlyList<HubModelSummary> ParseSearch(JsonElement root, int limit, string what)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new HubException(HubErrorKind.Unavailable, $"{_options.Endpoint} answered {what} with data this server cannot use: the answer is not a JSON array.");
        }

        var models = new List<HubModelSummary>();
        foreach (var entry in root.EnumerateArray())
        {
            if (models.Count >= limit)
            {
                break;
            }

            var id = String(entry, "id") ?? String(entry, "modelId");
            if (entry.ValueKind != JsonValueKind.Object || id is null || !ModelIds.IsValid(id))
            {
                continue;
            }

            var downloads = entry.TryGetProperty("downloads", out var d) && d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var count) && count >= 0 ? count : 0;
            var tags = Strings(entry, "tags");
            models.Add(new HubModelSummary
            {
                Id = id,
                Downloads = downloads,
                PipelineTag = String(entry, "pipeline_tag"),
                LibraryName = String(entry, "library_name"),
                Tags = tags.Length > MaxTags ? tags[..MaxTags] : tags,
            });
        }

        return models;
    }

    /// <summary>The most tags read per search entry (real repositories have a few dozen).</summary>
    private const int MaxTags = 1000;

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string[] Strings(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
            : [];

    internal static bool IsHex(string value) => value.Length > 0 && value.All(char.IsAsciiHexDigit);
}
