using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Bytez.Engine;
using Bytez.Protocol;

namespace Bytez.Server.Providers;

/// <summary>
/// Runs closed-source models (<c>openai/gpt-4o</c>, <c>anthropic/...</c>, <c>google/...</c>, <c>mistral/...</c>,
/// <c>cohere/...</c>) by calling the provider's chat API with the caller's <c>provider-key</c> or the server's own key:
/// one call per request, no retries (a chat call is not idempotent and a 429 belongs to the caller), bounded in time
/// (<see cref="ProvidersOptions.Timeout"/>, <see cref="ProvidersOptions.StreamIdleTimeout"/>) and size. The key is
/// only ever put in the provider request's auth header: never logged, never stored, cut out of provider messages.
/// </summary>
public sealed partial class ProviderProxy
{
    /// <summary>The name of the <see cref="HttpClient"/> the proxy gets from <see cref="IHttpClientFactory"/>.</summary>
    public const string HttpClientName = "Bytez.Providers";

    /// <summary>The request header that carries the caller's key of the provider, as the hosted Bytez API reads it.</summary>
    public const string KeyHeader = "provider-key";

    private static readonly JsonDocumentOptions AnswerOptions = new() { MaxDepth = 128 };

    private readonly IHttpClientFactory _clients;
    private readonly ProvidersOptions _options;
    private readonly ILogger<ProviderProxy> _logger;
    private readonly Dictionary<string, IChatProvider> _providers;

    /// <summary>Creates the proxy over the providers' adapters.</summary>
    public ProviderProxy(IHttpClientFactory clients, ProvidersOptions options, ILogger<ProviderProxy> logger)
    {
        _clients = clients;
        _options = options;
        _logger = logger;
        _providers = new IChatProvider[]
        {
            ChatCompletionsProvider.OpenAi, AnthropicProvider.Instance, GoogleProvider.Instance, ChatCompletionsProvider.Mistral,
            CohereProvider.Instance,
        }.ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    /// <summary>The adapter of the provider an <c>org</c> names, or <see langword="null"/> when it names none.</summary>
    public IChatProvider? Find(string org) => ProviderNames.Find(org) is { } name ? _providers[name] : null;

    /// <summary>
    /// The models <c>list/models</c> shows: each configured model of every provider the server has its own key of,
    /// as a chat model (no size, no meter: the provider runs it).
    /// </summary>
    public IEnumerable<ModelInfo> ListedModels() =>
        from name in ProviderNames.All
        let settings = _options.For(name)
        where settings.HasKey
        from model in settings.Models.Distinct(StringComparer.Ordinal)
        select new ModelInfo { ModelId = $"{name}/{model}", Task = BytezTasks.Chat, Meter = "closed-source", MeterPrice = "0 / sec" };

    /// <summary>Runs a whole (not streamed) chat: the assistant's text and the provider's raw answer.</summary>
    /// <exception cref="ProviderException">No key, or the provider refused, failed, was silent or answered too much.</exception>
    public async Task<(string Text, JsonElement Raw)> RunAsync(
        IChatProvider provider, string model, ProviderChat chat, string? callerKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var key = Key(provider, callerKey);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        var started = Stopwatch.GetTimestamp();
        using var response = await SendAsync(provider, model, chat, key, deadline.Token, cancellationToken).ConfigureAwait(false);
        var body = await ReadAllAsync(provider, response, deadline.Token, cancellationToken).ConfigureAwait(false);
        LogCall(_logger, provider.Name, model, (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        if (!response.IsSuccessStatusCode)
        {
            throw ProviderErrors.FromAnswer(provider, response, body, key);
        }

        JsonElement raw;
        try
        {
            using var document = JsonDocument.Parse(body, AnswerOptions);
            raw = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ProviderException(StatusCodes.Status502BadGateway, $"{provider.DisplayName} answered something that is not JSON: {e.Message}", inner: e);
        }

        return (provider.ReadText(raw), raw);
    }

    /// <summary>
    /// Streams a chat: the pieces of text of the provider's streamed answer. The call is made at the first
    /// <c>MoveNextAsync</c>, so that a refusal is still an error answer with its status.
    /// </summary>
    /// <exception cref="ProviderException">No key, or the provider refused, failed, sent an error event, went silent or sent too much.</exception>
    public async IAsyncEnumerable<string> StreamAsync(
        IChatProvider provider, string model, ProviderChat chat, string? callerKey, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var key = Key(provider, callerKey);
        HttpResponseMessage response;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(_options.Timeout);
            response = await SendAsync(provider, model, chat, key, deadline.Token, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                using (response)
                {
                    var body = await ReadAllAsync(provider, response, deadline.Token, cancellationToken).ConfigureAwait(false);
                    LogCall(_logger, provider.Name, model, (int)response.StatusCode, 0);
                    throw ProviderErrors.FromAnswer(provider, response, body, key);
                }
            }
        }

        using (response)
        {
            var started = Stopwatch.GetTimestamp();
            var content = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using var bounded = new ProviderAnswerStream(content, _options.MaxResponseBytes, _options.StreamIdleTimeout, provider.DisplayName);
            await foreach (var item in SseParser.Create(bounded).EnumerateAsync(cancellationToken).ConfigureAwait(false))
            {
                if (item.Data is "[DONE]")
                {
                    break;
                }

                if (string.IsNullOrWhiteSpace(item.Data))
                {
                    continue;
                }

                JsonElement data;
                try
                {
                    using var document = JsonDocument.Parse(item.Data, AnswerOptions);
                    data = document.RootElement.Clone();
                }
                catch (JsonException e)
                {
                    throw new ProviderException(StatusCodes.Status502BadGateway, $"{provider.DisplayName} streamed an event that is not JSON: {e.Message}", inner: e);
                }

                if (ProviderErrors.StreamError(item.EventType, data, key) is { } error)
                {
                    throw new ProviderException(StatusCodes.Status502BadGateway, $"{provider.DisplayName} failed while streaming: {error}");
                }

                if (provider.ReadStreamText(item.EventType, data) is { Length: > 0 } text)
                {
                    yield return text;
                }
            }

            LogCall(_logger, provider.Name, model, (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>The key to use: the caller's <c>provider-key</c>, else the server's own; 401 when there is neither.</summary>
    private string Key(IChatProvider provider, string? callerKey)
    {
        if (!string.IsNullOrWhiteSpace(callerKey))
        {
            return callerKey.Trim();
        }

        var own = _options.For(provider.Name).Key;
        return !string.IsNullOrWhiteSpace(own)
            ? own.Trim()
            : throw new ProviderException(StatusCodes.Status401Unauthorized,
                $"No {provider.DisplayName} key: send yours in the {KeyHeader} header, or set Bytez:Providers:{ProviderNames.Section(provider.Name)}:Key on the server.");
    }

    private async Task<HttpResponseMessage> SendAsync(
        IChatProvider provider, string model, ProviderChat chat, string key, CancellationToken deadline, CancellationToken caller)
    {
        var settings = _options.For(provider.Name);
        var baseUrl = new Uri(string.IsNullOrWhiteSpace(settings.BaseUrl) ? provider.DefaultBaseUrl : settings.BaseUrl);
        using var request = provider.CreateRequest(baseUrl, model, chat, key);
        var client = _clients.CreateClient(HttpClientName);
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!caller.IsCancellationRequested)
        {
            throw new ProviderException(StatusCodes.Status504GatewayTimeout,
                $"{provider.DisplayName} did not answer within {_options.Timeout} (Bytez:Providers:Timeout).", inner: e);
        }
        catch (HttpRequestException e)
        {
            throw new ProviderException(StatusCodes.Status502BadGateway, $"{provider.DisplayName} could not be reached at {baseUrl.Host}: {e.Message}", inner: e);
        }
    }

    private async Task<byte[]> ReadAllAsync(IChatProvider provider, HttpResponseMessage response, CancellationToken deadline, CancellationToken caller)
    {
        try
        {
            var content = await response.Content.ReadAsStreamAsync(deadline).ConfigureAwait(false);
            await using var bounded = new ProviderAnswerStream(content, _options.MaxResponseBytes, _options.Timeout, provider.DisplayName);
            using var copy = new MemoryStream();
            await bounded.CopyToAsync(copy, deadline).ConfigureAwait(false);
            return copy.ToArray();
        }
        catch (OperationCanceledException e) when (!caller.IsCancellationRequested)
        {
            throw new ProviderException(StatusCodes.Status504GatewayTimeout,
                $"{provider.DisplayName} did not finish its answer within {_options.Timeout} (Bytez:Providers:Timeout).", inner: e);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Provider {Provider} model {Model} answered {Status} in {Milliseconds:0} ms")]
    private static partial void LogCall(ILogger logger, string provider, string model, int status, double milliseconds);
}
