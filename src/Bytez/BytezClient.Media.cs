using System.Net.Http.Headers;
using System.Text.Json;
using Bytez.Protocol;

namespace Bytez;

// Files tasks produce: downloading the URL of a media output, and reading a raw (json: false) answer.
public sealed partial class BytezClient
{
    /// <summary>
    /// Downloads a file a media task produced, from the URL its output gave (<see cref="BytezResult.GetMediaUrl"/>).
    /// The API key is sent only when the URL is on this client's server (same scheme, host and port as
    /// <see cref="BaseAddress"/>): a self-hosted server serves its files with the key; the key never goes to another
    /// host. Never throws for API errors or transport failures: check the result's <see cref="BytezResult{T}.Error"/>.
    /// </summary>
    /// <param name="url">The file's absolute http or https URL.</param>
    /// <param name="cancellationToken">Cancels the call; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="ArgumentException">The URL is not absolute http or https.</exception>
    public Task<BytezResult<BytezFile>> DownloadAsync(Uri url, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"'{url}' is not an absolute http or https URL.", nameof(url));
        }

        return SendForFileAsync(HttpMethod.Get, url, body: null, providerKey: null, cancellationToken);
    }

    /// <summary>Sends a request whose 2xx answer is a file (not an envelope) and folds every outcome into a result.</summary>
    internal async Task<BytezResult<BytezFile>> SendForFileAsync(
        HttpMethod method, Uri url, RunRequest? body, string? providerKey, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var timeout = StartTimeout(cancellationToken);
        using var request = new HttpRequestMessage(method, url);
        if (IsOwnServer(url))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Key", _apiKey);
        }

        request.Headers.TryAddWithoutValidation("lang", "csharp");
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("bytez-dotnet", SdkVersion));
        if (providerKey is not null)
        {
            request.Headers.TryAddWithoutValidation("provider-key", providerKey);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, RequestJson.Context.RunRequest));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var contentType = response.Content.Headers.ContentType?.MediaType;
            if (!response.IsSuccessStatusCode)
            {
                var failed = Envelope.Parse(response, bytes);
                return new BytezResult<BytezFile>(null, failed.Error, response.StatusCode, failed.ResponseBody ?? Envelope.DecodeBody(bytes));
            }

            if (body is not null && string.Equals(contentType, "application/json", StringComparison.OrdinalIgnoreCase))
            {
                // A JSON answer to json: false: the task's output is not a file.
                return new BytezResult<BytezFile>(
                    null, "The model answered JSON, not a file: its task does not produce media.", response.StatusCode, Envelope.DecodeBody(bytes));
            }

            return new BytezResult<BytezFile>(new BytezFile(bytes, contentType), null, response.StatusCode);
        }
        catch (Exception exception) when (IsTransportFailure(exception, cancellationToken))
        {
            return new BytezResult<BytezFile>(null, DescribeFailure(exception, timeout), null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }

    private bool IsOwnServer(Uri url) =>
        string.Equals(url.Scheme, BaseAddress.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(url.IdnHost, BaseAddress.IdnHost, StringComparison.OrdinalIgnoreCase)
        && url.Port == BaseAddress.Port;
}
