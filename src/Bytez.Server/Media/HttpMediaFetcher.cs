using System.Net;
using System.Net.Http.Headers;
using Bytez.Engine;
using Bytez.Engine.Media;
using Bytez.Hub.Net;

namespace Bytez.Server.Media;

/// <summary>
/// Fetches media URLs for the engine (<see cref="IMediaFetcher"/>): http and https only; connections only where the
/// <see cref="OutboundAddressPolicy"/> of <c>Bytez:Media:AllowPrivateUrls</c> and <c>UrlAllowList</c> allows, checked on
/// the resolved addresses at connect time (loopback, private, link-local and this machine's own addresses refused by
/// default); redirects followed by hand, at most <c>MaxRedirects</c>, each hop checked again; the body bounded by a
/// byte cap (Content-Length first, then while it streams) and the whole fetch by <c>FetchTimeout</c>.
/// </summary>
/// <remarks>
/// What the URL answers decides the status: a refused address, an unreachable host, a 4xx or 5xx answer or too many
/// redirects are the client's input that cannot be used (400, saying what the URL answered); a body over the cap is
/// 413; a fetch past the time limit is 504 (the upstream did not answer in time), naming the option.
/// </remarks>
public sealed class HttpMediaFetcher : IMediaFetcher, IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;
    private readonly int _maxRedirects;

    /// <summary>Creates the fetcher from the options, resolving names with DNS.</summary>
    public HttpMediaFetcher(MediaOptions options)
        : this(options, (options ?? throw new ArgumentNullException(nameof(options))).UrlPolicy())
    {
    }

    /// <summary>Creates the fetcher with a policy and a name resolver of the caller's (tests resolve names without DNS).</summary>
    /// <param name="options">The time limit and redirect cap.</param>
    /// <param name="policy">Where connections may go.</param>
    /// <param name="resolve">Resolves a host name to addresses; <see langword="null"/> for DNS.</param>
    public HttpMediaFetcher(MediaOptions options, OutboundAddressPolicy policy, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _timeout = options.FetchTimeout;
        _maxRedirects = options.MaxRedirects;
        _http = new HttpClient(policy.CreateHandler(options.FetchTimeout, resolve)) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Bytez-Server", "1"));
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));
    }

    /// <summary>Where media URLs may connect.</summary>
    public OutboundAddressPolicy Policy { get; }

    /// <inheritdoc />
    public async ValueTask<byte[]> FetchAsync(Uri url, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var current = url;
        try
        {
            for (var redirects = 0; ; redirects++)
            {
                Check(url, current);
                using var request = new HttpRequestMessage(HttpMethod.Get, current);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                if (IsRedirect(response.StatusCode))
                {
                    if (response.Headers.Location is not { } location)
                    {
                        throw EngineException.BadInput($"The media URL {Describe(url, current)} answered {Status(response)} without a Location to follow.");
                    }

                    if (redirects >= _maxRedirects)
                    {
                        throw EngineException.BadInput(
                            $"The media URL {url} redirected more than {_maxRedirects} times (Bytez:Media:MaxRedirects); send the final URL, or the file as `base64`.");
                    }

                    current = new Uri(current, location);
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw EngineException.BadInput(
                        $"The media URL {Describe(url, current)} answered {Status(response)}; send a URL that answers 200 with the file, or the file as `base64`.");
                }

                return await ReadBodyAsync(response, url, maxBytes, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new EngineException(EngineErrorKind.TimedOut,
                $"Fetching the media URL {url} took longer than {_timeout.TotalSeconds:0.###} s (Bytez:Media:FetchTimeout); send the file as `base64`, or a faster URL.");
        }
        catch (HttpRequestException e) when (OutboundAddressRefusedException.Find(e) is { } refused)
        {
            throw EngineException.BadInput($"The media URL {Describe(url, current)} was not fetched: {refused.Message} {AllowHint}");
        }
        catch (HttpRequestException e)
        {
            throw EngineException.BadInput($"The media URL {Describe(url, current)} could not be fetched: {e.Message}");
        }
        catch (IOException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw EngineException.BadInput($"The media URL {Describe(url, current)} could not be read to its end: {e.Message}");
        }
    }

    /// <summary>Disposes the HTTP client.</summary>
    public void Dispose() => _http.Dispose();

    private const string AllowHint =
        "Name the host or address in Bytez:Media:UrlAllowList (or set Bytez:Media:AllowPrivateUrls=true) to allow it, or send the file as `base64`.";

    /// <summary>The checks before each hop: scheme, credentials, and the host (names such as localhost, address literals).</summary>
    private void Check(Uri original, Uri current)
    {
        if (current.Scheme is not ("http" or "https"))
        {
            throw EngineException.BadInput($"The media URL {original} redirected to {current}, which is not http or https.");
        }

        if (!string.IsNullOrEmpty(current.UserInfo))
        {
            throw EngineException.BadInput($"The media URL {Describe(original, current)} carries a user name or password, which is not sent.");
        }

        if (!Policy.IsHostAllowed(current.IdnHost))
        {
            throw EngineException.BadInput(
                $"The media URL {Describe(original, current)} points at a loopback, private, reserved or this server's own address. {AllowHint}");
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, Uri url, long maxBytes, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is { } length && length > maxBytes)
        {
            throw TooLarge(url, $"is {length} bytes long (Content-Length)", maxBytes);
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var body = new MemoryStream(response.Content.Headers.ContentLength is { } known ? (int)known : 0);
            var buffer = new byte[BufferSize];
            while (true)
            {
                var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return body.ToArray();
                }

                if (body.Length + read > maxBytes)
                {
                    throw TooLarge(url, $"has more than {maxBytes} bytes", maxBytes);
                }

                body.Write(buffer, 0, read);
            }
        }
    }

    private static EngineException TooLarge(Uri url, string what, long maxBytes) =>
        EngineException.TooLarge(
            $"The media at {url} {what}; this server takes at most {maxBytes} bytes of media per request (Bytez:Media:MaxBytes).");

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static string Status(HttpResponseMessage response) =>
        $"HTTP {(int)response.StatusCode}{(string.IsNullOrEmpty(response.ReasonPhrase) ? "" : " " + response.ReasonPhrase)}";

    private static string Describe(Uri original, Uri current) =>
        original == current ? original.ToString() : $"{original} (redirected to {current})";
}
