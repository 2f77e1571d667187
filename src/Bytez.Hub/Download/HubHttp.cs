using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;

namespace Bytez.Hub.Download;

/// <summary>What a hub call was about, for error messages.</summary>
/// <param name="Endpoint">The hub's base address.</param>
/// <param name="ModelId">The repository id.</param>
/// <param name="Revision">The revision asked for (or the commit for a download).</param>
/// <param name="FilePath">The repository path of the file being downloaded, or <see langword="null"/> for metadata.</param>
internal sealed record HubTarget(string Endpoint, string ModelId, string Revision, string? FilePath);

/// <summary>
/// The HTTP plumbing shared by <see cref="HubClient"/> and <see cref="ModelDownloader"/>: addresses, headers,
/// redirects, which failures are transient, backoff, and the one mapping of hub errors to <see cref="HubException"/>.
/// </summary>
internal static class HubHttp
{
    private const int MaxRedirects = 10;

    /// <summary>The User-Agent sent with every request: <c>bytez-dotnet/&lt;version&gt;</c>.</summary>
    internal static readonly string UserAgent = "bytez-dotnet/" + Version();

    /// <summary>An absolute address on the hub: the endpoint (trailing slashes trimmed) followed by an escaped path.</summary>
    internal static Uri Address(HubOptions options, string escapedPathAndQuery) =>
        new(options.Endpoint.TrimEnd('/') + escapedPathAndQuery, UriKind.Absolute);

    /// <summary>The metadata address of a repository at a revision, with the blobs (sizes and hashes) listed.</summary>
    internal static Uri MetadataAddress(HubOptions options, string modelId, string revision) =>
        Address(options, $"/api/models/{modelId}/revision/{Uri.EscapeDataString(revision)}?blobs=true");

    /// <summary>The download address of a file at a commit: <c>/{id}/resolve/{commit}/{path}</c>, each path segment escaped.</summary>
    internal static Uri ResolveAddress(HubOptions options, string modelId, string commit, string path) =>
        Address(options, $"/{modelId}/resolve/{Uri.EscapeDataString(commit)}/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}");

    /// <summary>
    /// Sends a GET (headers only read), adding the User-Agent, the token (only to the hub's own host) and the range,
    /// and follows redirects the handler left to us.
    /// </summary>
    internal static async Task<HttpResponseMessage> GetAsync(
        HttpClient http, HubOptions options, Uri address, long rangeStart, CancellationToken cancellationToken)
    {
        var endpoint = new Uri(options.Endpoint, UriKind.Absolute);
        for (var redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, address);
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            if (!string.IsNullOrEmpty(options.Token) && SameOrigin(address, endpoint))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
            }

            if (rangeStart > 0)
            {
                request.Headers.Range = new RangeHeaderValue(rangeStart, null);
            }

            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is null || redirects >= MaxRedirects)
            {
                return response;
            }

            var location = response.Headers.Location;
            var next = location.IsAbsoluteUri ? location : new Uri(address, location);
            response.Dispose();
            if (address.Scheme == Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttps)
            {
                throw new HubException(HubErrorKind.Unavailable,
                    $"The hub redirected {address.GetLeftPart(UriPartial.Path)} from https to {next.Scheme}; downloads never leave https.");
            }

            address = next;
        }
    }

    /// <summary>Whether a status is worth another attempt: 408, 429 and 5xx.</summary>
    internal static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>The wait before retry number <paramref name="attempt"/> (1 for the first retry), honouring <paramref name="retryAfter"/>.</summary>
    internal static TimeSpan Backoff(HubOptions options, int attempt, TimeSpan? retryAfter)
    {
        var max = options.MaxRetryDelay;
        if (retryAfter is { } after && after > TimeSpan.Zero)
        {
            return after < max ? after : max;
        }

        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var baseTicks = Math.Min(options.RetryDelay.Ticks * Math.Pow(2, exponent), max.Ticks);
        var jittered = baseTicks * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return TimeSpan.FromTicks((long)Math.Min(jittered, max.Ticks));
    }

    /// <summary>The hub's <c>Retry-After</c> as a wait, if it sent one.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        return header?.Date is { } date ? date - DateTimeOffset.UtcNow : null;
    }

    /// <summary>
    /// The exception for a failed response that is not retried (or was retried to the end): not found, unauthorized,
    /// or unavailable, with a message written for the user.
    /// </summary>
    internal static async Task<HubException> ToExceptionAsync(HttpResponseMessage response, HubTarget target, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var code = response.Headers.TryGetValues("X-Error-Code", out var values) ? values.FirstOrDefault() : null;
        var hubMessage = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        var id = target.ModelId;
        switch (code)
        {
            case "RepoNotFound":
                return new HubException(HubErrorKind.NotFound,
                    $"Repository {id} was not found on {target.Endpoint} (if it is private, set HF_TOKEN to a token with access).");
            case "RevisionNotFound":
                return new HubException(HubErrorKind.NotFound, $"Revision '{target.Revision}' of {id} was not found on {target.Endpoint}.");
            case "EntryNotFound":
                return new HubException(HubErrorKind.NotFound,
                    $"File '{target.FilePath}' of {id} at {target.Revision} was not found on {target.Endpoint}.");
            case "GatedRepo" when status == 401:
                return new HubException(HubErrorKind.Unauthorized,
                    $"{id} is gated: accept its terms on the hub and set HF_TOKEN (Bytez:Hub:Token).");
            default:
                break;
        }

        return status switch
        {
            403 => new HubException(HubErrorKind.Unauthorized,
                $"The token has no access to {id} on {target.Endpoint}: if it is gated, accept its terms on the hub with the token's account, " +
                "or set HF_TOKEN (Bytez:Hub:Token) to a token that has access."),
            401 => new HubException(HubErrorKind.Unauthorized,
                $"{target.Endpoint} refused access to {id} (401){Suffix(hubMessage)}: set HF_TOKEN (Bytez:Hub:Token) to a token with access."),
            404 when target.FilePath is not null => new HubException(HubErrorKind.NotFound,
                $"File '{target.FilePath}' of {id} at {target.Revision} was not found on {target.Endpoint}{Suffix(hubMessage)}."),
            404 => new HubException(HubErrorKind.NotFound,
                $"Repository {id} at revision '{target.Revision}' was not found on {target.Endpoint}{Suffix(hubMessage)} " +
                "(if it is private, set HF_TOKEN to a token with access)."),
            _ => new HubException(HubErrorKind.Unavailable,
                $"{target.Endpoint} answered {status} {response.ReasonPhrase} for {Describe(target)}{Suffix(hubMessage)}."),
        };
    }

    /// <summary>What a request was for, as a phrase: "file 'x' of org/name" or "org/name".</summary>
    internal static string Describe(HubTarget target) =>
        target.FilePath is null ? $"{target.ModelId} at '{target.Revision}'" : $"file '{target.FilePath}' of {target.ModelId}";

    private static string Suffix(string? hubMessage) => string.IsNullOrWhiteSpace(hubMessage) ? "" : $" ({hubMessage.Trim()})";

    private static async Task<string?> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (text.Length > 4096)
            {
                return null;
            }

            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.String
                    ? error.GetString()
                    : null;
        }
        catch (Exception e) when (e is JsonException or HttpRequestException or IOException or InvalidOperationException)
        {
            return null;
        }
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    private static string Version()
    {
        var version = typeof(HubHttp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(HubHttp).Assembly.GetName().Version?.ToString()
            ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus >= 0 ? version[..plus] : version;
    }
}
