using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Bytez.Hub.Net;
using Bytez.Protocol;
using Microsoft.Extensions.Logging;

namespace Bytez.Hub.Jobs;

/// <summary>
/// Calls a job's webhook when it ends: <c>POST</c> of the final <see cref="ModelRequestStatus"/> as JSON. Where a
/// webhook may connect is the <see cref="OutboundAddressPolicy"/>'s decision, from <see cref="HubOptions.AllowPrivateWebhooks"/>
/// and <see cref="HubOptions.WebhookAllowList"/>: checked when a request names the URL, and again at connect time on the
/// addresses the name resolved to. Redirects are not followed. A refused address is final (logged once, not retried);
/// other failures are retried twice.
/// </summary>
public sealed partial class WebhookNotifier : IDisposable
{
    private readonly ILogger _logger;
    private readonly HttpClient _http;

    /// <summary>Creates the notifier with its own HTTP client.</summary>
    public WebhookNotifier(HubOptions options, ILogger<WebhookNotifier> logger)
        : this(options, logger, Dns.GetHostAddressesAsync)
    {
    }

    /// <summary>Creates the notifier with a name resolver of the caller's (tests resolve names without DNS).</summary>
    internal WebhookNotifier(HubOptions options, ILogger<WebhookNotifier> logger, Func<string, CancellationToken, Task<IPAddress[]>> resolve)
        : this(options, logger, resolve, (options ?? throw new ArgumentNullException(nameof(options))).WebhookPolicy())
    {
    }

    /// <summary>Creates the notifier with a resolver and a policy of the caller's (tests).</summary>
    internal WebhookNotifier(HubOptions options, ILogger<WebhookNotifier> logger, Func<string, CancellationToken, Task<IPAddress[]>> resolve, OutboundAddressPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(resolve);
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        Policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _http = new HttpClient(Policy.CreateHandler(options.WebhookTimeout, resolve)) { Timeout = options.WebhookTimeout };
    }

    /// <summary>Where webhooks may connect.</summary>
    public OutboundAddressPolicy Policy { get; }

    /// <summary>
    /// Checks a webhook URL a request names: absolute http(s), no user info, and a host the policy allows (not
    /// localhost, this machine's name, or a refused address literal).
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

        if (!Policy.IsHostAllowed(uri.IdnHost))
        {
            throw new HubException(HubErrorKind.Invalid, RefusedMessage(url));
        }
    }

    /// <summary>
    /// Posts the status to the URL; retries twice on failure, then logs. An address the policy refuses ends the call at
    /// once (logged once). Never throws except for cancellation.
    /// </summary>
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
            catch (Exception e) when (OutboundAddressRefusedException.Find(e) is { } refused && !cancellationToken.IsCancellationRequested)
            {
                // The same name leads to the same refused addresses: trying again cannot help.
                LogRefused(_logger, status.ModelId, url, refused.Message);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
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

    private static string RefusedMessage(string target) =>
        $"The webhook '{target}' points at a loopback, private, reserved or this server's own address; " +
        "name the host or address in Bytez:Hub:WebhookAllowList (or set Bytez:Hub:AllowPrivateWebhooks=true) to allow that.";

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook for {ModelId} delivered to {Url} ({Status})")]
    private static partial void LogDelivered(ILogger logger, string modelId, string url, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook for {ModelId} to {Url} failed (attempt {Attempt} of 3): {Reason}")]
    private static partial void LogFailed(ILogger logger, string modelId, string url, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook for {ModelId} to {Url} refused, not retried: {Reason}")]
    private static partial void LogRefused(ILogger logger, string modelId, string url, string reason);
}
