using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Net.Sockets;
using Bytez.Protocol;
using Microsoft.Extensions.Logging;

namespace Bytez.Hub.Jobs;

/// <summary>
/// Calls a job's webhook when it ends: <c>POST</c> of the final <see cref="ModelRequestStatus"/> as JSON. Webhook
/// URLs are checked when a request names one, and again at connect time (after DNS), so that a name that resolves to a
/// loopback or private address is refused unless <see cref="HubOptions.AllowPrivateWebhooks"/> allows it. Redirects
/// are not followed.
/// </summary>
public sealed partial class WebhookNotifier : IDisposable
{
    private readonly HubOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;

    /// <summary>Creates the notifier with its own HTTP client.</summary>
    public WebhookNotifier(HubOptions options, ILogger<WebhookNotifier> logger)
        : this(options, logger, Dns.GetHostAddressesAsync)
    {
    }

    /// <summary>Creates the notifier with a name resolver of the caller's (tests resolve names without DNS).</summary>
    internal WebhookNotifier(HubOptions options, ILogger<WebhookNotifier> logger, Func<string, CancellationToken, Task<IPAddress[]>> resolve)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _resolve = resolve ?? throw new ArgumentNullException(nameof(resolve));
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectTimeout = options.WebhookTimeout,
            ConnectCallback = ConnectAsync,
        };
        _http = new HttpClient(handler) { Timeout = options.WebhookTimeout };
    }

    /// <summary>
    /// Checks a webhook URL a request names: absolute http(s), no user info, and not a loopback or private address
    /// unless allowed.
    /// </summary>
    /// <exception cref="HubException">The URL is not acceptable (kind <see cref="HubErrorKind.Invalid"/>); the message says why.</exception>
    public void Validate(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new HubException(HubErrorKind.Invalid, $"The webhook '{url}' is not an absolute http or https URL.");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new HubException(HubErrorKind.Invalid, "The webhook URL must not carry a user name or password.");
        }

        if (_options.AllowPrivateWebhooks)
        {
            return;
        }

        // A trailing dot ("localhost.") names the same host.
        var host = uri.IdnHost.TrimEnd('.');
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IsPrivate(address)))
        {
            throw new HubException(HubErrorKind.Invalid, PrivateMessage(url));
        }
    }

    /// <summary>Posts the status to the URL; retries twice on failure, then logs. Never throws except for cancellation.</summary>
    public async Task NotifyAsync(string url, ModelRequestStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(status);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                // A body with a Content-Length (not chunked): the simplest receivers read that.
                using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(status, HubJsonContext.Default.ModelRequestStatus));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                using var response = await _http.PostAsync(url, content, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    LogDelivered(_logger, status.ModelId, url, (int)response.StatusCode);
                    return;
                }

                LogFailed(_logger, status.ModelId, url, attempt, $"HTTP {(int)response.StatusCode}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or HubException && !cancellationToken.IsCancellationRequested)
            {
                LogFailed(_logger, status.ModelId, url, attempt, e.Message);
            }

            if (attempt < 3)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Disposes the HTTP client.</summary>
    public void Dispose() => _http.Dispose();

    /// <summary>Whether an address is loopback, private, link-local, unique-local, carrier-grade NAT, unspecified or multicast.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] is 0 or 10 or 127 || b[0] >= 224
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 100 && b[1] is >= 64 and <= 127);
        }

        var bytes = address.GetAddressBytes();
        return address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Any)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || (bytes[0] & 0xFE) == 0xFC;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await _resolve(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
        if (!_options.AllowPrivateWebhooks)
        {
            addresses = addresses.Where(a => !IsPrivate(a)).ToArray();
            if (addresses.Length == 0)
            {
                throw new HubException(HubErrorKind.Invalid, PrivateMessage(context.DnsEndPoint.Host));
            }
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string PrivateMessage(string target) =>
        $"The webhook '{target}' points at a loopback or private address; set Bytez:Hub:AllowPrivateWebhooks=true to allow that.";

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook for {ModelId} delivered to {Url} ({Status})")]
    private static partial void LogDelivered(ILogger logger, string modelId, string url, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook for {ModelId} to {Url} failed (attempt {Attempt} of 3): {Reason}")]
    private static partial void LogFailed(ILogger logger, string modelId, string url, int attempt, string reason);
}
