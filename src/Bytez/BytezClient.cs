using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using Bytez.Protocol;

namespace Bytez;

/// <summary>
/// The entry point of the Bytez SDK: lists models and tasks (<see cref="List"/>), gives a handle on a model
/// (<see cref="Model"/>) to run or stream it, and requests new models. Thread-safe; create one and reuse it.
/// </summary>
/// <remarks>
/// Every request carries <c>Authorization: Key &lt;key&gt;</c>, <c>lang: csharp</c> and
/// <c>User-Agent: bytez-dotnet/&lt;version&gt;</c>. Requests with a JSON body carry
/// <c>Content-Type: application/json</c>; unlike the official clients, bodiless GETs do not, because HTTP gives a
/// content type only to content. API errors and transport failures come back in <see cref="BytezResult{T}.Error"/>
/// instead of throwing, as in the official clients; cancelling a caller's token throws
/// <see cref="OperationCanceledException"/>.
/// </remarks>
public sealed partial class BytezClient : IDisposable
{
    private const string ApiKeyVariable = "BYTEZ_KEY";

    private static readonly string SdkVersion = ReadSdkVersion();

    private readonly HttpClient _http;
    private readonly bool _ownsHttpClient;
    private readonly string _apiKey;

    /// <summary>Creates a client of the hosted API with the given key, or the <c>BYTEZ_KEY</c> environment variable.</summary>
    /// <param name="apiKey">The API key; <see langword="null"/> reads <c>BYTEZ_KEY</c>.</param>
    /// <exception cref="ArgumentException">No key was given and <c>BYTEZ_KEY</c> is not set.</exception>
    public BytezClient(string? apiKey = null)
        : this(new BytezClientOptions { ApiKey = apiKey })
    {
    }

    /// <summary>Creates a client with its own <see cref="HttpClient"/>, which it disposes with itself.</summary>
    /// <param name="options">Key, base address and timeout.</param>
    /// <exception cref="ArgumentException">No key, a relative base address or a non-positive timeout.</exception>
    public BytezClient(BytezClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_apiKey, BaseAddress, Timeout) = Validate(options, fallbackBaseAddress: null);
        TimeProvider = options.TimeProvider ?? TimeProvider.System;
        var handler = new SocketsHttpHandler
        {
            // Pick up DNS changes of long-lived clients, as IHttpClientFactory would.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.All,
        };
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _ownsHttpClient = true;
        List = new BytezListApi(this);
    }

    /// <summary>
    /// Creates a client that sends through the given <see cref="HttpClient"/>, for example one from
    /// <c>IHttpClientFactory</c> or a typed client. The caller keeps ownership: disposing this client does not
    /// dispose <paramref name="httpClient"/>, and this client never changes its settings.
    /// </summary>
    /// <param name="httpClient">
    /// The client to send with. Its <see cref="HttpClient.BaseAddress"/> is used when
    /// <see cref="BytezClientOptions.BaseAddress"/> is not set. Its own <see cref="HttpClient.Timeout"/> (100 s by
    /// default) still applies; set it to <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> to let
    /// <see cref="BytezClientOptions.Timeout"/> rule long generations.
    /// </param>
    /// <param name="options">Key, base address and timeout; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">No key, a relative base address or a non-positive timeout.</exception>
    public BytezClient(HttpClient httpClient, BytezClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        options ??= new BytezClientOptions();
        (_apiKey, BaseAddress, Timeout) = Validate(options, httpClient.BaseAddress);
        TimeProvider = options.TimeProvider ?? TimeProvider.System;
        _http = httpClient;
        _ownsHttpClient = false;
        List = new BytezListApi(this);
    }

    /// <summary>The hosted API, <c>https://api.bytez.com/models/v2/</c>: the default base address.</summary>
    public static Uri HostedBaseAddress { get; } = new("https://api.bytez.com/models/v2/");

    /// <summary>
    /// A local server, <c>http://localhost:8080/models/v2/</c>: what the official clients use with <c>dev=true</c>,
    /// and where a self-hosted Bytez for .NET server listens by default.
    /// </summary>
    public static Uri LocalBaseAddress { get; } = new("http://localhost:8080/models/v2/");

    /// <summary>The address of the v2 API this client calls; it always ends with a slash.</summary>
    public Uri BaseAddress { get; }

    /// <summary>How long one call may take (see <see cref="BytezClientOptions.Timeout"/>).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The list endpoints: models, tasks and clusters.</summary>
    public BytezListApi List { get; }

    /// <summary>The clock of the polling of <see cref="BytezModel.LoadAsync"/> and <see cref="WaitForModelAsync"/> (see <see cref="BytezClientOptions.TimeProvider"/>).</summary>
    internal TimeProvider TimeProvider { get; }

    /// <summary>A handle on a model, to run or stream it. Creating one sends nothing.</summary>
    /// <param name="modelId">The model id, <c>org/name</c>, for example <c>openai-community/gpt2</c> or <c>openai/gpt-4o</c>.</param>
    /// <param name="providerKey">
    /// For closed-source models, your key of the provider (OpenAI, Anthropic, ...), sent as <c>provider-key</c>.
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="modelId"/> is empty or has an empty, <c>.</c> or <c>..</c> segment.</exception>
    public BytezModel Model(string modelId, string? providerKey = null) => new(this, modelId, providerKey);

    /// <summary>Disposes the <see cref="HttpClient"/> if this client created it; an injected one is left alone.</summary>
    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _http.Dispose();
        }
    }

    /// <summary>Sends a request and folds every outcome except the caller's cancellation into a result.</summary>
    internal Task<BytezResult> SendAsync(
        HttpMethod method, string relativePath, RunRequest? body, string? providerKey, CancellationToken cancellationToken) =>
        SendJsonAsync(method, relativePath, Serialize(body), providerKey, cancellationToken);

    /// <summary>Sends a request with a cluster body (<c>PUT</c> and <c>PATCH</c> on a model).</summary>
    internal Task<BytezResult> SendAsync(
        HttpMethod method, string relativePath, ClusterRequest body, CancellationToken cancellationToken) =>
        SendJsonAsync(
            method, relativePath, JsonSerializer.SerializeToUtf8Bytes(body, ProtocolJsonContext.Default.ClusterRequest), providerKey: null, cancellationToken);

    /// <summary>Sends a request with an already serialized JSON body, or none.</summary>
    private async Task<BytezResult> SendJsonAsync(
        HttpMethod method, string relativePath, byte[]? jsonBody, string? providerKey, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var timeout = StartTimeout(cancellationToken);
        using var request = CreateRequest(method, relativePath, jsonBody, providerKey);
        try
        {
            using var response = await _http
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            return Envelope.Parse(response, bytes);
        }
        catch (Exception exception) when (IsTransportFailure(exception, cancellationToken))
        {
            return new BytezResult(null, DescribeFailure(exception, timeout), null, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }

    /// <summary>
    /// Sends a streaming request and returns the 2xx response with its headers read; throws
    /// <see cref="BytezException"/> for anything else.
    /// </summary>
    internal async Task<HttpResponseMessage> SendForStreamAsync(
        string relativePath, RunRequest body, string? providerKey, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var request = CreateRequest(HttpMethod.Post, relativePath, Serialize(body), providerKey);
        HttpResponseMessage? response = null;
        try
        {
            response = await _http
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var result = Envelope.Parse(response, bytes);
            throw new BytezException(
                result.Error ?? response.ReasonPhrase ?? $"HTTP {(int)response.StatusCode}",
                response.StatusCode,
                Envelope.DecodeBody(bytes));
        }
        catch (Exception exception) when (IsTransportFailure(exception, cancellationToken))
        {
            response?.Dispose();
            throw new BytezException(DescribeFailure(exception, timeout), null, null, exception);
        }
        catch
        {
            response?.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }

    /// <summary>A token source that cancels with the caller's token or when <see cref="Timeout"/> elapses.</summary>
    internal CancellationTokenSource StartTimeout(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            source.CancelAfter(Timeout);
        }

        return source;
    }

    /// <summary>
    /// A failure that becomes an error result (or a <see cref="BytezException"/> in streams): the network, or a
    /// timeout (ours or the injected client's). The caller's cancellation is not one.
    /// </summary>
    internal static bool IsTransportFailure(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        HttpRequestException or IOException => true,
        _ => false,
    };

    internal string DescribeFailure(Exception exception, CancellationTokenSource timeout) =>
        exception is OperationCanceledException && timeout.IsCancellationRequested
            ? $"The request timed out after {Timeout}."
            : exception.Message;

    private static byte[]? Serialize(RunRequest? body) =>
        body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body, RequestJson.Context.RunRequest);

    /// <summary>A request with the SDK's headers; <paramref name="authScheme"/> is <c>Key</c> on the Bytez routes, <c>Bearer</c> on the OpenAI-compatible ones.</summary>
    private HttpRequestMessage CreateRequest(HttpMethod method, string relativePath, byte[]? jsonBody, string? providerKey, string authScheme = "Key")
    {
        var request = new HttpRequestMessage(method, new Uri(BaseAddress, relativePath));
        request.Headers.Authorization = new AuthenticationHeaderValue(authScheme, _apiKey);
        request.Headers.TryAddWithoutValidation("lang", "csharp");
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("bytez-dotnet", SdkVersion));
        if (providerKey is not null)
        {
            request.Headers.TryAddWithoutValidation("provider-key", providerKey);
        }

        if (jsonBody is not null)
        {
            var content = new ByteArrayContent(jsonBody);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Content = content;
        }

        return request;
    }

    private static (string ApiKey, Uri BaseAddress, TimeSpan Timeout) Validate(BytezClientOptions options, Uri? fallbackBaseAddress)
    {
        var apiKey = (options.ApiKey ?? Environment.GetEnvironmentVariable(ApiKeyVariable))?.Trim();
        if (string.IsNullOrEmpty(apiKey))
        {
            throw new ArgumentException(
                $"No API key: pass one or set the {ApiKeyVariable} environment variable.", nameof(options));
        }

        var timeout = options.Timeout;
        if (timeout <= TimeSpan.Zero && timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("The timeout must be positive or Timeout.InfiniteTimeSpan.", nameof(options));
        }

        var baseAddress = options.BaseAddress ?? fallbackBaseAddress ?? HostedBaseAddress;
        if (!baseAddress.IsAbsoluteUri)
        {
            throw new ArgumentException($"The base address must be absolute: {baseAddress}", nameof(options));
        }

        if (!baseAddress.AbsolutePath.EndsWith('/'))
        {
            // Without the slash, new Uri(base, "list/models") would replace the last segment.
            baseAddress = new UriBuilder(baseAddress) { Path = baseAddress.AbsolutePath + "/" }.Uri;
        }

        return (apiKey, baseAddress, timeout);
    }

    private static string ReadSdkVersion()
    {
        var version = typeof(BytezClient).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus >= 0 ? version[..plus] : version;
    }
}
